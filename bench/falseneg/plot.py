#!/usr/bin/python3
"""False-negative rate vs hardness of the negatives, from the recorded results.tsv.

usage: /usr/bin/python3 bench/falseneg/plot.py [RESULTS.tsv [OUT.png]]
(defaults: bench/falseneg/results.tsv, docs/falseneg_hardness.png; run.sh calls it after
simulate.py).  One panel per collection and k.  x: hardness, the mean negative score relative
to (a) sentence-transformers' defaults on the same queries (1.0 = as hard as (a)); y: the share of
negatives that are hidden positives (false negatives).  Down and to the right is better: fewer
false negatives at little loss of hardness.  Each estimator is a line over its threshold tau;
the anchors (a) and (b) (NV-Retriever TopK-PercPos 95%) are points.
"""
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results.tsv")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "falseneg_hardness.png")
    panels = defaultdict(list)
    for line in open(src, encoding="utf-8"):
        coll, k, name, tau, n, fn, score = line.rstrip("\n").split("\t")
        panels[(coll, int(k))].append((name, float(tau) if tau else None, int(n), int(fn), float(score)))
    colls = sorted({c for c, _ in panels})
    ks = sorted({k for _, k in panels})
    fig, axes = plt.subplots(len(colls), len(ks), figsize=(5 * len(ks), 3.6 * len(colls)), squeeze=False)
    for key in sorted(panels):
        ax = axes[colls.index(key[0])][ks.index(key[1])]
        rows = panels[key]
        base = next(r for r in rows if r[0].startswith("(a)"))
        lines = defaultdict(list)
        for name, tau, n, fn, score in rows:
            if n and tau is not None:
                lines[name.replace("(c) ", "")].append((tau, score / base[4], fn / n))
        for name, pts in sorted(lines.items()):
            pts.sort()
            ax.plot([p[1] for p in pts], [p[2] for p in pts], "o-", ms=3, label=name)
        ax.plot([1.0], [base[3] / base[2]], "k*", ms=10, label="(a) ST defaults (anchor)")
        for name, tau, n, fn, score in rows:    # the other anchor, NV-Retriever, when recorded
            if name.startswith("(b)") and n:
                ax.plot([score / base[4]], [fn / n], "k^", ms=8, label="(b) NV TopK-PercPos 95% (anchor)")
        ax.set_title("%s, %d negatives per query" % key, fontsize=10)
        ax.set_xlabel("hardness (mean score / (a)'s)")
        ax.set_ylabel("false-negative rate")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle("False negatives vs hardness: each estimator over its threshold tau", fontsize=11)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
