#!/usr/bin/env python3
"""Summarises the valgrind logs of test/memcheck.sh (one file per process).

Prints each error whose stack or origin passes through hardneg's code, once
per distinct stack, with the suppression valgrind generated for it; counts the
others (PostgreSQL, libc, OpenBLAS noise not yet in test/valgrind.supp).
Exits 1 when hardneg has an error, 2 when there are no logs at all.
"""
import glob
import os
import re
import sys

PREFIX = re.compile(r"^==\d+== ?")
# hardneg's frames: a source line under src/ (the server runs with
# --fullpath-after=<checkout>/, so they read "(src/index/build.c:458)"), or the
# library itself when it was built without -g.
OURS = re.compile(r"\(src/[\w/]+\.[ch]:\d+\)|hardneg\.so")


def errors(path):
    """Yields (text, suppression) for each error in one log."""
    text, supp, in_supp = [], [], False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "{":
                in_supp = True
                supp = [line]
                continue
            if in_supp:
                supp.append(line)
                if line == "}":
                    yield "\n".join(text).strip(), "\n".join(supp)
                    text, in_supp = [], False
                continue
            text.append(PREFIX.sub("", line))
    if "".join(text).strip():
        yield "\n".join(text).strip(), ""


def main():
    logs = sorted(glob.glob(os.path.join(sys.argv[1], "vg.*.log")))
    if not logs:
        print("valgrind: no logs in %s" % sys.argv[1])
        return 2
    ours, others = {}, {}
    for path in logs:
        for text, supp in errors(path):
            key = supp or text
            bucket = ours if OURS.search(text) or OURS.search(supp) else others
            bucket.setdefault(key, [text, 0, os.path.basename(path)])[1] += 1
    for key, (text, n, log) in ours.items():
        print("\n--- hardneg error (%d times, first in %s)\n%s\n%s" % (n, log, text, key))
    print("\nvalgrind: %d logs; %d distinct errors in hardneg, %d elsewhere (not printed)"
          % (len(logs), len(ours), len(others)))
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
