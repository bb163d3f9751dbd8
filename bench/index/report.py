#!/usr/bin/python3
"""Table and plot for docs/benchmarks.md from bench.py's results.json.

usage: report.py RESULTS.json OUT.png   (prints the Markdown section body)
Ratios are read at recall@10 >= 0.95: for each index the fastest measured
point that reaches 0.95 (the knob tuned to that recall).
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TITLES = {"glove": "GloVe-100 angular (99k x 100-d, cosine)",
          "synth": "clustered synthetic (100k x 768-d, L2)"}


def at_target(curve, target=0.95):
    ok = [p for p in curve if p["recall"] >= target]
    return max(ok, key=lambda p: p["qps"]) if ok else None


def main():
    res = json.load(open(sys.argv[1]))
    sets = [s for s in ("glove", "synth") if s in res]
    fig, axes = plt.subplots(1, len(sets), figsize=(6 * len(sets), 4.5), squeeze=False)
    out = []
    for ax, name in zip(axes[0], sets):
        r = res[name]
        for kind, label, style in (("ivfsq", "hardneg ivfsq", "o-"), ("hnsw", "pgvector hnsw (m=16, ef_construction=64)", "s--")):
            c = r["curves"][kind]
            ax.plot([p["recall"] for p in c], [p["qps"] for p in c], style, label=label)
        ax.axvline(0.95, color="grey", lw=0.8)
        ax.set_xlabel("recall@10")
        ax.set_ylabel("queries per second (1 backend)")
        ax.set_yscale("log")
        ax.set_title(TITLES[name])
        ax.legend(fontsize=8)
        iv, hn = at_target(r["curves"]["ivfsq"]), at_target(r["curves"]["hnsw"])
        b, s = r["build_secs"], r["size"]
        out.append("### %s\n" % TITLES[name])
        out.append("| | hardneg ivfsq | pgvector hnsw | ratio |")
        out.append("|---|---|---|---|")
        if iv and hn:
            out.append("| QPS at recall@10 >= 0.95 | %.0f (probes %d, recall %.3f) | %.0f (ef_search %d, recall %.3f) | **%.2fx** |"
                       % (iv["qps"], iv["knob"], iv["recall"], hn["qps"], hn["knob"], hn["recall"], iv["qps"] / hn["qps"]))
        out.append("| build time (median of %d) | %.1f s | %.1f s | **%.2f** |"
                   % (len(r["build_all"]["ivfsq"]), b["ivfsq"], b["hnsw"], b["ivfsq"] / b["hnsw"]))
        out.append("| index size | %.1f MB | %.1f MB | **%.2f** |" % (s["ivfsq"] / 1e6, s["hnsw"] / 1e6, s["ivfsq"] / s["hnsw"]))
        out.append("")
        out.append("| ivfsq probes | recall@10 | QPS | | hnsw ef_search | recall@10 | QPS |")
        out.append("|---|---|---|---|---|---|---|")
        for a, h in zip(r["curves"]["ivfsq"], r["curves"]["hnsw"]):
            out.append("| %d | %.4f | %.0f | | %d | %.4f | %.0f |" % (a["knob"], a["recall"], a["qps"], h["knob"], h["recall"], h["qps"]))
        out.append("")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    print("\n".join(out))


if __name__ == "__main__":
    main()
