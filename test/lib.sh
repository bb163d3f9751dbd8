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
# Where the staged server tree and the clusters live: .build in the checkout, unless the server
# (run as postgres when we are root) cannot enter the checkout, as in root's mode-700 home; then a
# directory of this checkout's own under /var/tmp (named by a hash of its path, so parallel
# checkouts never meet).  HN_BUILD overrides both.
hn_default_build() {
	local d=$HN_ROOT
	if [ "$(id -u)" -eq 0 ]; then
		while [ "$d" != / ]; do
			# the server is "other" to root's directories: it needs o+x on each, o+r on the checkout
			case $(stat -c %A "$d") in
			*x | *t) ;;
			*) break ;;
			esac
			d=$(dirname "$d")
		done
		if [ "$d" != / ] || [ "$(stat -c %A "$HN_ROOT" | cut -c8)" != r ]; then
			echo "/var/tmp/hardneg-$(printf %s "$HN_ROOT" | sha1sum | cut -c1-12)"
			return
		fi
	fi
	echo "$HN_ROOT/.build"
}
HN_BUILD=${HN_BUILD:-$(hn_default_build)}
if [ "$HN_BUILD" != "$HN_ROOT/.build" ] && [ -z "${HN_BUILD_CHECKED:-}" ]; then
	# a predictable name in a shared directory: refuse one that someone else made
	mkdir -p -m 755 "$HN_BUILD"
	if [ -L "$HN_BUILD" ] || [ "$(stat -c %u "$HN_BUILD")" != "$(id -u)" ]; then
		echo "hardneg: $HN_BUILD is not a directory of ours; remove it or set HN_BUILD" >&2
		exit 1
	fi
	chmod 755 "$HN_BUILD"
	export HN_BUILD HN_BUILD_CHECKED=1
fi
HN_STAGE=$HN_BUILD/stage
HN_PGBIN=$HN_STAGE/usr/lib/postgresql/$HN_PGVER/bin
HN_PG_CONFIG=/usr/lib/postgresql/$HN_PGVER/bin/pg_config
# HN_PG_PREFIX: a PostgreSQL installed from source under that prefix (test/asan.sh
# passes a sanitizer build) is staged and tested instead of Debian's.
HN_PG_PREFIX=${HN_PG_PREFIX:-}
if [ -n "$HN_PG_PREFIX" ]; then
	HN_PG_CONFIG=$HN_PG_PREFIX/bin/pg_config
	HN_PGBIN=$HN_STAGE$HN_PG_PREFIX/bin
fi
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
		python3-numpy python3-psycopg python3-scipy \
		python3-sklearn python3-imblearn
}

# The major version (15, 16, ...) of the server that pg_config $1 describes.
hn_pg_major() {
	"$1" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p'
}

# Builds hardneg and installs it into a private copy of the server tree.
hn_build_and_stage() {
	local pg_config=$HN_PG_CONFIG
	hn_log "building hardneg"
	make -C "$HN_ROOT" -s -j"$(nproc)" PG_CONFIG="$pg_config" >/dev/null
	rm -rf "$HN_STAGE"
	if [ -n "$HN_PG_PREFIX" ]; then
		# a tree built from source is relocatable as a whole
		mkdir -p "$HN_STAGE$HN_PG_PREFIX"
		cp -a "$HN_PG_PREFIX/." "$HN_STAGE$HN_PG_PREFIX/"
		# pgTAP installed into the prefix (test/pgversions.sh builds it there) is used as it is;
		# otherwise Debian's, when it was packaged for this major version
		local ext major
		ext=$HN_STAGE$("$pg_config" --sharedir)/extension
		major=$(hn_pg_major "$pg_config")
		if [ ! -e "$ext/pgtap.control" ]; then
			if [ "$major" != "$HN_PGVER" ]; then
				echo "hardneg: no pgTAP in $HN_PG_PREFIX (PostgreSQL $major); test/pgversions.sh --pgtap DIR installs one" >&2
				return 1
			fi
			cp -a /usr/share/postgresql/"$HN_PGVER"/extension/pgtap* "$ext/"
		fi
		# Debian's pgvector, if there, loads into a server of its own major version only
		# (tests that use it skip otherwise)
		if [ -z "${HN_HIDE_PGVECTOR:-}" ] && [ "$major" = "$HN_PGVER" ] &&
			[ -e "/usr/lib/postgresql/$HN_PGVER/lib/vector.so" ]; then
			cp -a /usr/share/postgresql/"$HN_PGVER"/extension/vector[.-]* "$HN_STAGE$("$pg_config" --sharedir)/extension/"
			cp -a "/usr/lib/postgresql/$HN_PGVER/lib/vector.so" "$HN_STAGE$("$pg_config" --pkglibdir)/"
		fi
	else
		mkdir -p "$HN_STAGE/usr/lib/postgresql" "$HN_STAGE/usr/share/postgresql"
		cp -a "/usr/lib/postgresql/$HN_PGVER" "$HN_STAGE/usr/lib/postgresql/"
		cp -a "/usr/share/postgresql/$HN_PGVER" "$HN_STAGE/usr/share/postgresql/"
	fi
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
		# from /: the checkout may be a directory postgres cannot enter
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

# For bench/*/run.sh: stages hardneg, starts a cluster in $1 with room for a
# benchmark (stopped on exit) and creates database bench with the extensions
# named in the remaining arguments, in that order.
hn_bench_cluster() {
	local cluster=$1 ext
	shift
	hn_build_and_stage
	trap "hn_cluster_stop '$cluster'" EXIT
	hn_cluster_start "$cluster"
	cat >>"$cluster/data/postgresql.conf" <<CONF
shared_buffers = 2GB
maintenance_work_mem = 1GB
max_parallel_maintenance_workers = 2
CONF
	hn_as_server "$HN_PGBIN/pg_ctl" -D "$cluster/data" -w restart >/dev/null
	hn_psql -d postgres -c "CREATE DATABASE bench"
	for ext in "$@"; do hn_psql -d bench -c "CREATE EXTENSION $ext"; done
	hn_psql -d bench -Atc "SELECT 'pgvector ' || extversion FROM pg_extension WHERE extname = 'vector'"
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

# hn_psql runs psql; with the extension off the path (HN_OFFPATH_PSQL, set by hn_offpath_setup)
# through test/tools/offpath.py, which qualifies hardneg's names in what is sent.
hn_psql() { "${HN_OFFPATH_PSQL:-$HN_PGBIN/psql}" -X -v ON_ERROR_STOP=1 -q "$@"; }

# HN_EXT_SCHEMA=name: hardneg is created in that schema, which no test session has on its
# search_path ("off the path"); the test SQL reaches it through test/tools/offpath.py.
# HN_EXT_ON_PATH=1 as well: the schema is listed last on the path instead, nothing rewritten.
hn_offpath() { [ -n "${HN_EXT_SCHEMA:-}" ] && [ -z "${HN_EXT_ON_PATH:-}" ]; }

# Creates hardneg in database $1: in public, or with HN_EXT_SCHEMA=name in that schema.
hn_create_extension() {
	if [ -z "${HN_EXT_SCHEMA:-}" ]; then
		hn_psql -d "$1" -c "CREATE EXTENSION IF NOT EXISTS hardneg"
		return
	fi
	hn_psql -d "$1" -c "CREATE SCHEMA IF NOT EXISTS \"$HN_EXT_SCHEMA\"" \
		-c "GRANT USAGE ON SCHEMA \"$HN_EXT_SCHEMA\" TO PUBLIC" \
		-c "CREATE EXTENSION IF NOT EXISTS hardneg SCHEMA \"$HN_EXT_SCHEMA\""
	hn_ext_search_path "$1"
}
hn_ext_search_path() {
	[ -n "${HN_EXT_SCHEMA:-}" ] && [ -n "${HN_EXT_ON_PATH:-}" ] || return 0
	hn_psql -d "$1" -c "ALTER DATABASE \"$1\" SET search_path = \"\$user\", public, \"$HN_EXT_SCHEMA\""
}

# Off the path: reads hardneg's names from the catalog of a scratch database (with pgvector
# beside it when there, for the operator classes hardneg then adds) and puts a psql in
# $HN_BUILD/offpath/bin that rewrites the SQL it is given (test/tools/offpath.py).  Exports
# HN_OFFPATH_PSQL, so cluster suites (which source this file) use it too.
hn_offpath_setup() {
	hn_offpath || return 0
	if ! [[ $HN_EXT_SCHEMA =~ ^[a-z_][a-z0-9_]*$ ]]; then
		echo "hardneg: HN_EXT_SCHEMA must be a lower-case identifier off the path" >&2
		exit 1
	fi
	local dir=$HN_BUILD/offpath
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/tmp"
	chmod -R a+rwX "$dir"
	hn_psql -d postgres -c "DROP DATABASE IF EXISTS hn_offpath_names" -c "CREATE DATABASE hn_offpath_names"
	hn_psql -d hn_offpath_names -c "CREATE EXTENSION IF NOT EXISTS vector" 2>/dev/null || true
	hn_create_extension hn_offpath_names
	hn_psql -d hn_offpath_names -Atc "$(HN_EXT_SCHEMA=$HN_EXT_SCHEMA "$HN_PYTHON" \
		"$HN_ROOT/test/tools/offpath.py" names-sql)" >"$dir/names.json"
	hn_psql -d postgres -c "DROP DATABASE hn_offpath_names"
	cat >"$dir/bin/psql" <<WRAP
#!/bin/sh
export HN_EXT_SCHEMA='$HN_EXT_SCHEMA' HN_OFFPATH_NAMES='$dir/names.json' HN_OFFPATH_TMP='$dir/tmp'
exec $HN_PYTHON '$HN_ROOT/test/tools/offpath.py' psql '$HN_PGBIN/psql' "\$@"
WRAP
	chmod a+rx "$dir/bin/psql"
	# HN_OFFPATH_NAMES, HN_OFFPATH_TMP: for Python suites, whose psycopg goes through the same
	# rewriter (offpath.patch_psycopg: test/fuzz.py, the docs' Python examples)
	export HN_OFFPATH_PSQL=$dir/bin/psql HN_OFFPATH_NAMES=$dir/names.json HN_OFFPATH_TMP=$dir/tmp
}

# hn_offpath_file FILE: off the path, a SQL file that reaches the server without psql (a pgbench
# script) is rewritten in place by test/tools/offpath.py, as hn_psql's input is (embedding
# columns it uses but does not declare: HN_OFFPATH_COLUMNS, as for hn_psql).
hn_offpath_file() {
	hn_offpath || return 0
	local out
	out=$("$HN_PYTHON" "$HN_ROOT/test/tools/offpath.py" rewrite "$1")
	printf '%s\n' "$out" >"$1"
}

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
