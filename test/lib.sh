# test/lib.sh: shared by test/run.sh and demo/run.sh.  Source it; do not run it.
#
# Gives a hermetic PostgreSQL for hardneg: the server's own tree is copied to
# .build/stage (a relocatable PostgreSQL finds its share/ and lib/ next to its
# binaries), hardneg is installed there with DESTDIR, and a throwaway cluster
# listens only on a Unix socket under .build.  Several checkouts can therefore
# test at once on one machine, and nothing is installed system-wide.

set -euo pipefail

HN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HN_PGVER=${HN_PGVER:-15}
HN_BUILD=${HN_BUILD:-$HN_ROOT/.build}
HN_STAGE=$HN_BUILD/stage
HN_PGBIN=$HN_STAGE/usr/lib/postgresql/$HN_PGVER/bin
HN_PORT=${HN_PORT:-5499}
HN_PYTHON=/usr/bin/python3		# Debian's numpy/faiss belong to this one

hn_log() { printf '\n== %s\n' "$*"; }

# Installs what is missing with apt-get: directly as root, through sudo otherwise.
hn_install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	hn_log "installing: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

hn_install_deps() {
	hn_install_packages make gcc libc6-dev "postgresql-$HN_PGVER" "postgresql-server-dev-$HN_PGVER" \
		libopenblas-dev "postgresql-$HN_PGVER-pgtap" libtap-parser-sourcehandler-pgtap-perl \
		python3-numpy
	# composition references (test/tools/compose_reference.py)
	hn_install_packages python3-sklearn python3-imblearn
}

# Builds hardneg and installs it into a private copy of the server tree.
hn_build_and_stage() {
	local pg_config=/usr/lib/postgresql/$HN_PGVER/bin/pg_config
	hn_log "building hardneg"
	make -C "$HN_ROOT" -s -j"$(nproc)" PG_CONFIG="$pg_config" >/dev/null
	rm -rf "$HN_STAGE"
	mkdir -p "$HN_STAGE/usr/lib/postgresql" "$HN_STAGE/usr/share/postgresql"
	cp -a "/usr/lib/postgresql/$HN_PGVER" "$HN_STAGE/usr/lib/postgresql/"
	cp -a "/usr/share/postgresql/$HN_PGVER" "$HN_STAGE/usr/share/postgresql/"
	make -C "$HN_ROOT" -s install DESTDIR="$HN_STAGE" PG_CONFIG="$pg_config" >/dev/null
	# HN_HIDE_PGVECTOR=1: behave as on a machine without pgvector (tests skip, saying why)
	if [ -n "${HN_HIDE_PGVECTOR:-}" ]; then
		rm -f "$HN_STAGE/usr/share/postgresql/$HN_PGVER/extension/vector"* \
			"$HN_STAGE/usr/lib/postgresql/$HN_PGVER/lib/vector.so"
	fi
	chmod -R a+rX "$HN_BUILD"
}

# initdb refuses to run as root: run the server as postgres then.
hn_as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Starts a throwaway cluster in $1 (a directory that is removed first).
hn_cluster_start() {
	local dir=$1
	rm -rf "$dir"
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	hn_as_server "$HN_PGBIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 \
		--locale=C.UTF-8 >"$dir/initdb.log"
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $HN_PORT
fsync = off
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
shared_buffers = 256MB
CONF
	# test/memcheck.sh: the server (not initdb, which would take minutes) runs under valgrind
	[ -z "${HN_VALGRIND:-}" ] || hn_valgrind_wrap "$dir"
	hn_as_server "$HN_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "${HN_START_TIMEOUT:-60}" \
		start >/dev/null
	export PGHOST=$dir PGPORT=$HN_PORT PGUSER=postgres
}

# Puts a script in place of the staged postgres binary that runs the real one
# under valgrind memcheck, one log per process in $1/valgrind (forked backends
# included).  $HN_VALGRIND names the suppressions file.
hn_valgrind_wrap() {
	local dir=$1 real=$HN_PGBIN/postgres.real
	mkdir -p "$dir/valgrind"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir/valgrind"
	[ -e "$real" ] || mv "$HN_PGBIN/postgres" "$real"
	cat >"$HN_PGBIN/postgres" <<WRAP
#!/bin/sh
exec valgrind --tool=memcheck --quiet --trace-children=yes --track-origins=yes \\
	--fullpath-after=$HN_ROOT/ \\
	--num-callers=30 --error-limit=no --leak-check=no \\
	--suppressions="$HN_VALGRIND" --gen-suppressions=all \\
	--log-file="$dir/valgrind/vg.%p.log" "$real" "\$@"
WRAP
	chmod a+rx "$HN_PGBIN/postgres"
}

hn_cluster_stop() {
	local dir=$1
	[ -f "$dir/data/postmaster.pid" ] || return 0
	hn_as_server "$HN_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

hn_psql() { "$HN_PGBIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"; }

# Writes the shipped Cranfield collection as COPY-ready TSV files into $1.
hn_prepare_cranfield() {
	local data=$1 src=$HN_ROOT/test/data/cranfield
	mkdir -p "$data"
	cp "$src/docs.tsv" "$src/queries.tsv" "$src/qrels.tsv" "$data/"
	python3 "$HN_ROOT/test/tools/fvecs2tsv.py" "$src/docs.use-lite.fvecs" "$src/docs.use-lite.ids" >"$data/docs.vec.tsv"
	python3 "$HN_ROOT/test/tools/fvecs2tsv.py" "$src/queries.use-lite.fvecs" "$src/queries.use-lite.ids" >"$data/queries.vec.tsv"
	awk '{print $6 "\t" $1 "\t" $3 "\t" $4 "\t" $5}' "$src/queries.bm25.run" "$src/queries.use-lite.run" >"$data/runs.tsv"
	chmod -R a+rX "$data"
}

# Loads Cranfield (schema cranfield) into database $1 from the TSV directory $2.
hn_load_cranfield() {
	hn_psql -d "$1" -v data="$2" -f "$HN_ROOT/demo/load.sql"
}
