#!/usr/bin/env bash
# make test: install what is missing, build, install into a private server
# tree, start a throwaway cluster, then run pg_regress (sql/ -> expected/) and
# pgTAP (test/*.sql with pg_prove).  Ends with one summary line:
#   "hardneg: N passed, N failed"
# Environment: HN_TESTS="name ..." limits pgTAP to those suites, HN_REGRESS
# likewise for pg_regress; "none" skips either; HN_DOCS=none skips the docs
# examples; HN_REFERENCES=DIR reuses the references of an earlier run.
# HN_EXT_SCHEMA=name runs everything with hardneg in that schema, off every
# session's search_path (test/tools/offpath.py; HN_EXT_ON_PATH=1: last on it).
source "$(dirname "$0")/lib.sh"
cd "$HN_ROOT"

hn_install_deps
hn_build_and_stage

cluster=$HN_BUILD/cluster
trap 'hn_cluster_stop "$cluster"' EXIT
hn_log "starting a throwaway cluster"
hn_cluster_start "$cluster"
hn_offpath_setup

# Independent references (numpy, hand-derived) are computed before the suites
# that read them; each script writes under .build/test.
# HN_REFERENCES=DIR takes them from an earlier run's .build/test instead: they
# depend on the inputs alone, never on the server (test/pgversions.sh runs the
# same references against several versions).
rm -rf "$HN_BUILD/test/skip"
mkdir -p "$HN_BUILD/test"
if [ -n "${HN_REFERENCES:-}" ]; then
	hn_log "references from $HN_REFERENCES"
	if [ "$(realpath "$HN_REFERENCES")" != "$(realpath "$HN_BUILD/test")" ]; then
		rm -rf "$HN_BUILD/test"
		cp -a "$HN_REFERENCES" "$HN_BUILD/test"
	fi
else
	for prep in test/prepare.d/*; do
		[ -x "$prep" ] || continue
		hn_log "preparing $(basename "$prep")"
		HN_PYTHON=$HN_PYTHON HN_TESTDATA=$HN_BUILD/test "$prep"
	done
fi

passed=0
failed=0

if [ "${HN_REGRESS:-}" != none ]; then
	hn_log "pg_regress"
	regress=${HN_REGRESS:-$(ls sql/*.sql 2>/dev/null | xargs -rn1 basename | sed 's/\.sql$//' | tr '\n' ' ')}
	if [ -n "$regress" ]; then
		pgxs_dir=$(dirname "$("$HN_PG_CONFIG" --pgxs)")
		regress_db=()
		# HN_EXT_SCHEMA: the database is made here, with hardneg in that schema
		if [ -n "${HN_EXT_SCHEMA:-}" ]; then
			hn_psql -d postgres -c "DROP DATABASE IF EXISTS hn_regress" -c "CREATE DATABASE hn_regress"
			hn_create_extension hn_regress
			regress_db=(--use-existing)
		fi
		set +e
		# off the path, pg_regress's psql is test/tools/offpath.py's (hn_offpath_setup)
		regress_bin=$HN_PGBIN
		[ -z "${HN_OFFPATH_PSQL:-}" ] || regress_bin=$(dirname "$HN_OFFPATH_PSQL")
		"$pgxs_dir/../test/regress/pg_regress" --inputdir=. --bindir="$regress_bin" "${regress_db[@]}" \
			--dbname=hn_regress --load-extension=hardneg $regress | tee "$HN_BUILD/regress.log"
		rc=${PIPESTATUS[0]}
		set -e
		n_ok=$(grep -cE '^ok |^test .* \.\.\. ok' "$HN_BUILD/regress.log" || true)
		n_bad=$(grep -cE '^not ok |\.\.\. FAILED' "$HN_BUILD/regress.log" || true)
		# pg_regress can stop before printing a verdict (a missing expected file)
		[ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ] && n_bad=1
		passed=$((passed + n_ok))
		failed=$((failed + n_bad))
		[ -f regression.diffs ] && head -200 regression.diffs
	fi
fi

hn_log "pgTAP"
hn_psql -d postgres -c "DROP DATABASE IF EXISTS hn_tap" -c "CREATE DATABASE hn_tap"
hn_psql -d hn_tap -c "CREATE EXTENSION pgtap"
hn_create_extension hn_tap
suites=()
if [ "${HN_TESTS:-}" = none ]; then
	:
elif [ -n "${HN_TESTS:-}" ]; then
	# names of test/cluster.d suites are run further down, not by pg_prove
	for t in $HN_TESTS; do [ -x "test/cluster.d/$t" ] || suites+=("test/$t.sql"); done
else
	for t in test/*.sql; do [ -e "$t" ] && suites+=("$t"); done
fi
# a preparation script that lacks optional data (not shipped) names the suites to skip in
# $HN_BUILD/test/skip/<suite>, with the reason
skipped=()
for s in "$HN_BUILD"/test/skip/*; do [ -e "$s" ] && skipped+=("$(basename "$s")"); done
if [ ${#skipped[@]} -gt 0 ] && [ ${#suites[@]} -gt 0 ]; then
	kept=()
	for t in "${suites[@]}"; do [ -e "$HN_BUILD/test/skip/$(basename "$t" .sql)" ] || kept+=("$t"); done
	suites=(${kept[@]+"${kept[@]}"})
fi
if [ ${#suites[@]} -gt 0 ]; then
	set +e
	pg_prove ${HN_OFFPATH_PSQL:+-b "$HN_OFFPATH_PSQL"} -d hn_tap --ext .sql -S HN_TESTDATA="$HN_BUILD/test" -S HN_ROOT="$HN_ROOT" "${suites[@]}" \
		2>&1 | tee "$HN_BUILD/tap.log"
	set -e
	# Count assertions: "Tests=N" from the summary, failures from "Failed X/Y subtests";
	# a suite that died or planned wrongly counts as one more failure.
	n_tests=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$HN_BUILD/tap.log")
	n_bad=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$HN_BUILD/tap.log" | awk '{s+=$1} END {print s+0}')
	n_died=$(grep -cE '(Dubious|No subtests run|Parse errors|Bad plan)' "$HN_BUILD/tap.log" || true)
	n_tests=${n_tests:-0}
	grep -q '^Result: PASS' "$HN_BUILD/tap.log" || [ $((n_bad + n_died)) -gt 0 ] || n_died=1
	passed=$((passed + n_tests - n_bad))
	failed=$((failed + n_bad + n_died))
fi

# Suites that need a cluster of their own (crash and restart): executables in
# test/cluster.d print TAP lines; each "ok" passes, each "not ok" fails.
for suite in test/cluster.d/*; do
	[ -x "$suite" ] || continue
	name=$(basename "$suite")
	if [ -n "${HN_TESTS:-}" ] && [[ " $HN_TESTS " != *" $name "* ]]; then continue; fi
	hn_log "cluster suite $name"
	set +e
	"$suite" 2>&1 | tee "$HN_BUILD/$name.log"
	rc=${PIPESTATUS[0]}
	set -e
	n_ok=$(grep -c '^ok ' "$HN_BUILD/$name.log" || true)
	n_bad=$(grep -c '^not ok ' "$HN_BUILD/$name.log" || true)
	[ "$rc" -ne 0 ] && [ "$n_bad" -eq 0 ] && n_bad=1
	passed=$((passed + n_ok))
	failed=$((failed + n_bad))
done

# Every SQL example in docs/ runs against the Cranfield demo data (test/doctest.py).
docs_out=$HN_BUILD/doctest
rm -rf "$docs_out"
mapfile -t doc_scripts < <(python3 test/doctest.py docs "$docs_out")
if [ ${#doc_scripts[@]} -gt 0 ] && [ "${HN_DOCS:-}" != none ]; then
	hn_log "documentation examples"
	# each page starts from the same loaded database, cloned from a template
	hn_psql -d postgres -c "DROP DATABASE IF EXISTS hn_docs" -c "CREATE DATABASE hn_docs"
	hn_create_extension hn_docs
	hn_psql -d hn_docs -c "CREATE EXTENSION pgtap"
	hn_prepare_cranfield "$HN_BUILD/cranfield"
	hn_load_cranfield hn_docs "$HN_BUILD/cranfield"
	# quotes, tabs, backslashes, CR/LF, non-ASCII, control characters in the texts every recipe exports
	hn_psql -d hn_docs -f test/fixtures/doc_hostile.sql
	for script in "${doc_scripts[@]}"; do
		doc=docs/$(basename "$script" .sql).md
		hn_psql -d postgres -c "DROP DATABASE IF EXISTS hn_doc_page" -c "CREATE DATABASE hn_doc_page TEMPLATE hn_docs"
		hn_ext_search_path hn_doc_page		# database settings are not copied from a template
		# pgTAP examples report failures as "not ok" rows rather than errors
		# a scratch directory per page: files the examples write land there (test/doctest.py)
		work=$docs_out/$(basename "$script" .sql).work
		mkdir -p "$work"
		if (cd "$work" && PGDATABASE=hn_doc_page hn_psql -d hn_doc_page -f "$script") >"$script.out" 2>&1 &&
			! grep -qE '^ *not ok|Looks like you failed' "$script.out"; then
			echo "ok     $doc"
			passed=$((passed + 1))
		else
			echo "FAILED $doc"
			tail -15 "$script.out" | sed 's/^/       /'
			failed=$((failed + 1))
		fi
	done
fi

echo
for s in ${skipped[@]+"${skipped[@]}"}; do echo "skipped $s: $(cat "$HN_BUILD/test/skip/$s")"; done
echo "hardneg: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
