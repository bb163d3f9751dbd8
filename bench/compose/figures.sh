#!/usr/bin/env bash
# Draws the figures of docs/composition.md from a database holding the demo data
# (schema cranfield, e.g. the one `make demo` leaves running):
#   bench/compose/figures.sh DBNAME      (PGHOST / PGPORT / PGUSER as for psql)
# docs/composition_clusters.png: documents in the plane of their first two principal
#   components, coloured by kmeans(k 6, cosine) cluster;
# docs/composition_coverage.png: cumulative facility-location gain of select_diverse by budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:?database name}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { psql -X -v ON_ERROR_STOP=1 -q -At -F $'\t' -d "$db" -c "SET search_path = cranfield, public" -c "$1"; }
q "SELECT k.id, k.cluster, d.embedding::real[] FROM kmeans('SELECT id, embedding FROM docs', 6, 1, 100, 1, 'cosine') k
   JOIN docs d USING (id) ORDER BY k.id" >"$tmp/clusters.tsv"
q "SELECT step, gain FROM select_diverse('SELECT id, embedding FROM docs', 200, 'facility_location', knn_graph_k => 50)
   ORDER BY step" >"$tmp/coverage.tsv"
/usr/bin/python3 - "$tmp" docs <<'PY'
import sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

tmp, out = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(tmp + "/clusters.tsv")]
cl = np.array([int(r[1]) for r in rows])
x = np.array([[float(v) for v in r[2].strip("{}").split(",")] for r in rows])
x = x / np.linalg.norm(x, axis=1, keepdims=True)
x = x - x.mean(axis=0)
_, _, vt = np.linalg.svd(x, full_matrices=False)
p = x @ vt[:2].T
plt.figure(figsize=(6, 5))
for c in sorted(set(cl)):
    plt.scatter(p[cl == c, 0], p[cl == c, 1], s=6, label="cluster %d" % c)
plt.legend(markerscale=3, fontsize=8)
plt.title("Cranfield abstracts: kmeans (k 6, cosine), PCA plane", fontsize=10)
plt.tight_layout()
plt.savefig(out + "/composition_clusters.png", dpi=90)

g = np.array([float(l.split("\t")[1]) for l in open(tmp + "/coverage.tsv")])
plt.figure(figsize=(6, 4))
plt.plot(np.arange(1, len(g) + 1), np.cumsum(g) / len(x))
plt.xlabel("budget (documents selected)")
plt.ylabel("f(S) / n  (mean best similarity covered)")
plt.title("Facility location, 1400 Cranfield abstracts (knn_graph_k 50)", fontsize=10)
plt.grid(alpha=0.3)
plt.tight_layout()
plt.savefig(out + "/composition_coverage.png", dpi=90)
PY
echo "wrote docs/composition_clusters.png docs/composition_coverage.png"
