# src/sql/assemble.awk: writes the install and upgrade scripts from the
# fragments (the Makefile runs it over src/sql/*.sql and over the upgrade
# files), so that each definition is written once.  Every line is copied as
# it is, except a line that is one of these directives:
#
#   --@ params FILE
#       The rows (position, 'name', 'SQL type', 'SQL default' or NULL) of the
#       HN_MINE_PARAM(ENUM, name, type, "default") lines of FILE (a C X-macro
#       list that the C code includes too), comma-separated, for a VALUES list.
#   --@ include FILE [NAME ...]
#       The statements of the fragment FILE (all, or those that create or
#       comment on a function, aggregate or operator named NAME), as they are.
#   --@ text FILE
#       The lines of FILE as they are (a piece of a statement that several
#       fragments share, e.g. the loop body of src/sql/include/id_forms.sql).
#   --@ replace FILE [NAME ...]
#       The same with CREATE FUNCTION written CREATE OR REPLACE FUNCTION: for
#       an upgrade that keeps a 0.1.0 function (same arguments and result)
#       and gives it the fragment's body, settings and comment.
#
# Paths are relative to the directory make runs in.  A statement starts at a
# line that begins with a keyword (not blank, not a comment) outside any
# statement and ends at the first line ending with ';' outside dollar quotes.

function fail(msg) {
	printf "assemble.awk: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

function sql_literal(s) {
	gsub(/'/, "''", s)
	return "'" s "'"
}

function emit_params(file,    line, n, rest, f, i, out, dflt) {
	n = 0
	while ((getline line < file) > 0) {
		if (line !~ /^HN_MINE_PARAM\(/)
			continue
		rest = line
		sub(/^HN_MINE_PARAM\(/, "", rest)
		# the default is the last field, a C string: take it whole (it may hold commas)
		if (!match(rest, /, *"[^"]*"\) *$/))
			fail("bad HN_MINE_PARAM line in " file ": " line)
		dflt = substr(rest, RSTART, RLENGTH)
		rest = substr(rest, 1, RSTART - 1)
		sub(/^, *"/, "", dflt)
		sub(/"\) *$/, "", dflt)
		if (split(rest, f, /, */) != 3)
			fail("bad HN_MINE_PARAM line in " file ": " line)
		n++
		out[n] = "\t\t(" n ", " sql_literal(f[2]) ", " sql_literal(f[3]) ", " \
			(dflt == "" ? "NULL" : sql_literal(dflt)) ")"
	}
	close(file)
	if (n == 0)
		fail("no HN_MINE_PARAM lines in " file)
	for (i = 1; i <= n; i++)
		print out[i] (i < n ? "," : "")
}

# Counts the dollar-quote changes on a line: returns the open tag after it.
function dollar_state(line, tag,    t) {
	while (match(line, /\$[A-Za-z_]*\$/)) {
		t = substr(line, RSTART, RLENGTH)
		line = substr(line, RSTART + RLENGTH)
		if (tag == "")
			tag = t
		else if (t == tag)
			tag = ""
	}
	return tag
}

# Does the statement's first line create or comment on one of the names?
function wanted(first, names, nnames,    i, obj) {
	if (nnames == 0)
		return 1
	for (i = 1; i <= nnames; i++) {
		obj = "(FUNCTION|AGGREGATE|OPERATOR) (@extschema@\\.)?" names[i] "[ (]"
		if (first ~ ("^CREATE (OR REPLACE )?" obj) || first ~ ("^COMMENT ON " obj))
			return 1
	}
	return 0
}

function read_text(file,    line, out) {
	out = ""
	while ((getline line < file) > 0)
		out = out line "\n"
	close(file)
	if (out == "")
		fail("empty or missing " file)
	return out
}

function emit_statements(file, names, nnames, replace,    line, inside, tag, stmt, first, found) {
	inside = 0
	tag = ""
	found = 0
	while ((getline line < file) > 0) {
		if (!inside) {
			if (line ~ /^[ \t]*$/ || line ~ /^[ \t]*--/)
				continue
			inside = 1
			stmt = ""
			first = line
		}
		if (line ~ /^--@ text /) {
			split(line, w2, /[ \t]+/)
			stmt = stmt read_text(w2[3])
			continue
		}
		stmt = stmt line "\n"
		tag = dollar_state(line, tag)
		if (tag == "" && line ~ /;[ \t]*$/) {
			inside = 0
			if (wanted(first, names, nnames)) {
				if (replace)
					sub(/^CREATE FUNCTION/, "CREATE OR REPLACE FUNCTION", stmt)
				printf "%s", stmt
				found++
			}
		}
	}
	close(file)
	if (inside)
		fail("unterminated statement in " file)
	if (found == 0)
		fail("no statement of " file " matched")
}

/^--@ / {
	nf = split($0, w, /[ \t]+/)
	if (w[2] == "text" && nf == 3) {
		printf "%s", read_text(w[3])
		next
	}
	if (w[2] == "params" && nf == 3) {
		emit_params(w[3])
		next
	}
	if ((w[2] == "include" || w[2] == "replace") && nf >= 3) {
		delete names
		for (i = 4; i <= nf; i++)
			names[i - 3] = w[i]
		emit_statements(w[3], names, nf - 3, w[2] == "replace")
		next
	}
	fail("unknown directive: " $0)
}

{ print }
