#!/usr/bin/env bash
# test/pgversions.sh: the whole suite (what make test runs: pg_regress, pgTAP,
# cluster suites, doc examples) against a PostgreSQL built from source, of any
# major version, hardneg built against it.  CI stays on Debian's 15; this is
# how the version table in README.md was filled.
#
#   bash test/pgversions.sh PREFIX [--src PGSRC] [--pgtap PGTAPSRC]
#
# PREFIX     where the server is (or is to be) installed: PREFIX/bin/pg_config.
# --src      a PostgreSQL source tree (a release tarball unpacked, or a git
#            checkout of a release tag); used only when PREFIX has no server
#            yet: configure --prefix=PREFIX --without-icu --with-libxml, make,
#            make install, all under nice; and the contrib modules the
#            suites use (pageinspect, postgres_fdw, dblink).
# --pgtap    a pgTAP source tree; used only when PREFIX has no pgTAP yet: built
#            in a copy under the build directory and installed into PREFIX.
#            (Debian's pgTAP is packaged for its own 15 only.)
#
# Nothing is downloaded: bring the sources yourself (docs/development.md says
# how the table's were had).  HN_PORT, HN_TESTS, HN_REGRESS, HN_DOCS and
# HN_REFERENCES (reuse an earlier run's references) act as in make test.  The hardneg objects are built in the checkout, so they are
# removed before and after: the next make test builds its own for 15.
# Prints the compiler warnings of the hardneg build, then the suite, then one
# line for the table:  "pgversions: <version> | <warnings> warnings | <result line>".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	echo "usage: bash test/pgversions.sh PREFIX [--src PGSRC] [--pgtap PGTAPSRC]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
prefix=$1
shift
pgsrc=""
pgtapsrc=""
while [ $# -gt 0 ]; do
	case $1 in
	--src) pgsrc=${2:?}; shift 2 ;;
	--pgtap) pgtapsrc=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
jobs=${HN_JOBS:-2}

# The server: built only when the prefix has none.
if [ ! -x "$prefix/bin/pg_config" ]; then
	if [ -z "$pgsrc" ] || [ ! -x "$pgsrc/configure" ]; then
		echo "pgversions: $prefix/bin/pg_config is missing; give --src, a PostgreSQL source tree" >&2
		exit 2
	fi
	echo "== building PostgreSQL from $pgsrc into $prefix (log: $prefix.build.log)"
	(
		cd "$pgsrc"
		nice -n 10 ./configure --prefix="$prefix" --without-icu --with-libxml
		nice -n 10 make -j"$jobs"
		nice -n 10 make install
		# the contrib modules the suites use: pageinspect (index_ivfsq_pages reads pages),
		# postgres_fdw and dblink (the sharded k-NN suites)
		for m in pageinspect postgres_fdw dblink; do nice -n 10 make -C "contrib/$m" install; done
	) >"$prefix.build.log" 2>&1 || {
		tail -30 "$prefix.build.log" >&2
		exit 1
	}
fi
prefix=$(cd "$prefix" && pwd)
pg_config=$prefix/bin/pg_config
version=$("$pg_config" --version)
major=$(sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p' <<<"$version")

# The per-version build directory: beside make test's own, never the same.
source "$root/test/lib.sh"
export HN_BUILD=$HN_BUILD/pg$major
unset HN_BUILD_CHECKED
mkdir -p "$HN_BUILD"

# pgTAP: built only when the prefix has none.
if [ ! -e "$("$pg_config" --sharedir)/extension/pgtap.control" ]; then
	if [ -z "$pgtapsrc" ] || [ ! -e "$pgtapsrc/pgtap.control" ]; then
		echo "pgversions: no pgTAP in $prefix; give --pgtap, a pgTAP source tree" >&2
		exit 2
	fi
	echo "== building pgTAP from $pgtapsrc into $prefix"
	rm -rf "$HN_BUILD/pgtap-src"
	cp -a "$pgtapsrc" "$HN_BUILD/pgtap-src"
	(
		cd "$HN_BUILD/pgtap-src"
		make PG_CONFIG="$pg_config"
		make install PG_CONFIG="$pg_config"
	) >"$HN_BUILD/pgtap-build.log" 2>&1 || {
		tail -30 "$HN_BUILD/pgtap-build.log" >&2
		exit 1
	}
fi

# hardneg against this server: every warning is shown and counted.
make -C "$root" -s clean >/dev/null
trap 'make -C "$root" -s clean >/dev/null' EXIT
echo "== building hardneg against $version"
set +e
make -C "$root" -j"$jobs" PG_CONFIG="$pg_config" >"$HN_BUILD/hardneg-build.log" 2>&1
rc=$?
set -e
grep -E 'warning:|error:' "$HN_BUILD/hardneg-build.log" || true
warnings=$(grep -c 'warning:' "$HN_BUILD/hardneg-build.log" || true)
if [ "$rc" -ne 0 ]; then
	tail -20 "$HN_BUILD/hardneg-build.log" >&2
	echo "pgversions: $version | $warnings warnings | build failed"
	exit 1
fi

export HN_PG_PREFIX=$prefix
set +e
bash "$root/test/run.sh" 2>&1 | tee "$HN_BUILD/suite.log"
rc=${PIPESTATUS[0]}
set -e
result=$(grep -E '^hardneg: [0-9]+ passed, [0-9]+ failed' "$HN_BUILD/suite.log" | tail -1)
echo "pgversions: $version | $warnings warnings | ${result:-no result line} | $(date -u +%F)"
exit "$rc"
