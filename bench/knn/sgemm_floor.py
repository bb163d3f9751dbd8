#!/usr/bin/env python3
"""The hardware floor of bench/knn/run.sh: the bare sgemm of the same shapes.

usage: sgemm_floor.py DATA_DIR DIM THREADS
Reads DATA_DIR/docs.f32 and queries.f32 (bench/knn/gen.py) and prints
"sgemm_floor SECONDS": one float32 product queries @ docs.T (1000 x 100k for
the small set) by numpy's BLAS with THREADS threads, arrays already in memory,
no selection, no reading.  Any exact k-NN must at least do this product, so
knn_search / sgemm_floor says how much the reading, the top-k selection and
the exact re-scoring cost on top.  The best of 3 products is printed: the
floor is what the hardware can do, not what a busy machine happened to do.
"""
import os
import sys
import time


def main(data, dim, threads):
    # the BLAS reads its thread count when it loads
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import numpy as np

    docs = np.fromfile(os.path.join(data, "docs.f32"), dtype=np.float32).reshape(-1, dim)
    queries = np.fromfile(os.path.join(data, "queries.f32"), dtype=np.float32).reshape(-1, dim)
    docs_t = np.ascontiguousarray(docs.T)
    out = np.empty((queries.shape[0], docs.shape[0]), dtype=np.float32)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        np.matmul(queries, docs_t, out=out)
        best = min(best, time.perf_counter() - start)
    print("sgemm_floor %.3f" % best, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
