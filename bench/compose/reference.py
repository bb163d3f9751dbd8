#!/usr/bin/env python3
"""The anchors of bench/compose/run.sh, timed on the same data as hardneg.

usage: reference.py DATA_DIR N DIM WHAT [ARGS]
  kmeans K ITERS THREADS    faiss.Kmeans(niter=ITERS): seconds and inertia
  smote                     imbalanced-learn SMOTE(k_neighbors=5): seconds, synthetic rows
  fl BUDGET K               facility location, numpy lazy greedy (heapq) on the k-NN
                            graph (faiss IndexFlatIP, itself included): graph and greedy seconds
Prints "name seconds [value]" lines.  Classes: id % 20 == 0 -> c, id % 20 < 4 -> b, else a
(the same rule as run.sh's SQL); ids are 1..N in row order.
"""
import heapq
import os
import sys
import time

import numpy as np


def load(data, n, dim):
    return np.fromfile(os.path.join(data, "docs.f32"), dtype=np.float32).reshape(n, dim)


def classes(n):
    ids = np.arange(1, n + 1)
    return np.where(ids % 20 == 0, "c", np.where(ids % 20 < 4, "b", "a"))


def kmeans(x, k, iters, threads):
    import faiss
    faiss.omp_set_num_threads(threads)
    t = time.perf_counter()
    km = faiss.Kmeans(x.shape[1], k, niter=iters, seed=1, max_points_per_centroid=1 << 30)
    km.train(x)
    sec = time.perf_counter() - t
    d, _ = km.index.search(x, 1)
    print("faiss_kmeans %.3f %.6g" % (sec, float(d.sum())))


def smote(x):
    from imblearn.over_sampling import SMOTE
    y = classes(len(x))
    t = time.perf_counter()
    xr, _ = SMOTE(k_neighbors=5, random_state=0).fit_resample(x, y)
    print("imblearn_smote %.3f %d" % (time.perf_counter() - t, len(xr) - len(x)))


def fl(x, budget, k):
    import faiss
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    t = time.perf_counter()
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(xn)
    sim, nbr = index.search(xn, k)
    print("faiss_knn_graph %.3f" % (time.perf_counter() - t))
    t = time.perf_counter()
    n = len(x)
    # reverse lists: who can j cover, with what similarity
    order = np.argsort(nbr.ravel(), kind="stable")
    rows = np.repeat(np.arange(n), k)[order]
    sims = sim.ravel()[order].astype(np.float64)
    start = np.searchsorted(nbr.ravel()[order], np.arange(n + 1))
    cover = np.zeros(n)

    def gain(j):
        r = rows[start[j]:start[j + 1]]
        return float(np.maximum(sims[start[j]:start[j + 1]] - cover[r], 0).sum())

    heap = [(-gain(j), j, 0) for j in range(n)]
    heapq.heapify(heap)
    picked = 0
    total = 0.0
    while picked < budget:
        g, j, stamp = heapq.heappop(heap)
        if stamp != picked:
            heapq.heappush(heap, (-gain(j), j, picked))
            continue
        total -= g
        r = rows[start[j]:start[j + 1]]
        cover[r] = np.maximum(cover[r], sims[start[j]:start[j + 1]])
        picked += 1
    print("numpy_lazy_greedy %.3f %.6g" % (time.perf_counter() - t, total))


def main():
    data, n, dim, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = load(data, n, dim)
    if what == "kmeans":
        kmeans(x, int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    elif what == "smote":
        smote(x)
    else:
        fl(x, int(sys.argv[5]), int(sys.argv[6]))


if __name__ == "__main__":
    main()
