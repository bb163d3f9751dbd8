#!/usr/bin/env python3
"""Clustered synthetic vectors for the exact k-NN benchmark.

usage: gen.py OUT_DIR NDOCS NQUERIES DIM [SEED]
Writes docs.f32 / queries.f32 (raw row-major float32, for faiss) and
docs.copy / queries.copy (COPY ... FROM ... WITH (FORMAT binary) into a table
(id bigint, embedding vector): pgvector's binary layout).
Documents and queries are drawn around 100 Gaussian centres, so top-k lists
are dominated by near neighbours, as with real embeddings.
"""
import os
import sys

import numpy as np


def clustered(rng, centres, n, dim):
    which = rng.integers(0, len(centres), n)
    return (centres[which] + 0.35 * rng.standard_normal((n, dim))).astype(np.float32)


COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes()
COPY_TRAILER = np.array([-1], dtype=">i2").tobytes()


def copy_rows(f, x, first_id):
    """Binary COPY tuples of (id bigint, embedding vector), ids from first_id."""
    n, dim = x.shape
    row = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"),
                    ("dim", ">i2"), ("unused", ">i2"), ("x", ">f4", (dim,))])
    rows = np.zeros(n, dtype=row)
    rows["nf"], rows["l1"], rows["l2"], rows["dim"] = 2, 8, 4 + 4 * dim, dim
    rows["id"] = np.arange(first_id, first_id + n)
    rows["x"] = x
    rows.tofile(f)


def write_copy(path, x, first_id=1):
    """PostgreSQL binary COPY of (id bigint, embedding vector)."""
    with open(path, "wb") as f:
        f.write(COPY_HEADER)
        copy_rows(f, x, first_id)
        f.write(COPY_TRAILER)


def main(out, ndocs, nq, dim, seed=7):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((100, dim)).astype(np.float32)
    docs = clustered(rng, centres, ndocs, dim)
    queries = clustered(rng, centres, nq, dim)
    os.makedirs(out, exist_ok=True)
    docs.tofile(os.path.join(out, "docs.f32"))
    queries.tofile(os.path.join(out, "queries.f32"))
    write_copy(os.path.join(out, "docs.copy"), docs)
    write_copy(os.path.join(out, "queries.copy"), queries)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], int(a[1]), int(a[2]), int(a[3]), int(a[4]) if len(a) > 4 else 7)
