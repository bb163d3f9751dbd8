#!/usr/bin/env python3
"""Extracts the SQL examples of docs/*.md so that make test runs them: the docs cannot rot.

Every fenced block tagged ```sql is an example; a block tagged ```sql norun is shown but not run
(setup a reader would not have, or output that depends on the machine).  For each Markdown file
this writes one psql script, DIR/NAME.sql, that runs its examples in order in one session, with
ON_ERROR_STOP, against a database holding the Cranfield demo data (schema cranfield on the
search_path).  A block whose first line is "-- expect error" must fail: it runs inside a
savepoint and the script errors if it succeeds.

A block tagged ```python (```python norun: shown only) is written to DIR/NAME.N.py and run, at
its place among the SQL examples, by /usr/bin/python3 from psql (\!), with the connection in the
environment (PGHOST, PGPORT, PGUSER, PGDATABASE); a failing block prints "not ok", which fails
the page; off the path (HN_EXT_SCHEMA) a first line put before the example's own makes psycopg
send its SQL through test/tools/offpath.py's rewriter, as psql's input is.  The runner starts
psql in a scratch directory per page, so files the examples write (psql \g, Python open) land
there and later examples read them by relative name.

usage: doctest.py DOCS_DIR OUT_DIR   (prints the names of the scripts written)
"""
import os
import re
import shlex
import sys

FENCE = re.compile(r"^```(?P<lang>sql|python)(?P<norun>[ \t]+norun)?[ \t]*\n(?P<body>.*?)^```[ \t]*$",
                   re.M | re.S)
PYTHON = "/usr/bin/python3"     # Debian's psycopg, numpy belong to this one
TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools")


def script_for(markdown, py_prefix):
    # HN_EXT_SCHEMA (test/run.sh): hardneg in that schema, off the path (psql's input is
    # rewritten by test/tools/offpath.py), or last on it with HN_EXT_ON_PATH
    ext = os.environ.get("HN_EXT_SCHEMA")
    on_path = bool(os.environ.get("HN_EXT_ON_PATH"))
    path = "cranfield, public" + (", " + ext if ext and on_path else "")
    parts = ["\\set ON_ERROR_STOP 1", "SET search_path = %s;" % path, "SET client_min_messages = warning;"]
    if ext and not on_path:
        # for test/tools/offpath.py: the Cranfield tables' embedding columns (demo/load.sql)
        parts[0] += "\n-- offpath: embedding are embeddings"
    blocks = []
    for n, m in enumerate(FENCE.finditer(markdown), 1):
        if m.group("norun"):
            continue
        body = m.group("body").rstrip()
        if m.group("lang") == "python":
            path = "%s.%d.py" % (py_prefix, n)
            # off the path, the example's psycopg sends its SQL through test/tools/offpath.py's
            # rewriter, as psql does (one line more before the example's own)
            prologue = ("import sys; sys.path.insert(0, %r); import offpath; "
                        "offpath.patch_psycopg(columns=['embedding'])\n" % TOOLS) if ext and not on_path else ""
            blocks.append((path, prologue + body + "\n"))
            parts.append("\\echo -- example %d (python)\n\\! %s %s || echo 'not ok - python example %d'"
                         % (n, PYTHON, shlex.quote(path), n))
        elif body.lstrip().lower().startswith("-- expect error"):
            # The block must raise: run it where a failure is caught, and fail if it is not.
            parts.append("DO $doctest$ BEGIN BEGIN EXECUTE %s; EXCEPTION WHEN OTHERS THEN RETURN; END; "
                         "RAISE EXCEPTION 'doc example %d was expected to fail'; END $doctest$;"
                         % (dollar(body.rstrip(";")), n))
        else:
            parts.append("\\echo -- example %d\n%s" % (n, body))
    return "\n".join(parts) + "\n", len(parts) - 3, blocks


def dollar(text):
    tag = "$ex$"
    while tag in text:
        tag = tag[:-1] + "x$"
    return tag + text + tag


def main(docs, out):
    out = os.path.abspath(out)
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(docs)):
        if not name.endswith(".md"):
            continue
        with open(os.path.join(docs, name), encoding="utf-8") as f:
            text, count, blocks = script_for(f.read(), os.path.join(out, name[:-3]))
        if count == 0:
            continue
        for path, body in blocks:
            with open(path, "w", encoding="utf-8") as f:
                f.write(body)
        path = os.path.join(out, name[:-3] + ".sql")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
