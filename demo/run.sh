#!/usr/bin/env bash
# make demo: a walk through hardneg on the shipped Cranfield collection.
#   demo/run.sh          set up (packages, build, throwaway cluster), load, run every step
#   demo/run.sh --short  the same, printing less (CI): one operator, no JSON export
#   demo/run.sh --stop   stop and remove the demo cluster
# Environment: HN_PORT (default 5498) is the demo cluster's port; HN_STAGED=1 reuses the server
# tree that make test staged (no packages, no build); HN_DEMO_CLUSTER moves the cluster away
# from $HN_BUILD/demo (the test suite does, so a running demo survives make test).
demo_port=${HN_PORT:-5498}
source "$(dirname "$0")/../test/lib.sh"
cd "$HN_ROOT"
HN_PORT=$demo_port
cluster=${HN_DEMO_CLUSTER:-$HN_BUILD/demo}

if [ "${1:-}" = "--stop" ]; then
	hn_cluster_stop "$cluster"
	rm -rf "$cluster"
	echo "demo cluster stopped and removed"
	exit 0
fi
short=false
[ "${1:-}" = "--short" ] && short=true

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	printf '   (%.2f s)\n' "$(echo "$t1 - $t0" | bc)"
}
# -e: each statement is printed before its result, so what worked can be copied
sql() { PGOPTIONS="-c client_min_messages=warning" hn_psql -d demo -P pager=off -e "$@"; }
# what the numbers mean, printed after a step's output, as one wrapped paragraph
say() { printf '%s ' "$@" | fold -s -w 96 | sed 's/^/   /'; echo; }

step "setup: packages, build, a throwaway cluster"
if [ -z "${HN_STAGED:-}" ]; then
	hn_install_deps
	hn_build_and_stage
fi
hn_install_packages bc
hn_cluster_stop "$cluster"
hn_cluster_start "$cluster"
hn_psql -d postgres -c "CREATE DATABASE demo"
sql -c "CREATE EXTENSION hardneg"

step "load Cranfield: 1400 abstracts, 225 queries, graded qrels, 512-d USE-lite embeddings, BM25 and dense runs"
data=$cluster-data
hn_prepare_cranfield "$data"
timed hn_load_cranfield demo "$data"
sql -c "SELECT (SELECT count(*) FROM cranfield.docs) AS docs, (SELECT count(*) FROM cranfield.queries) AS queries,
               (SELECT count(*) FROM cranfield.qrels) AS qrels, (SELECT count(*) FROM cranfield.runs) AS run_rows"

for s in demo/steps/*.sh; do
	[ -e "$s" ] || continue
	source "$s"
done

step "done"
cat <<MSG
The demo cluster is still running. Explore it with:
    $HN_PGBIN/psql -h $cluster -p $HN_PORT -U postgres demo
    (tables in schema cranfield: docs, queries, qrels, runs)
Stop and remove it with:
    make demo-stop
MSG
