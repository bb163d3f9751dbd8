#!/usr/bin/python3
"""Writes the two ANN benchmark data sets as COPY text plus exact ground truth.

usage: data.py OUTDIR [--synthetic-rows N]
  glove/    GloVe 100-d angular split shipped under ../shared/data (ground truth
            from its groundtruth.ivecs, 0-based rows)
  synth/    clustered synthetic 768-d set (fixed seed), ground truth by exact
            numpy search (L2), independent of hardneg and pgvector
"""
import os
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
GLOVE = os.path.join(ROOT, "..", "shared", "data", "ann", "glove100-wink-top100k-angular")


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(dtype).copy()


def write_copy(path, x):
    with open(path, "w") as f:
        for i, row in enumerate(x):
            f.write("%d\t[%s]\n" % (i, ",".join("%.7g" % v for v in row)))


def glove(out):
    base = read_vecs(os.path.join(GLOVE, "base.fvecs"), np.float32)
    query = read_vecs(os.path.join(GLOVE, "query.fvecs"), np.float32)
    gt = read_vecs(os.path.join(GLOVE, "groundtruth.ivecs"), np.int32)[:, :10]
    return base, query, gt


def synth(out, rows):
    rng = np.random.default_rng(20261125)
    dim, nclusters = 768, 200
    centers = rng.normal(size=(nclusters, dim)).astype(np.float32)
    def draw(n):
        c = rng.integers(0, nclusters, size=n)
        return (centers[c] + 0.35 * rng.normal(size=(n, dim))).astype(np.float32)
    base, query = draw(rows), draw(1000)
    gt = np.empty((len(query), 10), dtype=np.int64)
    bn = (base.astype(np.float64) ** 2).sum(1)
    for s in range(0, len(query), 100):
        q = query[s:s + 100].astype(np.float64)
        d = bn[None, :] - 2.0 * q @ base.astype(np.float64).T
        gt[s:s + 100] = np.argsort(d, axis=1)[:, :10]
    return base, query, gt


def main():
    out = sys.argv[1]
    rows = 100000
    if "--synthetic-rows" in sys.argv:
        rows = int(sys.argv[sys.argv.index("--synthetic-rows") + 1])
    for name, make in (("glove", lambda: glove(out)), ("synth", lambda: synth(out, rows))):
        d = os.path.join(out, name)
        if os.path.exists(os.path.join(d, "gt.npy")):
            continue
        os.makedirs(d, exist_ok=True)
        base, query, gt = make()
        write_copy(os.path.join(d, "base.tsv"), base)
        write_copy(os.path.join(d, "query.tsv"), query)
        np.save(os.path.join(d, "gt.npy"), gt)
        print(name, base.shape, query.shape)


if __name__ == "__main__":
    main()
