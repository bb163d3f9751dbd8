#!/usr/bin/python3
"""Inserts into a built index: ivfsq vs pgvector HNSW (m 16, ef_construction 64).

Runs against the cluster named by PGHOST/PGPORT (bench/index/insert.sh starts
one).  Data: GloVe 100-d angular (../shared/data), cosine for both indexes.
Each index is built on the first BUILD rows, then in one run, the two in turn
(A B A B, so drift hits both alike):
  batch     one INSERT ... SELECT of BATCH rows, --reps times: rows/s
  clients   pgbench, single-row INSERT transactions for --seconds, 1 client
            then 2 clients: rows/s (committed transactions / s)
  rounds    a fresh table of --round-rows rows for each: delete 50%, VACUUM,
            re-insert the same rows, three rounds: index size after each over
            the size after the build
Medians over the reps; writes JSON and prints a Markdown table.

usage: insert.py OUTJSON [--reps 3] [--seconds 15] [--build 60000] [--batch 5000] [--round-rows 20000]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import GLOVE, read_vecs, write_copy  # noqa: E402

import numpy as np  # noqa: E402

PSQL = os.environ.get("HN_PSQL", "psql")
PGBENCH = os.environ.get("HN_PGBENCH", "pgbench")
KINDS = {
    "ivfsq": dict(table="ins_h", type="embedding(100)",
                  index="USING ivfsq (e embedding_cosine_ops)"),
    "hnsw": dict(table="ins_v", type="vector(100)",
                 index="USING hnsw (e vector_cosine_ops) WITH (m = 16, ef_construction = 64)"),
}


def opt(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def psql(sql, db="bench"):
    r = subprocess.run([PSQL, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db],
                       input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("psql failed: %s\n%s" % (r.stderr, sql[:500]))
    return r.stdout.strip()


def timed(sql):
    t = time.perf_counter()
    psql(sql)
    return time.perf_counter() - t


def setup(build, tsv):
    for kind, k in KINDS.items():
        psql(f"""
DROP TABLE IF EXISTS {k['table']}, {k['table']}_src, {k['table']}_half;
CREATE TABLE {k['table']}_src (id int PRIMARY KEY, e {k['type']});
\\copy {k['table']}_src FROM '{tsv}'
CREATE TABLE {k['table']} (id int PRIMARY KEY, e {k['type']});
CREATE SEQUENCE IF NOT EXISTS {k['table']}_ids START 10000000;
INSERT INTO {k['table']} SELECT * FROM {k['table']}_src WHERE id < {build};
VACUUM ANALYZE {k['table']};
""")
    out = {}
    for kind, k in KINDS.items():
        out[kind] = timed(f"SET maintenance_work_mem = '1GB'; CREATE INDEX {k['table']}_e ON {k['table']} {k['index']}")
    return out


def batches(build, batch, reps):
    res = {kind: [] for kind in KINDS}
    for r in range(reps):
        lo = build + r * batch
        for kind, k in KINDS.items():
            s = timed(f"INSERT INTO {k['table']} SELECT * FROM {k['table']}_src "
                      f"WHERE id >= {lo} AND id < {lo + batch}")
            res[kind].append(batch / s)
    return res


def pgbench_rows(kind, clients, seconds, nsrc):
    k = KINDS[kind]
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(f"\\set r random(0, {nsrc - 1})\n"
                f"INSERT INTO {k['table']} SELECT nextval('{k['table']}_ids'), e "
                f"FROM {k['table']}_src WHERE id = :r;\n")
        script = f.name
    r = subprocess.run([PGBENCH, "-n", "-T", str(seconds), "-c", str(clients), "-j", str(clients),
                        "-f", script, "bench"], capture_output=True, text=True)
    os.unlink(script)
    if r.returncode != 0:
        sys.exit("pgbench failed: %s" % r.stderr)
    for line in r.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    sys.exit("no tps in pgbench output:\n" + r.stdout)


def clients(seconds, reps, nsrc):
    res = {kind: {1: [], 2: []} for kind in KINDS}
    for _ in range(reps):
        for c in (1, 2):
            for kind in KINDS:
                res[kind][c].append(pgbench_rows(kind, c, seconds, nsrc))
    return res


def rounds(nrows):
    """A fresh table of nrows rows, built, then three rounds (as in issue 14)."""
    res = {}
    for kind, k in KINDS.items():
        t = k["table"] + "_r"
        psql(f"""
DROP TABLE IF EXISTS {t}, {t}_half;
CREATE TABLE {t} (id int PRIMARY KEY, e {k['type']});
INSERT INTO {t} SELECT * FROM {k['table']}_src WHERE id < {nrows};
SET maintenance_work_mem = '1GB';
CREATE INDEX {t}_e ON {t} {k['index']};
CREATE TABLE {t}_half AS SELECT * FROM {t} WHERE id % 2 = 0;
""")
        sizes = [int(psql(f"SELECT pg_relation_size('{t}_e')"))]
        for _ in range(3):
            psql(f"DELETE FROM {t} WHERE id % 2 = 0")
            psql(f"VACUUM {t}")
            psql(f"INSERT INTO {t} SELECT * FROM {t}_half")
            sizes.append(int(psql(f"SELECT pg_relation_size('{t}_e')")))
        res[kind] = sizes
    return res


def main():
    outjson = sys.argv[1]
    reps, seconds = opt("--reps", 3), opt("--seconds", 15)
    build, batch = opt("--build", 60000), opt("--batch", 5000)
    base = read_vecs(os.path.join(GLOVE, "base.fvecs"), np.float32)
    assert build + reps * batch <= len(base), "not enough rows for the batches"
    tsv = os.path.join(os.path.dirname(outjson), "glove_base.tsv")
    if not os.path.exists(tsv):
        write_copy(tsv, base)
    res = {"rows": len(base), "build_rows": build, "batch": batch, "reps": reps, "seconds": seconds,
           "load_before": os.getloadavg()}
    res["build_s"] = setup(build, tsv)
    res["batch_rows_per_s"] = batches(build, batch, reps)
    res["clients_rows_per_s"] = clients(seconds, reps, len(base))
    res["round_rows"] = opt("--round-rows", 20000)
    res["sizes"] = rounds(res["round_rows"])
    res["load_after"] = os.getloadavg()
    with open(outjson, "w") as f:
        json.dump(res, f, indent=1)
    med = statistics.median
    b = res["batch_rows_per_s"]
    c = res["clients_rows_per_s"]
    print("| | ivfsq | HNSW | ratio |")
    print("| --- | --- | --- | --- |")
    print("| build %d rows (s) | %.1f | %.1f | %.2f |" % (build, res["build_s"]["ivfsq"], res["build_s"]["hnsw"],
                                                      res["build_s"]["ivfsq"] / res["build_s"]["hnsw"]))
    print("| INSERT ... SELECT %d rows, rows/s (median of %d) | %.0f | %.0f | %.2f |" % (
        batch, reps, med(b["ivfsq"]), med(b["hnsw"]), med(b["ivfsq"]) / med(b["hnsw"])))
    for n in (1, 2):
        print("| single-row INSERTs, %d client%s, rows/s (median of %d x %d s) | %.0f | %.0f | %.2f |" % (
            n, "s" if n > 1 else "", reps, seconds, med(c["ivfsq"][n]), med(c["hnsw"][n]),
            med(c["ivfsq"][n]) / med(c["hnsw"][n])))
    print("| 2 clients / 1 client | %.2f | %.2f | |" % (med(c["ivfsq"][2]) / med(c["ivfsq"][1]),
                                                     med(c["hnsw"][2]) / med(c["hnsw"][1])))
    s = res["sizes"]
    print("| index size after building on %d rows, MB | %.1f | %.1f | %.2f |" % (res["round_rows"], s["ivfsq"][0] / 2**20, s["hnsw"][0] / 2**20,
                                                                 s["ivfsq"][0] / s["hnsw"][0]))
    for r in (1, 2, 3):
        print("| size after round %d of delete 50%% / VACUUM / re-insert, x build | %.2f | %.2f | |" % (
            r, s["ivfsq"][r] / s["ivfsq"][0], s["hnsw"][r] / s["hnsw"][0]))
    print("load average before %s, after %s" % (res["load_before"], res["load_after"]))


if __name__ == "__main__":
    main()
