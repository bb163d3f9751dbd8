#!/usr/bin/python3
"""Runs the test SQL with hardneg in a schema that is on no search_path (test/run.sh, HN_EXT_SCHEMA).

The test files name hardneg's functions, types, operators and operator classes unqualified, as a
user with the extension on the path does.  With the extension off the path they must be
qualified, so this rewrites the SQL a client sends, token by token, using hardneg's own names as
the catalog lists them (pg_depend deptype 'e' of the extension; `names` below), and nothing else:

  knn_search(...)          -> S.knn_search(...)          a call of a hardneg function
  x::embedding, v embedding -> x::S.embedding, v S.embedding    the type after :: / AS in CAST /
                              in a column or argument definition / before a typed literal
  a <=> b                  -> a OPERATOR(S.<=>) b          an operator only hardneg defines; one
                              that pg_catalog has too (=, +, ||, ...) when an operand is
                              visibly cast to hardneg's type
  (v embedding_l2_ops)     -> (v S.embedding_l2_ops)       an ivfsq operator class
  'knn_search(regclass)'::regprocedure, 'embedding'::regtype    names in reg* literals
  CREATE EXTENSION hardneg -> ... hardneg SCHEMA S
and the same inside dollar-quoted bodies and inside string literals that hold a statement
(the SQL handed to knn_search, throws_ok, ...).  A name after a dot is left alone (already
qualified), and so is one being created (CREATE FUNCTION knn_search: the test's own object).

Output that legitimately differs is mapped back by `normalize`: the rewritten statements that
psql echoes, and what the server prints for an object that is not visible (format_type,
regprocedure, ruleutils qualify it: "S.embedding", "OPERATOR(S.<=>)").  The rewriter only
inserts text, so removing the inserted text gives back the original byte for byte; the caret
under an error position is moved back by what was removed before it.

Commands:
  offpath.py rewrite FILE          rewritten FILE on stdout (\\i / \\ir targets rewritten too;
                                   test/lib.sh's hn_offpath_file: pgbench's scripts)
  offpath.py normalize             stdin -> stdout
  offpath.py psql REAL_PSQL ARGS   runs psql: -c, -f and stdin rewritten (a pipe statement by
                                   statement as it arrives), output normalized
From Python: `import offpath; offpath.patch_psycopg()` makes every statement psycopg sends go
through the Rewriter (test/fuzz.py, the docs' Python examples); a no-op on the path.
Environment: HN_EXT_SCHEMA (the schema), HN_OFFPATH_NAMES (JSON file written by test/run.sh from
the query in `NAMES_SQL`), HN_OFFPATH_TMP (where rewritten -f and \\i files go).
"""
import json
import os
import re
import stat
import subprocess
import sys
import tempfile
import threading

NAMES_SQL = r"""
WITH x AS (SELECT oid, extnamespace FROM pg_extension WHERE extname = 'hardneg'),
m AS (SELECT d.classid, d.objid FROM pg_depend d JOIN x ON d.refobjid = x.oid
       WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
SELECT json_build_object(
  'functions', (SELECT json_agg(DISTINCT p.proname) FROM pg_proc p JOIN m ON m.classid = 'pg_proc'::regclass
                AND m.objid = p.oid WHERE p.prorettype <> 'event_trigger'::regtype),
  'types', (SELECT json_agg(DISTINCT t.typname) FROM pg_type t JOIN m ON m.classid = 'pg_type'::regclass
            AND m.objid = t.oid),
  'operators', (SELECT json_agg(DISTINCT o.oprname) FROM pg_operator o JOIN m ON m.classid = 'pg_operator'::regclass
                AND m.objid = o.oid),
  -- pgvector's opclasses for ivfsq are made by hardneg (in its schema) when both are installed
  'opclasses', (SELECT json_agg(DISTINCT c.opcname) FROM pg_opclass c JOIN m ON m.classid = 'pg_opclass'::regclass
                AND m.objid = c.oid),
  'ivfsq_opclasses', (SELECT json_agg(DISTINCT c.opcname) FROM pg_opclass c, x
                      WHERE c.opcnamespace = x.extnamespace AND c.opcmethod = (SELECT oid FROM pg_am WHERE amname = 'ivfsq')),
  'embedding_operators', (SELECT json_agg(DISTINCT o.oprname) FROM pg_operator o JOIN m ON m.classid = 'pg_operator'::regclass
                          AND m.objid = o.oid JOIN pg_depend r ON r.classid = 'pg_type'::regclass AND r.objid = o.oprresult
                          AND r.refclassid = 'pg_extension'::regclass AND r.refobjid = (SELECT oid FROM x) AND r.deptype = 'e'),
  'catalog_opclasses', (SELECT json_agg(DISTINCT opcname) FROM pg_opclass, x WHERE opcnamespace <> x.extnamespace),
  'relations', (SELECT json_agg(DISTINCT c.relname) FROM pg_class c JOIN m ON m.classid = 'pg_class'::regclass
                AND m.objid = c.oid),
  'catalog_functions', (SELECT json_agg(DISTINCT proname) FROM pg_proc, x
                        WHERE pronamespace <> x.extnamespace),
  'pg_catalog_functions', (SELECT json_agg(DISTINCT proname) FROM pg_proc
                           WHERE pronamespace = 'pg_catalog'::regnamespace),
  -- names some other schema has too (pg_catalog's avg(integer), pgvector's <=>): hardneg's only
  -- where an operand is visibly of hardneg's type
  'catalog_operators', (SELECT json_agg(DISTINCT oprname) FROM pg_operator, x
                        WHERE oprnamespace <> x.extnamespace))
"""

# words after which an identifier is not a column's type (SELECT embedding, ...)
KEYWORDS = set("""
all analyse analyze and any array as asc asymmetric both by case cast check collate column constraint
create current_date current_role current_time current_timestamp current_user default deferrable desc
distinct do else end except false fetch for foreign from grant group having in initially intersect
into lateral leading limit localtime localtimestamp not null offset on only or order placing primary
references returning select session_user some symmetric table then to trailing true union unique user
using variadic when where window with is isnull notnull like ilike similar between values set update
delete insert join left right full inner outer cross natural over partition filter within escape
exists row rows range distinct if perform return raise execute loop while exit continue declare begin
into strict elsif index on include nulls first last key
""".split())
OP_CHARS = set("+-*/<>=~!@#%^&|`?")
CREATE_SCHEMA = "CREATE SCHEMA IF NOT EXISTS %s; "
COMMON_OPS = {"=", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "||"}
REG_TYPES = {"regtype", "regprocedure", "regproc", "regoperator", "regoper", "regclass"}


class Names:
    def __init__(self, path, schema):
        d = json.load(open(path, encoding="utf-8"))
        get = lambda k: set(d.get(k) or [])
        self.schema = schema
        self.q = quote_ident(schema)
        self.types = get("types")
        self.opclasses = get("opclasses")
        self.ivfsq_opclasses = get("ivfsq_opclasses")
        # names another schema has too (pgvector's vector_cosine_ops for hnsw): hardneg's only after USING ivfsq
        self.catalog_opclasses = get("catalog_opclasses")
        self.relations = get("relations")
        catalog = get("catalog_functions")
        fns = get("functions")
        # avg(embedding), sum(embedding): pg_catalog has avg(integer) too; only a visibly
        # embedding-typed argument decides
        self.functions = fns - catalog
        self.shared_functions = fns & catalog
        # shared with another extension only (pgvector's l2_distance): hardneg's for a literal too
        self.extension_functions = self.shared_functions - get("pg_catalog_functions")
        ops = get("operators")
        self.operators = ops - get("catalog_operators")
        self.shared_operators = ops & get("catalog_operators")
        # hardneg's operators none of whose forms returns a hardneg type (<->, =): an argument
        # built with one is no embedding
        self.scalar_operators = ops - get("embedding_operators")


def quote_ident(name):
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------- tokenizer

class Tok:
    __slots__ = ("kind", "text", "start", "end", "body")

    def __init__(self, kind, text, start, end, body=None):
        self.kind, self.text, self.start, self.end, self.body = kind, text, start, end, body

    def low(self):
        return self.text.lower()


DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
IDENT = re.compile(r"[A-Za-z_\x80-\U0010ffff][A-Za-z0-9_$\x80-\U0010ffff]*")
NUMBER = re.compile(r"(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")


def tokenize(s, psql=True):
    """PostgreSQL's lexical rules, plus psql's backslash commands (to the end of the line)."""
    toks, i, n = [], 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            j = i
            while j < n and s[j].isspace():
                j += 1
            toks.append(Tok("ws", s[i:j], i, j))
        elif s.startswith("--", i):
            j = s.find("\n", i)
            j = n if j < 0 else j
            toks.append(Tok("comment", s[i:j], i, j))
        elif s.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if s.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif s.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            toks.append(Tok("comment", s[i:j], i, j))
        elif c == "'" or (c in "eEbBxXuUnN" and s.startswith("'", i + 1)) or \
                (c in "uU" and s.startswith("&'", i + 1)):
            prefix = s[i:s.index("'", i)]
            esc = prefix.lower() == "e"
            j = i + len(prefix) + 1
            while j < n:
                if esc and s[j] == "\\":
                    j += 2
                    continue
                if s[j] == "'":
                    if s.startswith("''", j):
                        j += 2
                        continue
                    break
                j += 1
            j = min(j + 1, n)
            kind = "str" if prefix == "" else "xstr"
            toks.append(Tok(kind, s[i:j], i, j, (i + len(prefix) + 1, j - 1)))
        elif c == "$" and DOLLAR.match(s, i) and not (toks and toks[-1].kind == "ident" and toks[-1].end == i):
            tag = DOLLAR.match(s, i).group(0)
            k = s.find(tag, i + len(tag))
            j = n if k < 0 else k + len(tag)
            toks.append(Tok("dollar", s[i:j], i, j, (i + len(tag), j - len(tag) if k >= 0 else n)))
        elif c == '"':
            j = i + 1
            while j < n:
                if s[j] == '"':
                    if s.startswith('""', j):
                        j += 2
                        continue
                    break
                j += 1
            toks.append(Tok("qident", s[i:j + 1], i, j + 1))
            i = j + 1
            continue
        elif psql and c == "\\":
            j = s.find("\n", i)
            j = n if j < 0 else j
            toks.append(Tok("meta", s[i:j], i, j))
        elif psql and c == ":" and not s.startswith("::", i) and i + 1 < n and (s[i + 1] in "'\"" or
                                                                               IDENT.match(s, i + 1)):
            if s[i + 1] in "'\"":
                k = s.find(s[i + 1], i + 2)
                j = n if k < 0 else k + 1
            else:
                j = IDENT.match(s, i + 1).end()
            toks.append(Tok("var", s[i:j], i, j))
        elif IDENT.match(s, i) and not c.isdigit():
            j = IDENT.match(s, i).end()
            toks.append(Tok("ident", s[i:j], i, j))
        elif c.isdigit() or (c == "." and i + 1 < n and s[i + 1].isdigit()):
            j = NUMBER.match(s, i).end()
            toks.append(Tok("num", s[i:j], i, j))
        elif s.startswith("::", i) or s.startswith(":=", i):
            toks.append(Tok("punct", s[i:i + 2], i, i + 2))
            i += 2
            continue
        elif c in OP_CHARS:
            j = i
            while j < n and s[j] in OP_CHARS and not s.startswith("--", j) and not s.startswith("/*", j):
                j += 1
            op = s[i:j]
            # a multi-character operator ends in + or - only if it has one of ~ ! @ # % ^ & | ` ?
            while len(op) > 1 and op[-1] in "+-" and not set(op) & set("~!@#%^&|`?"):
                op = op[:-1]
            toks.append(Tok("op", op, i, i + len(op)))
            i += len(op)
            continue
        else:
            toks.append(Tok("punct", c, i, i + 1))
        i = toks[-1].end
    return toks


# ---------------------------------------------------------------- rewriter

class Rewriter:
    def __init__(self, names, tmpdir=None):
        self.n = names
        self.tmpdir = tmpdir
        # HN_OFFPATH_COLUMNS: names of embedding columns declared elsewhere (demo/load.sql's)
        self.columns = set(os.environ.get("HN_OFFPATH_COLUMNS", "").split())
        self.pgvector_columns = False

    def learn_columns(self, s):
        """Names the text gives to values of hardneg's type (v embedding, x::embedding AS v): an
        aggregate that pg_catalog also has (sum, avg) is hardneg's when applied to one of them."""
        types = "|".join(re.escape(t) for t in self.n.types) or "(?!)"
        # a test may name more: "-- offpath: s a are embeddings" (values the text cannot show)
        for m in re.finditer(r"--\s*offpath:\s*([a-z_][a-z0-9_ ,]*?)\s+(?:is|are)\s+embeddings?\b", s):
            self.columns.update(w for w in re.split(r"[\s,]+", m.group(1)) if w)
        s = "".join(" " if t.kind == "comment" else t.text for t in tokenize(s))
        for m in re.finditer(r"(?i)(?<![.\w])([a-z_][a-z0-9_]*)\s+(?:%s)\b(?!\s*\.)" % types, s):
            if m.group(1).lower() not in KEYWORDS:
                self.columns.add(m.group(1).lower())
        for m in re.finditer(r"(?i)::\s*(?:%s)\s*(?:\(\s*\d+\s*\))?\s+AS\s+([a-z_][a-z0-9_]*)" % types, s):
            self.columns.add(m.group(1).lower())
        # a name the text declares with pgvector's types is not one (docs/pgvector.md: embedding vector(512))
        for m in re.finditer(r"(?i)(?<![.\w])([a-z_][a-z0-9_]*)\s+(?:vector|halfvec|sparsevec)\s*(?:\(\s*\d|[,)\[]|not\b)", s):
            self.columns.discard(m.group(1).lower())
            self.pgvector_columns = True

    def sql(self, s, psql=True, base=None):
        toks = tokenize(s, psql)
        sig = [k for k, t in enumerate(toks) if t.kind not in ("ws", "comment")]
        pos = {k: p for p, k in enumerate(sig)}
        out = []      # (position in s, text to insert before it) or replacements
        repl = {}     # token index -> new text
        S = self.n.q

        def at(p):
            return toks[sig[p]] if 0 <= p < len(sig) else None

        def word(p):
            t = at(p)
            return t.low() if t is not None and t.kind == "ident" else None

        parens = []   # the word before each open (
        for p, k in enumerate(sig):
            t = toks[k]
            prev, nxt = at(p - 1), at(p + 1)
            after_dot = prev is not None and prev.text == "."
            if t.text in "([":
                parens.append(word(p - 1))
            elif t.text in ")]" and parens:
                parens.pop()
            if t.kind == "ident" and not after_dot and not (nxt is not None and nxt.text == "."):
                w = t.low()
                if nxt is not None and nxt.text == "(" and (w in self.n.functions or
                                                            (w in self.n.shared_functions and
                                                             self.typed_args(p + 1, at, s))):
                    if not self.being_created(p, word):
                        repl[k] = S + "." + t.text
                elif w in self.n.types and self.type_position(p, at, word, parens):
                    repl[k] = S + "." + t.text
                elif (w in self.n.opclasses - self.n.catalog_opclasses or
                      (w in self.n.ivfsq_opclasses and self.using_ivfsq(p, word, at))) \
                        and prev is not None and (prev.kind in ("ident", "qident") or
                                                                     prev.text == ")") \
                        and (nxt is None or nxt.text in (")", ",") or nxt.kind == "ident"):
                    repl[k] = S + "." + t.text
                elif w in self.n.relations and word(p - 1) in ("from", "join", "into", "table", "update"):
                    repl[k] = S + "." + t.text
                elif w == "extension" and word(p - 1) == "create":
                    self.extension(p, at, word, repl, sig, psql)
            elif t.kind == "op" and not (prev is not None and prev.low() == "operator") and \
                    not (t.text == "=" and self.assignment(p, word, at)):
                if t.text in self.n.operators or (t.text in self.n.shared_operators and
                                                  self.typed_operands(p, at)):
                    new = "OPERATOR(%s.%s)" % (S, t.text)
                    if t.start > 0 and (s[t.start - 1].isalnum() or s[t.start - 1] in "_\"'$"):
                        new = "/**/" + new
                    repl[k] = new
            elif t.kind == "str" and nxt is not None and nxt.text == "::" and word(p + 2) in REG_TYPES:
                repl[k] = self.string(t, s, lambda body: self.reg_literal(body, word(p + 2)))
            elif t.kind == "str" and prev is not None and prev.text == "(" and (word(p - 2) or "")[3:] in REG_TYPES \
                    and (word(p - 2) or "").startswith("to_") and nxt is not None and nxt.text == ")":
                repl[k] = self.string(t, s, lambda body: self.reg_literal(body, word(p - 2)[3:]))
            elif t.kind == "str" and s[t.body[0]:t.body[1]] in self.n.operators | self.n.shared_operators \
                    and s[t.body[0]:t.body[1]] not in COMMON_OPS and not self.pgvector_columns:
                # an operator handed over as text to be spliced into SQL (format('%s', '<=>')); not
                # where the text has pgvector columns, whose operators these are (pgvector_dropin)
                repl[k] = "'OPERATOR(%s.%s)'" % (S, s[t.body[0]:t.body[1]])
            elif t.kind == "str" and parens and parens[-1] == "has_function_privilege" and \
                    self.signature(s[t.body[0]:t.body[1]]):
                # 'hardneg_index_verify(regclass)' handed to has_function_privilege()
                repl[k] = self.string(t, s, lambda body: self.reg_literal(body, "regprocedure"))
            elif t.kind == "str" and self.holds_statement(s[t.body[0]:t.body[1]].replace("''", "'")):
                repl[k] = self.string(t, s, lambda body: self.sql(body, psql=False))
            elif t.kind == "xstr" and t.text[0] in "eE" and self.holds_statement(s[t.body[0]:t.body[1]]):
                # E'SELECT ...; -- it''s': a statement in an escape string (its escapes kept)
                repl[k] = self.escape_string(t, s, lambda body: self.sql(body, psql=False))
            elif t.kind == "dollar":
                a, b = t.body
                repl[k] = s[t.start:a] + self.sql(s[a:b], psql=False) + s[b:t.end]
            elif t.kind == "meta":
                repl[k] = self.meta(t.text, base)
        res, last = [], 0
        for k in sorted(repl):
            t = toks[k]
            res.append(s[last:t.start])
            res.append(repl[k])
            last = t.end
        res.append(s[last:])
        return "".join(res)

    @staticmethod
    def string(t, s, fn):
        a, b = t.body
        body = s[a:b].replace("''", "'")
        return s[t.start:a] + fn(body).replace("'", "''") + s[b:t.end]

    @staticmethod
    def escape_string(t, s, fn):
        """fn on the statement an E'...' literal spells: its escapes \\\\ and \\' become
        placeholders the rewriter leaves alone (it only inserts names), and come back after."""
        a, b = t.body
        body = s[a:b].replace("\\\\", "\0B").replace("\\'", "\0Q").replace("''", "'")
        body = fn(body).replace("'", "''").replace("\0Q", "\\'").replace("\0B", "\\\\")
        return s[t.start:a] + body + s[b:t.end]

    def signature(self, body):
        m = re.fullmatch(r"\s*([a-z_][a-z0-9_]*)\s*\(\s*([a-z_][a-z0-9_ ]*(\[\])?(\s*,\s*[a-z_][a-z0-9_ ]*(\[\])?)*)?\s*\)\s*",
                         body)
        return bool(m) and m.group(1) in self.n.functions

    @staticmethod
    def holds_statement(body):
        m = re.match(r"\s*(\(\s*)*([A-Za-z]+)", body)
        return bool(m) and m.group(2).lower() in (
            "select", "with", "values", "table", "insert", "update", "delete", "create", "drop", "alter",
            "explain", "copy", "do", "call", "set", "reset", "comment", "grant", "revoke", "analyze",
            "vacuum", "reindex", "prepare", "execute", "refresh", "truncate", "begin", "savepoint")

    def reg_literal(self, body, reg):
        b = body.strip()
        if "." in b.split("(")[0]:
            return body
        S = self.n.q
        if reg == "regtype":
            base = re.match(r"[A-Za-z_][A-Za-z0-9_]*", b)
            return (S + "." + b) if base and base.group(0).lower() in self.n.types else body
        if reg in ("regprocedure", "regproc"):
            name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", b)
            if not name or name.group(0).lower() not in self.n.functions | self.n.shared_functions:
                return body
            if reg == "regprocedure" and "(" in b:
                head, args = b.split("(", 1)
                args = re.sub(r"\b([A-Za-z_][A-Za-z0-9_]*)\b",
                              lambda m: S + "." + m.group(1) if m.group(1).lower() in self.n.types else m.group(1),
                              args)
                return S + "." + head + "(" + args
            return S + "." + b
        if reg in ("regoperator", "regoper"):
            m = re.match(r"([+\-*/<>=~!@#%^&|`?]+)(.*)", b, re.S)
            if m and m.group(1) in self.n.operators | self.n.shared_operators:
                rest = re.sub(r"\b([A-Za-z_][A-Za-z0-9_]*)\b",
                              lambda x: S + "." + x.group(1) if x.group(1).lower() in self.n.types else x.group(1),
                              m.group(2))
                return S + "." + m.group(1) + rest
        if reg == "regclass" and b.lower() in self.n.relations:
            return S + "." + b
        return body

    @staticmethod
    def assignment(p, word, at):
        """The = of UPDATE ... SET col = value."""
        q, depth = p - 1, 0
        while at(q) is not None and at(q).text != ";":
            t = at(q)
            depth += (t.text == ")") - (t.text == "(")
            if depth < 0:
                return False
            if depth == 0 and word(q) in ("where", "from", "returning", "select", "on"):
                return False
            if depth == 0 and word(q) == "set":
                return True
            q -= 1
        return False

    @staticmethod
    def using_ivfsq(p, word, at):
        q = p - 1
        while at(q) is not None and at(q).text != ";":
            if word(q) == "using":
                return word(q + 1) == "ivfsq"
            q -= 1
        return False

    @staticmethod
    def being_created(p, word):
        # CREATE [OR REPLACE] FUNCTION|PROCEDURE|AGGREGATE name: the test's own object
        return word(p - 1) in ("function", "procedure", "aggregate") and word(p - 2) in ("create", "replace")

    def type_position(self, p, at, word, parens):
        prev, nxt = at(p - 1), at(p + 1)
        if prev is None:
            return False
        if prev.text == "::":
            return True
        pw = word(p - 1)
        if pw == "as" and (parens and parens[-1] == "cast" or "domain" in (word(p - 3), word(p - 5))):
            return True
        if pw in ("returns", "setof", "type") and not (word(p - 2) == "create" and pw == "type"):
            return True
        if nxt is not None and nxt.kind == "str" and pw not in ("as",):
            return True   # embedding '[1,2]': a typed literal
        follow = nxt is None or nxt.text in (",", ")", "[", "(", ";", ":=", "=") or \
            (nxt.kind == "ident" and nxt.low() in ("not", "null", "default", "check", "references", "primary",
                                                   "unique", "collate", "generated", "constraint", "array"))
        return follow and prev.kind in ("ident", "qident") and (prev.kind == "qident" or pw not in KEYWORDS)

    def is_type_end(self, p, at):
        """Tokens ending at p spell ::<hardneg type> (or ::S.type)."""
        t = at(p)
        if t is None or t.kind != "ident" or t.low() not in self.n.types:
            return False
        q = p - 1
        if at(q) is not None and at(q).text == "." and at(q - 1) is not None:
            q -= 2
        return at(q) is not None and at(q).text == "::"

    def typed_operands(self, p, at):
        """An operand is cast to hardneg's type or is a name the text gives to values of it
        (learn_columns), and the other is not visibly of another type.  A wrong guess fails
        loudly either way: hardneg's schema has operators on its own type only."""
        before, after = self.typed_before(p, at), self.typed_after(p + 1, at)
        if not (before or after):
            return False
        if before and not after:
            q = self.operand_end(p + 1, at)
            other = q is not None and self.cast_chain(q, at) is not None or (at(p + 1) is not None and
                                                                            at(p + 1).kind == "num")
        elif after and not before:
            other = (at(p - 2) is not None and at(p - 2).text == "::") or (at(p - 1) is not None and
                                                                          at(p - 1).kind == "num")
        else:
            other = False
        return not other

    def typed_before(self, p, at):
        q = p - 1
        while at(q) is not None and at(q).text == "]" and at(q - 1) is not None and at(q - 1).text == "[":
            q -= 2
        t = at(q)
        if t is not None and t.kind == "ident" and t.low() in self.columns and \
                not (at(q - 1) is not None and at(q - 1).text == "::"):
            return "column"
        return "cast" if self.is_type_end(q, at) else None

    def typed_after(self, p, at):
        """The operand starting at p is visibly cast to hardneg's type (or a typed literal)."""
        t = at(p)
        if t is None:
            return False
        if t.kind == "ident" and t.low() in self.n.types and at(p + 1) is not None and at(p + 1).kind == "str":
            return "cast"
        q = self.operand_end(p, at)
        if q is not None and at(q).kind == "ident" and at(q).low() in self.columns and \
                not (at(q + 1) is not None and at(q + 1).text in ("(", "::")):
            return "column"
        if q is not None and self.cast_chain(q, at) in self.n.types:
            return "cast"
        return None

    @staticmethod
    def cast_chain(q, at):
        """The type of the last of the casts (::t(n)[] ...) after the operand ending at q."""
        last = None
        while at(q + 1) is not None and at(q + 1).text == "::" and at(q + 2) is not None:
            q += 2
            while at(q + 1) is not None and at(q + 1).text == "." and at(q + 2) is not None:
                q += 2
            last = at(q).low()
            if at(q + 1) is not None and at(q + 1).text == "(":
                q = Rewriter.operand_end(q + 1, at) or q
            while at(q + 1) is not None and at(q + 1).text == "[" and at(q + 2) is not None and at(q + 2).text == "]":
                q += 2
                last += "[]"
        return last

    @staticmethod
    def operand_end(p, at):
        t = at(p)
        if t is None:
            return None
        if t.kind == "ident" and t.low() == "array" and at(p + 1) is not None and at(p + 1).text == "[":
            p += 1
            t = at(p)
        if t.text in "([":
            depth, q = 0, p
            while at(q) is not None:
                if at(q).text in "([":
                    depth += 1
                elif at(q).text in ")]":
                    depth -= 1
                    if depth == 0:
                        return q
                q += 1
            return None
        q = p
        while at(q + 1) is not None and at(q + 1).text == "." and at(q + 2) is not None:
            q += 2
        if at(q + 1) is not None and at(q + 1).text == "(":
            return Rewriter.operand_end(q + 1, at)
        return q

    def typed_args(self, p, at, s):
        """avg(x::embedding), avg(e) of a column of hardneg's type (learn_columns), avg(e) in a
        statement that casts to hardneg's type (FROM (VALUES ('[1]'::embedding)) v(e))."""
        q = Rewriter.operand_end(p, at)
        if q is None:
            return False
        depth = 0
        for r in range(p, q):
            t = at(r)
            depth += (t.text in ("(", "[")) - (t.text in (")", "]"))
            if depth == 1 and t.kind == "op" and t.text in self.n.scalar_operators:
                return False   # avg(d.embedding <-> c.centroid): a distance, not an embedding
        depth = 0
        for r in range(p, q):
            t = at(r)
            depth += t.text in "([" and 1 or 0
            depth -= t.text in ")]" and 1 or 0
            if depth != 1:
                continue   # only the arguments themselves, not subqueries inside them
            if self.is_type_end(r, at) and at(r + 1).text in (",", ")"):
                return True
            if t.kind == "ident" and t.low() in self.columns and at(r + 1).text not in ("(", "::", ".") and \
                    at(r - 1).text in ("(", ",", "."):
                return True   # l2_normalize(e), l2_normalize(e + d)
        if at(p).text == "(" and at(p - 1).low() in self.n.extension_functions and at(p + 1).kind == "str" \
                and not self.pgvector_columns \
                and at(p + 2).text in (",", ")"):
            return True
        if q - p != 2 or at(p + 1).kind != "ident":
            return False
        a, b = s.rfind(";", 0, at(p).start), s.find(";", at(q).end)
        stmt = s[a + 1:b if b >= 0 else len(s)]
        return any(re.search(r"(?i)::\s*%s\b" % re.escape(t), stmt) for t in self.n.types)

    def extension(self, p, at, word, repl, sig, top):
        # CREATE EXTENSION [IF NOT EXISTS] hardneg [WITH] [SCHEMA s] ...: into the schema
        q = p + 1
        if word(q) == "if":
            q += 3
        t = at(q)
        if t is None or t.low() not in ("hardneg", '"hardneg"'):
            return
        r = q + 1
        while at(r) is not None and at(r).text != ";":
            if word(r) == "schema":
                return
            r += 1
        repl[sig[q]] = t.text + " SCHEMA " + self.n.q
        if top:
            # a fresh database (cluster suites) has no such schema yet
            repl[sig[p - 1]] = CREATE_SCHEMA % self.n.q + at(p - 1).text

    def meta(self, text, base):
        m = re.match(r"\\(i|ir|include|include_relative)\s+(\S+)\s*$", text)
        if m and self.tmpdir:
            path = m.group(2).strip("'")
            if m.group(1) in ("ir", "include_relative") and base:
                path = os.path.join(os.path.dirname(base), path)
            return "\\i " + self.file(path)
        m = re.match(r"(\\copy\s+)(\(.*)", text, re.S)
        if m:
            return m.group(1) + self.sql(m.group(2), psql=False)
        return text

    def file(self, path):
        path = os.path.abspath(path)
        src = open(path, encoding="utf-8").read()
        self.learn_columns(src)
        fd, out = tempfile.mkstemp(prefix=os.path.basename(path) + ".", dir=self.tmpdir, text=True)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(self.sql(src, base=path))
        os.chmod(out, 0o644)
        return out


# ---------------------------------------------------------------- normalizer

def normalizer(schema):
    q = re.escape(schema)     # a plain identifier (test/run.sh checks)
    pat = re.compile(r"(?:/\*\*/)?OPERATOR\(%s\.([^)\s]+)\)(?:/\*\*/)?|\b%s\.| SCHEMA %s\b|%s"
                     % (q, q, q, re.escape(CREATE_SCHEMA % schema)))

    def norm_line(line):
        """The line without the qualifications, and for each output column its input column."""
        out, cols, last = [], [], 0
        for m in pat.finditer(line):
            out.append(line[last:m.start()])
            cols.extend(range(last, m.start()))
            if m.group(1):
                out.append(m.group(1))
                cols.extend(range(m.start(), m.start() + len(m.group(1))))
            last = m.end()
        out.append(line[last:])
        cols.extend(range(last, len(line) + 1))
        return "".join(out), cols

    state = {"cols": None}    # the column map of the last "LINE n: ..." line

    def lines_out(lines):
        for line in lines:
            prev_cols = state["cols"]
            if prev_cols is not None and re.fullmatch(r" *\^\n?", line):
                # the caret under "LINE n: ..." points into the rewritten text
                col = line.index("^")
                new = sum(1 for c in prev_cols[:-1] if c < col)
                state["cols"] = None
                yield " " * new + line[col:]
                continue
            text, cols = norm_line(line)
            state["cols"] = cols if re.match(r"(LINE \d+: |QUERY: |CONTEXT: )", line) else None
            yield text

    def run(lines):
        """Lines as psql printed them; an aligned table whose cells lost a qualification is
        laid out again at the widths psql would have chosen for the shorter text."""
        held = []
        for line in lines:
            if held and SEPARATOR.fullmatch(line.rstrip("\n")) and not held[-1].startswith(("-", "(")):
                header = held.pop()
                yield from lines_out(held)
                held = [header, line]
                continue
            if len(held) >= 2 and SEPARATOR.fullmatch(held[1].rstrip("\n")):
                if re.fullmatch(r"\(\d+ rows?\)\n?", line) or not line.strip():
                    yield from table(held, norm_line)
                    held = []
                    yield from lines_out([line])
                else:
                    held.append(line)
                continue
            yield from lines_out(held)
            held = [line]
        if len(held) >= 2 and SEPARATOR.fullmatch(held[1].rstrip("\n")):
            yield from table(held, norm_line)
        else:
            yield from lines_out(held)
    return run


SEPARATOR = re.compile(r"-+(\+-+)*")


def table(block, norm_line):
    """Re-aligns psql's aligned output (header, separator, rows) after normalization."""
    seps = block[1].rstrip("\n").split("+")
    widths = [len(x) - 2 for x in seps]
    # segment boundaries in the raw lines: " cell |" pieces of width w+2 joined by "|"
    bounds, pos = [], 0
    for x in seps:
        bounds.append((pos, pos + len(x)))
        pos += len(x) + 1
    rows = [[r.rstrip("\n")[a:b] for a, b in bounds] for r in [block[0]] + block[2:]]
    if any(" +" in "".join(r) or "|" in "".join(c for c in r) for r in rows[1:]):
        return [norm_line(x)[0] for x in block]          # multi-line cells: leave as they are
    new = [[norm_line(c)[0] for c in r] for r in rows]
    if new == rows:
        return [norm_line(x)[0] for x in block]
    num = re.compile(r"-?(\d+\.?\d*(e[+-]?\d+)?|NaN|-?Infinity)")
    right = []
    for j in range(len(seps)):
        cells = [r[j] for r in rows[1:] if r[j].strip()]
        right.append(bool(cells) and all(num.fullmatch(c.strip()) for c in cells))
    # a left-aligned cell keeps its own leading spaces (EXPLAIN's indentation)
    vals = [[c.strip() for c in new[0]]] + [[c.strip() if right[j] else c[1:].rstrip() for j, c in enumerate(r)]
                                           for r in new[1:]]
    w = [max(len(r[j]) for r in vals) for j in range(len(seps))]
    out = []
    hdr = []
    for j, h in enumerate(vals[0]):
        left = (w[j] - len(h)) // 2
        hdr.append(" " + " " * left + h + " " * (w[j] - len(h) - left) + " ")
    out.append("|".join(hdr) + "\n")
    out.append("+".join("-" * (x + 2) for x in w) + "\n")
    for r in vals[1:]:
        cells = []
        for j, c in enumerate(r):
            last = j == len(r) - 1
            if right[j]:
                cells.append(" " + c.rjust(w[j]) + " ")
            else:
                cells.append(" " + (c if last else c.ljust(w[j]) + " "))
        out.append("|".join(cells).rstrip(" ") + "\n")
    return out


# ---------------------------------------------------------------- psycopg hook

def patch_psycopg(columns=()):
    """Python tests and the docs' Python examples send their SQL through psycopg, not psql: off
    the path (HN_EXT_SCHEMA set) every statement a psycopg cursor sends goes through the same
    Rewriter as the psql wrapper's input.  Callers: test/fuzz.py, test/doctest.py's prologue.
    columns: names of embedding columns the statements use but do not declare (learn_columns).
    Returns the Rewriter (None on the path), whose .n.q is the quoted schema."""
    if not os.environ.get("HN_EXT_SCHEMA") or os.environ.get("HN_EXT_ON_PATH"):
        return None
    import psycopg
    rw = Rewriter(Names(os.environ["HN_OFFPATH_NAMES"], os.environ["HN_EXT_SCHEMA"]),
                  os.environ.get("HN_OFFPATH_TMP"))
    rw.columns.update(columns)

    def text(query, cur):
        if isinstance(query, (bytes, bytearray)):
            query = bytes(query).decode("utf-8")
        elif not isinstance(query, str):
            query = query.as_string(cur)      # psycopg.sql.Composable
        rw.learn_columns(query)
        return rw.sql(query, psql=False)

    def wrap(cls, name):
        orig = cls.__dict__[name]
        if getattr(orig, "_hn_offpath", False):
            return

        def method(self, query, *args, **kwargs):
            return orig(self, text(query, self), *args, **kwargs)
        method._hn_offpath = True
        method.__doc__ = orig.__doc__
        setattr(cls, name, method)
    # Connection.execute calls Cursor.execute; ServerCursor has an execute of its own
    for cls, name in ((psycopg.Cursor, "execute"), (psycopg.Cursor, "executemany"), (psycopg.Cursor, "stream"),
                      (psycopg.Cursor, "copy"), (psycopg.ServerCursor, "execute")):
        wrap(cls, name)
    return rw


# ---------------------------------------------------------------- psql wrapper

def statements(src):
    """The text read from src, in pieces that end at a line break after a complete statement (a
    top-level ';' or a backslash command) outside quotes and comments: what is rewritten alone
    sees each statement whole."""
    buf = ""
    for raw in iter(src.readline, b""):
        buf += raw.decode("utf-8", "surrogateescape")
        if not buf.endswith("\n"):
            continue
        toks = tokenize(buf)
        sig = [t for t in toks if t.kind not in ("ws", "comment")]
        if toks[-1].kind == "comment" and toks[-1].text.startswith("/*") and not toks[-1].text.endswith("*/"):
            continue
        if sig and (sig[-1].text == ";" or sig[-1].kind == "meta"):
            yield buf
            buf = ""
    if buf:
        yield buf


def run_psql(real, args, names, schema, tmpdir):
    rw = Rewriter(names, tmpdir)
    new, i, reads_stdin = [], 0, True
    with_arg = set("cdfFhLopPRTUv")
    while i < len(args):
        a = args[i]
        if a in ("-c", "--command") and i + 1 < len(args):
            rw.learn_columns(args[i + 1])
            new += [a, rw.sql(args[i + 1])]
            i += 2
            reads_stdin = False
            continue
        if a.startswith("--command="):
            new.append("--command=" + rw.sql(a[len("--command="):]))
            reads_stdin = False
        elif a in ("-f", "--file") and i + 1 < len(args):
            new += [a, args[i + 1] if args[i + 1] == "-" else rw.file(args[i + 1])]
            reads_stdin = args[i + 1] == "-"
            i += 2
            continue
        elif a.startswith("--file="):
            new.append("--file=" + rw.file(a[len("--file="):]))
            reads_stdin = False
        elif re.match(r"-[A-Za-z]", a) and not a.startswith("--"):
            # bundled short options, as getopt reads them: -Atc 'SELECT ...'
            for k in range(1, len(a)):
                if a[k] not in with_arg:
                    continue
                value, rest = a[k + 1:], a[:k + 1]
                if not value and i + 1 < len(args):
                    i += 1
                    value = args[i]
                if a[k] == "c":
                    rw.learn_columns(value)
                    value = rw.sql(value)
                    reads_stdin = False
                elif a[k] == "f":
                    reads_stdin = value == "-"
                    value = value if value == "-" else rw.file(value)
                new += [rest, value]
                break
            else:
                new.append(a)
        else:
            new.append(a)
        i += 1
    data = stream = None
    if reads_stdin and not sys.stdin.isatty():
        if stat.S_ISREG(os.fstat(0).st_mode):
            # a file (pg_regress's input): read whole, names it declares anywhere known everywhere
            text = sys.stdin.read()
            rw.learn_columns(text)
            data = rw.sql(text).encode("utf-8")
        else:
            # a pipe may never end (test/cluster.d/index_crash's writers): statement by statement
            stream = sys.stdin.buffer
    norm = normalizer(schema)
    same = os.fstat(1).st_ino == os.fstat(2).st_ino and os.fstat(1).st_dev == os.fstat(2).st_dev
    proc = subprocess.Popen([real] + new, stdin=subprocess.PIPE if data is not None or stream else None,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if same else subprocess.PIPE)

    def pump(src, dst):
        for line in norm(iter(lambda: src.readline().decode("utf-8", "surrogateescape"), "")):
            dst.write(line.encode("utf-8", "surrogateescape"))
            dst.flush()
    threads = [threading.Thread(target=pump, args=(proc.stdout, sys.stdout.buffer))]
    if not same:
        threads.append(threading.Thread(target=pump, args=(proc.stderr, sys.stderr.buffer)))
    for t in threads:
        t.start()
    try:
        if data is not None:
            proc.stdin.write(data)
        elif stream is not None:
            for chunk in statements(stream):
                rw.learn_columns(chunk)
                proc.stdin.write(rw.sql(chunk).encode("utf-8", "surrogateescape"))
                proc.stdin.flush()
        if proc.stdin is not None:
            proc.stdin.close()
    except BrokenPipeError:
        pass
    for t in threads:
        t.join()
    return proc.wait()


def main():
    cmd = sys.argv[1]
    schema = os.environ["HN_EXT_SCHEMA"]
    if cmd == "names-sql":
        print(NAMES_SQL)
        return 0
    if cmd == "normalize":
        sys.stdout.writelines(normalizer(schema)(sys.stdin))
        return 0
    names = Names(os.environ["HN_OFFPATH_NAMES"], schema)
    tmpdir = os.environ.get("HN_OFFPATH_TMP") or tempfile.gettempdir()
    if cmd == "rewrite":
        rw = Rewriter(names, tmpdir)
        text = open(sys.argv[2], encoding="utf-8").read()
        rw.learn_columns(text)
        sys.stdout.write(rw.sql(text, base=os.path.abspath(sys.argv[2])))
        return 0
    if cmd == "psql":
        return run_psql(sys.argv[2], sys.argv[3:], names, schema, tmpdir)
    raise SystemExit("offpath.py: unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
