#!/usr/bin/env python3
"""faiss exact batch search, the anchor of bench/knn/run.sh.

usage: faiss_flat.py DATA_DIR DIM K THREADS
Reads DATA_DIR/docs.f32 and queries.f32 (bench/knn/gen.py) and prints
"faiss_ip SECONDS" and "faiss_l2 SECONDS": the time of one
IndexFlatIP / IndexFlatL2 search of every query (loading and add() not timed).
"""
import os
import sys
import time

import faiss
import numpy as np


def main(data, dim, k, threads):
    faiss.omp_set_num_threads(threads)
    docs = np.fromfile(os.path.join(data, "docs.f32"), dtype=np.float32).reshape(-1, dim)
    queries = np.fromfile(os.path.join(data, "queries.f32"), dtype=np.float32).reshape(-1, dim)
    for name, cls in (("faiss_ip", faiss.IndexFlatIP), ("faiss_l2", faiss.IndexFlatL2)):
        index = cls(dim)
        index.add(docs)
        start = time.perf_counter()
        index.search(queries, k)
        print("%s %.3f" % (name, time.perf_counter() - start), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
