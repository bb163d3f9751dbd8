#!/usr/bin/python3
"""One pgvector table, its application query unchanged, four ways to answer it.

The table is GloVe 100-d angular (100k rows, bench/index/data.py) as pgvector's
vector; the query is the application's `SELECT id FROM items ORDER BY e <=> $1
LIMIT 10`, never rewritten.  In turn the table has no index (the plan the issue
reported once an ivfsq index on a vector column was ignored), a pgvector HNSW
index, a pgvector IVFFlat index, and a hardneg ivfsq index with
vector_cosine_ops, each as the only index.  Per configuration: build time,
size, the plan chosen with default planner settings (must be the index),
recall@10 against the exact ground truth (data.py, independent of both
extensions) and queries per second of one backend (PL/pgSQL loop over a
prepared plan, no client round trips), medians over --reps runs; runs of the
four configurations are interleaved.

usage: bench.py DATADIR OUTJSON [--queries 1000] [--reps 3]
"""
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "index"))
import bench as index_bench  # noqa: E402  (psql, recall_of)
import data as index_data    # noqa: E402  (GloVe reader)

psql = index_bench.psql
QUERY = "SELECT id FROM items ORDER BY e <=> r.e LIMIT 10"

CONFIGS = {
    "seqscan": dict(ddl=None, setting=""),
    "hnsw": dict(ddl="CREATE INDEX items_idx ON items USING hnsw (e vector_cosine_ops) "
                     "WITH (m = 16, ef_construction = 64)", setting="SET hnsw.ef_search = 40;"),
    "ivfflat": dict(ddl="CREATE INDEX items_idx ON items USING ivfflat (e vector_cosine_ops) "
                        "WITH (lists = 632)", setting="SET ivfflat.probes = 16;"),
    "ivfsq": dict(ddl="CREATE INDEX items_idx ON items USING ivfsq (e vector_cosine_ops)",
                  setting="SET ivfsq.probes = 16;"),
}


def load(datadir, nq):
    base, query, gt = index_data.glove(datadir)
    d = os.path.join(datadir, "glove")
    os.makedirs(d, exist_ok=True)
    index_data.write_copy(os.path.join(d, "pv_base.tsv"), base)
    index_data.write_copy(os.path.join(d, "pv_query.tsv"), query[:nq])
    psql(f"""
DROP TABLE IF EXISTS items, queries;
CREATE TABLE items (id int PRIMARY KEY, e vector(100));
CREATE TABLE queries (id int, e vector(100));
\\copy items FROM '{d}/pv_base.tsv'
\\copy queries FROM '{d}/pv_query.tsv'
VACUUM ANALYZE items;
CREATE OR REPLACE FUNCTION bench_run(OUT secs float8, OUT ids int[]) LANGUAGE plpgsql AS $f$
DECLARE
	r record;
	t0 timestamptz := clock_timestamp();
	acc int[] := '{{}}';
BEGIN
	FOR r IN SELECT id, e FROM queries ORDER BY id LOOP
		acc := acc || ARRAY({QUERY});
	END LOOP;
	secs := extract(epoch FROM clock_timestamp() - t0);
	ids := acc;
END
$f$;
""")
    return gt[:nq]


def build(kind):
    psql("DROP INDEX IF EXISTS items_idx")
    ddl = CONFIGS[kind]["ddl"]
    if ddl is None:
        return 0.0, 0
    t0 = time.time()
    psql(ddl)
    secs = time.time() - t0
    psql("ANALYZE items")
    return secs, int(psql("SELECT pg_relation_size('items_idx')"))


def plan(kind):
    q1 = psql("SELECT e FROM queries ORDER BY id LIMIT 1")
    return psql(f"{CONFIGS[kind]['setting']} EXPLAIN (COSTS OFF) "
                f"SELECT id FROM items ORDER BY e <=> '{q1}' LIMIT 10")


def run(kind, gt):
    out = psql(f"{CONFIGS[kind]['setting']} SET jit = off; SELECT secs, ids FROM bench_run();")
    return index_bench.recall_of(kind, out, gt)


def main():
    datadir, outjson = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    nq = int(args[args.index("--queries") + 1]) if "--queries" in args else 1000
    reps = int(args[args.index("--reps") + 1]) if "--reps" in args else 3
    gt = load(datadir, nq)
    results = {"queries": nq, "reps": reps, "load": open("/proc/loadavg").read().split()[:3]}
    samples = {k: [] for k in CONFIGS}
    for r in range(reps):
        # the index is rebuilt for each repetition: every configuration's runs are interleaved
        order = list(CONFIGS) if r % 2 == 0 else list(reversed(CONFIGS))
        for kind in order:
            secs, size = build(kind)
            p = plan(kind)
            if kind != "seqscan" and "items_idx" not in p:
                sys.exit(f"{kind}: the planner did not use the index:\n{p}")
            run(kind, gt)                   # warm the caches
            qps, rec = run(kind, gt)
            samples[kind].append({"build_secs": secs, "size": size, "qps": qps, "recall": rec,
                                  "plan": p.splitlines()[1].strip() if kind != "seqscan" else p})
            print(f"rep {r} {kind}: build {secs:.1f} s, {size / 1e6:.1f} MB, recall {rec:.4f}, qps {qps:.1f}",
                  flush=True)
    for kind, s in samples.items():
        results[kind] = {"build_secs": statistics.median(x["build_secs"] for x in s),
                         "size": s[-1]["size"], "recall": s[-1]["recall"],
                         "qps": statistics.median(x["qps"] for x in s), "plan": s[-1]["plan"], "all": s}
    results["load_after"] = open("/proc/loadavg").read().split()[:3]
    json.dump(results, open(outjson, "w"), indent=1)
    base = results["seqscan"]["qps"]
    print("| index | build s | size MB | recall@10 | QPS | vs no index |")
    for kind in CONFIGS:
        x = results[kind]
        print(f"| {kind} | {x['build_secs']:.1f} | {x['size'] / 1e6:.1f} | {x['recall']:.3f} | "
              f"{x['qps']:.0f} | {x['qps'] / base:.1f}x |")


if __name__ == "__main__":
    main()
