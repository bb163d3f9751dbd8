#!/usr/bin/python3
"""The sentence-transformers v6 mining pipeline on precomputed embeddings with faiss
IndexFlatIP (what ST does with use_faiss=True on CPU): top-K search with
K = range_max + max_positives, positive masking, filters, window, top sampling.
Prints the median wall time of the search + mining steps over several runs.

usage: faiss_st.py VECTORS_DIR QRELS_TSV RUNS [num_negatives range_min range_max absolute_margin]
"""
import statistics
import sys
import time

import faiss
import numpy as np


def read_fvecs(path):
    raw = np.fromfile(path, dtype=np.int32)
    return raw.reshape(-1, raw[0] + 1)[:, 1:].view(np.float32).copy()


def main():
    vdir, qrels_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    n_neg, rmin, rmax = (int(x) for x in sys.argv[4:7])
    margin = float(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[7] != "none" else None
    docs = read_fvecs(vdir + "/docs.fvecs")
    doc_ids = np.array([int(x) for x in open(vdir + "/docs.ids")])
    queries = read_fvecs(vdir + "/queries_train.fvecs")
    qids = [int(x) for x in open(vdir + "/queries_train.ids")]
    pos = {}
    for line in open(qrels_path):
        q, d, rel = line.split("\t")[:3]
        if int(rel) > 0:
            pos.setdefault(int(q), set()).add(int(d))
    max_pos = max(len(v) for v in pos.values())
    index_of = {d: i for i, d in enumerate(doc_ids.tolist())}
    faiss.omp_set_num_threads(2)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        index = faiss.IndexFlatIP(docs.shape[1])
        index.add(docs)
        scores, idx = index.search(queries, rmax + max_pos)
        n_out = 0
        for qi, q in enumerate(qids):
            p = [index_of[d] for d in pos.get(q, ()) if d in index_of]
            if not p:
                continue
            s = scores[qi].copy()
            s[np.isin(idx[qi], p)] = -np.inf
            pref = float(np.min(queries[qi] @ docs[p].T))
            if margin is not None:
                s[s > pref - margin] = -np.inf
            keep = np.argsort(-s, kind="stable")[:rmax][rmin:]
            keep = keep[np.isfinite(s[keep])][:n_neg]
            n_out += len(keep) * len(p)
        times.append(time.perf_counter() - t0)
    print("faiss+numpy ST pipeline: median %.3f s over %d runs (%d triplets)"
          % (statistics.median(times), runs, n_out))


if __name__ == "__main__":
    main()
