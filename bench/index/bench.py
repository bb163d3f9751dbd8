#!/usr/bin/python3
"""ivfsq vs pgvector HNSW: build time, index size, recall@10 / QPS curves.

Runs against the cluster named by PGHOST/PGPORT (bench/index/run.sh starts
one with test/lib.sh); both extensions are in the same database and every
measurement of one is interleaved with the other's, same settings.
QPS is one backend running 1000 queries in a PL/pgSQL loop (prepared plan,
no client round trips); medians over --reps runs.  Recall@10 is against the
ground truth written by data.py (exact, independent of both indexes).

usage: bench.py DATADIR OUTJSON [--sets glove,synth] [--reps 3] [--build-reps 1] [--big-build-reps N]
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

PSQL = os.environ.get("HN_PSQL", "psql")

SETS = {
    "glove": dict(dim=100, hn_ops="embedding_cosine_ops", pv_ops="vector_cosine_ops", op="<=>",
                  probes=[8, 12, 16, 20, 24, 30, 36, 42, 48, 64], ef=[10, 20, 30, 40, 50, 60, 80, 100, 120, 160]),
    "synth": dict(dim=768, hn_ops="embedding_l2_ops", pv_ops="vector_l2_ops", op="<->",
                  probes=[1, 2, 3, 4, 6, 8, 12, 16], ef=[10, 16, 24, 32, 40, 50, 60, 80]),
}


def psql(sql, db="bench"):
    r = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
                       input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("psql failed: %s\n%s" % (r.stderr, sql[:500]))
    return r.stdout.strip()


def load(name, d, datadir):
    dim = d["dim"]
    path = os.path.join(datadir, name)
    psql(f"""
DROP TABLE IF EXISTS {name}_h, {name}_v, {name}_qh, {name}_qv;
CREATE TABLE {name}_h (id int, e embedding({dim}));
CREATE TABLE {name}_v (id int, e vector({dim}));
CREATE TABLE {name}_qh (id int, e embedding({dim}));
CREATE TABLE {name}_qv (id int, e vector({dim}));
\\copy {name}_h FROM '{path}/base.tsv'
\\copy {name}_v FROM '{path}/base.tsv'
\\copy {name}_qh FROM '{path}/query.tsv'
\\copy {name}_qv FROM '{path}/query.tsv'
VACUUM ANALYZE {name}_h; VACUUM ANALYZE {name}_v;
""")


def build(name, d, kind):
    if kind == "ivfsq":
        sql = f"CREATE INDEX {name}_h_idx ON {name}_h USING ivfsq (e {d['hn_ops']})"
        idx = f"{name}_h_idx"
    else:
        sql = f"CREATE INDEX {name}_v_idx ON {name}_v USING hnsw (e {d['pv_ops']}) WITH (m = 16, ef_construction = 64)"
        idx = f"{name}_v_idx"
    psql(f"DROP INDEX IF EXISTS {idx}")
    t0 = time.time()
    psql(sql)
    secs = time.time() - t0
    size = int(psql(f"SELECT pg_relation_size('{idx}')"))
    return secs, size


def funcs(name, d):
    """One PL/pgSQL loop per table: static SQL, so the plan is prepared once."""
    sql = ""
    for tbl, qtbl in ((f"{name}_h", f"{name}_qh"), (f"{name}_v", f"{name}_qv")):
        sql += f"""
CREATE OR REPLACE FUNCTION bench_{tbl}(OUT secs float8, OUT ids int[])
LANGUAGE plpgsql AS $f$
DECLARE
	r record;
	t0 timestamptz;
	one int[];
	acc int[] := '{{}}';
BEGIN
	t0 := clock_timestamp();
	FOR r IN SELECT id, e FROM {qtbl} ORDER BY id LOOP
		one := ARRAY(SELECT id FROM {tbl} ORDER BY e {d['op']} r.e LIMIT 10);
		acc := acc || one;
	END LOOP;
	secs := extract(epoch FROM clock_timestamp() - t0);
	ids := acc;
END
$f$;
"""
    return sql


def recall_of(kind, out, gt):
    """(queries per second, recall@10) from a "secs|{ids}" row of a benchmark loop."""
    secs, ids = out.split("|")
    ids = np.array([int(x) for x in ids.strip("{}").split(",") if x], dtype=np.int64)
    nq = len(gt)
    if len(ids) != nq * 10:
        sys.exit(f"{kind}: expected {nq * 10} ids, got {len(ids)}")
    got = ids.reshape(nq, 10)
    hits = sum(len(set(got[i]) & set(gt[i])) for i in range(nq))
    return nq / float(secs), hits / (nq * 10.0)


def run_point(name, d, kind, knob, gt):
    if kind == "ivfsq":
        setting = f"SET hardneg.ivfsq_probes = {knob};"
        tbl, qtbl = f"{name}_h", f"{name}_qh"
    else:
        setting = f"SET hnsw.ef_search = {knob};"
        tbl, qtbl = f"{name}_v", f"{name}_qv"
    out = psql(f"{setting} SET jit = off; SELECT secs, ids FROM bench_{tbl}();")
    return recall_of(f"{kind} {knob}", out, gt)


def main():
    datadir, outjson = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    sets = args[args.index("--sets") + 1].split(",") if "--sets" in args else list(SETS)
    reps = int(args[args.index("--reps") + 1]) if "--reps" in args else 3
    build_reps = int(args[args.index("--build-reps") + 1]) if "--build-reps" in args else 1
    # the 768-d HNSW build takes minutes on this machine: fewer repetitions there
    big_build_reps = int(args[args.index("--big-build-reps") + 1]) if "--big-build-reps" in args else build_reps
    results = json.load(open(outjson)) if os.path.exists(outjson) else {}
    for name in sets:
        d = SETS[name]
        gt = np.load(os.path.join(datadir, name, "gt.npy"))
        if "--skip-load" not in args:
            load(name, d, datadir)
        psql(funcs(name, d))
        builds = {"ivfsq": [], "hnsw": []}
        sizes = {}
        for r in range(big_build_reps if d["dim"] > 500 else build_reps):
            order = ["hnsw", "ivfsq"] if r % 2 == 0 else ["ivfsq", "hnsw"]
            for kind in order:
                secs, size = build(name, d, kind)
                builds[kind].append(secs)
                sizes[kind] = size
                print(f"{name} build {kind}: {secs:.1f} s, {size / 1e6:.1f} MB", flush=True)
        curves = {"ivfsq": [], "hnsw": []}
        for kind, knob in (("ivfsq", d["probes"][-1]), ("hnsw", d["ef"][-1])):
            run_point(name, d, kind, knob, gt)          # warm the caches
        for i in range(len(d["probes"])):
            samples = {"ivfsq": [], "hnsw": []}
            for r in range(reps):
                for kind, knob in (("ivfsq", d["probes"][i]), ("hnsw", d["ef"][i])):
                    samples[kind].append(run_point(name, d, kind, knob, gt))
            for kind, knob in (("ivfsq", d["probes"][i]), ("hnsw", d["ef"][i])):
                qps = statistics.median(s[0] for s in samples[kind])
                rec = samples[kind][0][1]
                curves[kind].append({"knob": knob, "qps": qps, "recall": rec})
                print(f"{name} {kind} {knob}: recall {rec:.4f} qps {qps:.0f}", flush=True)
        results[name] = {"build_secs": {k: statistics.median(v) for k, v in builds.items()},
                         "build_all": builds, "size": sizes, "curves": curves}
        json.dump(results, open(outjson, "w"), indent=1)


if __name__ == "__main__":
    main()
