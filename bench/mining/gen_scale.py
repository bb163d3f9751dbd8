#!/usr/bin/env python3
"""Clustered synthetic corpus, queries and qrels for the mining scale benchmark.

usage: gen_scale.py OUT_DIR NDOCS NQUERIES DIM [SEED]
The corpus and queries are drawn as bench/knn/gen.py draws them (100 Gaussian
centres), written in chunks of 100,000 rows so that a 2M x 768 corpus never
sits in memory: docs.copy / queries.copy (binary COPY of (id bigint,
embedding vector)) and qrels.tsv (query_id, doc_id, relevance 1): each query
has one positive, a document id drawn uniformly (the benchmark measures memory
and time, which do not depend on where the positive lies).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "knn"))
from gen import clustered  # noqa: E402

CHUNK = 100_000


def copy_rows(f, x, first_id):
    n, dim = x.shape
    row = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"),
                    ("dim", ">i2"), ("unused", ">i2"), ("x", ">f4", (dim,))])
    rows = np.zeros(n, dtype=row)
    rows["nf"], rows["l1"], rows["l2"], rows["dim"] = 2, 8, 4 + 4 * dim, dim
    rows["id"] = np.arange(first_id, first_id + n)
    rows["x"] = x
    rows.tofile(f)


def write_copy(path, rng, centres, n, dim):
    with open(path, "wb") as f:
        f.write(b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes())
        for first in range(0, n, CHUNK):
            m = min(CHUNK, n - first)
            copy_rows(f, clustered(rng, centres, m, dim), first + 1)
        f.write(np.array([-1], dtype=">i2").tobytes())


def main(out, ndocs, nq, dim, seed=7):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((100, dim)).astype(np.float32)
    os.makedirs(out, exist_ok=True)
    write_copy(os.path.join(out, "docs.copy"), rng, centres, ndocs, dim)
    write_copy(os.path.join(out, "queries.copy"), rng, centres, nq, dim)
    pos = rng.integers(1, ndocs + 1, nq)
    with open(os.path.join(out, "qrels.tsv"), "w") as f:
        for q in range(nq):
            f.write("%d\t%d\t1\n" % (q + 1, pos[q]))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]) if len(a) > 4 else 7)
