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
from gen import COPY_HEADER, COPY_TRAILER, clustered, copy_rows  # noqa: E402

CHUNK = 100_000


def write_copy(path, rng, centres, n, dim):
    with open(path, "wb") as f:
        f.write(COPY_HEADER)
        for first in range(0, n, CHUNK):
            m = min(CHUNK, n - first)
            copy_rows(f, clustered(rng, centres, m, dim), first + 1)
        f.write(COPY_TRAILER)


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
