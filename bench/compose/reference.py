#!/usr/bin/env python3
"""The anchors of bench/compose/run.sh, timed on the same data as hardneg.

usage: reference.py DATA_DIR N DIM WHAT [ARGS]
  kmeans K ITERS THREADS    faiss.Kmeans(niter=ITERS): seconds and inertia
  smote THREADS             imbalanced-learn SMOTE(k_neighbors=5): seconds, synthetic rows
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


def smote(x, threads):
    """imbalanced-learn 0.10 SMOTE: its k-NN is scikit-learn NearestNeighbors(n_neighbors=6),
    algorithm 'auto' (brute force for 768 features: ArgKmin, chunked GEMM), n_jobs None; its
    OpenMP and OpenBLAS threads are limited to THREADS, as hardneg.blas_threads on the other side."""
    from imblearn.over_sampling import SMOTE
    from threadpoolctl import threadpool_limits
    y = classes(len(x))
    with threadpool_limits(limits=threads):
        sm = SMOTE(k_neighbors=5, random_state=0)
        t = time.perf_counter()
        xr, _ = sm.fit_resample(x, y)
        sec = time.perf_counter() - t
    nn = sm.nn_k_
    print("imblearn_smote %.3f %d (NearestNeighbors n_neighbors=%d algorithm=%s -> %s, n_jobs=%s, threads=%d)"
          % (sec, len(xr) - len(x), nn.n_neighbors, nn.algorithm, nn._fit_method, nn.n_jobs, threads))


def lazy_greedy(nbr, sim, budget):
    """Facility location f(S) = sum_i max(0, max_{j in S} sim(i, j)) over a k-NN graph (row i:
    its neighbours nbr[i], similarities sim[i]) by lazy greedy (Minoux): a heap of stale gains,
    higher gain then smaller row first; the top is recomputed until it is fresh.  Gains are
    sequential double sums over each reverse list in row order, as docs/composition.md defines
    the order, so they can be compared bit for bit.  Returns the picked rows and their gains."""
    n, k = nbr.shape
    # reverse lists in CSR form: the rows i that count j among their neighbours, i ascending
    order = np.argsort(nbr.ravel(), kind="stable")
    rows = np.repeat(np.arange(n), k)[order]
    sims = sim.ravel()[order].astype(np.float64)
    start = np.searchsorted(nbr.ravel()[order], np.arange(n + 1))
    cover = np.zeros(n)
    # first gains (cover 0) for every item at once, still one sequential sum per list
    deg = np.diff(start)
    by_deg = np.argsort(-deg, kind="stable")
    first = np.zeros(n)
    pos = np.maximum(sims, 0)
    for p in range(int(deg.max(initial=0))):
        js = by_deg[:np.searchsorted(-deg[by_deg], -p, side="left")]
        first[js] += pos[start[js] + p]

    def gain(j):
        a, b = start[j], start[j + 1]
        if a == b:
            return 0.0
        return float(np.cumsum(np.maximum(sims[a:b] - cover[rows[a:b]], 0))[-1])

    heap = [(-first[j], j, 0) for j in range(n)]
    heapq.heapify(heap)
    picked, gains = [], []
    while len(picked) < min(budget, n):
        g, j, stamp = heapq.heappop(heap)
        if stamp != len(picked):
            heapq.heappush(heap, (-gain(j), j, len(picked)))
            continue
        picked.append(j)
        gains.append(-g)
        a, b = start[j], start[j + 1]
        cover[rows[a:b]] = np.maximum(cover[rows[a:b]], sims[a:b])
    return picked, gains


def read_graph(path, n, k):
    """knn_search(items, items, k, 'cosine') as binary COPY of (query_id, doc_id, score)."""
    row = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("q", ">i8"), ("l2", ">i4"), ("d", ">i8"),
                    ("l3", ">i4"), ("s", ">f4")])
    raw = np.fromfile(path, dtype=np.uint8)
    t = np.frombuffer(raw[19:19 + n * k * row.itemsize].tobytes(), dtype=row)
    order = np.lexsort((-t["s"].astype(np.float64), t["q"]))  # per query, best first
    return (t["d"][order] - 1).reshape(n, k), t["s"][order].astype(np.float32).reshape(n, k)


def fl(x, budget, k):
    import faiss
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    t = time.perf_counter()
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(xn)
    sim, nbr = index.search(xn, k)
    print("faiss_knn_graph %.3f" % (time.perf_counter() - t))
    t = time.perf_counter()
    _, gains = lazy_greedy(nbr, sim, budget)
    print("numpy_lazy_greedy_on_faiss_graph %.3f %.17g" % (time.perf_counter() - t, sum(gains)))


def fl_same_graph(n, graph, k, budget, hardneg_out):
    """The numpy lazy greedy on hardneg's own graph, timed, and its order and gains compared
    exactly with select_diverse's (step|id|gain lines)."""
    nbr, sim = read_graph(graph, n, k)
    t = time.perf_counter()
    picked, gains = lazy_greedy(nbr, sim, budget)
    sec = time.perf_counter() - t
    hn = [line.split("|") for line in open(hardneg_out).read().split()]
    ids = [int(r[1]) - 1 for r in hn]
    hg = [float(r[2]) for r in hn]
    same_order = ids == picked
    same_gains = same_order and hg == gains
    print("numpy_lazy_greedy %.3f %.17g order %s gains %s (%d steps; hardneg total %.17g)"
          % (sec, sum(gains), "identical" if same_order else "DIFFERENT",
             "identical" if same_gains else "DIFFERENT", len(picked), sum(hg)))


def main():
    data, n, dim, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    x = load(data, n, dim) if what != "fl_same_graph" else None
    if what == "kmeans":
        kmeans(x, int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    elif what == "smote":
        smote(x, int(sys.argv[5]))
    elif what == "fl":
        fl(x, int(sys.argv[5]), int(sys.argv[6]))
    else:
        fl_same_graph(n, sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), sys.argv[8])


if __name__ == "__main__":
    main()
