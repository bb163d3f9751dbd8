#!/usr/bin/python3
"""Fuzz every public object of the hardneg extension with hostile arguments.

Objects are enumerated from the catalog (pg_depend of the extension):
functions and aggregates with their argument types, operators, casts and
the binary input function of every type, so a new function is covered
without editing this file.  Arguments come from generators per type:
NULLs, empty and huge strings, hostile text, embeddings of 0/1/16000/16001
and mismatched dimensions, NaN/Infinity/-0/denormals, huge k and counts,
query strings with wrong, missing and mistyped columns over data with
duplicate and conflicting judgments, impostor types (a domain named vector
over bytea), and random bytes for the binary input functions.

Pass: no backend crash, no internal error (class XX: XX000 internal_error,
XX001 data_corrupted never comes from a value a constructor built), every
error's SQLSTATE in ALLOWED (docs/reliability.md).  The caller checks the
server log (test/cluster.d/fuzz).

Usage: /usr/bin/python3 test/fuzz.py DBNAME   (libpq environment for the
connection).  HN_FUZZ_CALLS (default 3000) and HN_FUZZ_SEED (default 1)
choose the run; prints one summary line and a line per failure.
"""
import os
import random
import struct
import sys
import time

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tools'))
import offpath  # noqa: E402

# HN_EXT_SCHEMA (test/run.sh): hardneg off the search_path; every statement sent goes through
# test/tools/offpath.py's rewriter, which qualifies hardneg's names as the psql suites have them
OFFPATH = offpath.patch_psycopg()

# SQLSTATEs a hostile call may end with: bad data (22), wrong SQL in a query
# string (42), limits (53, 54), unsupported (0A), prerequisite state (55),
# cancellation by the per-call timeout (57014), protocol (08P01: binary
# input shorter than its header), PL/pgSQL RAISE without a code (P0001,
# counted separately: they should get a code of their own).
ALLOWED_CLASSES = ('22', '42', '53', '54', '0A', '55', '2F', '39', '3F', '23', '21', '2B')
ALLOWED_CODES = ('57014', '08P01', 'P0001', '25P02', '34000', '26000', '0L000', '44000')

SQL_COLUMNS = {
    # column name -> (canonical expression, mutations)
    'id': ('id', ['id::text', 'id::int', 'NULL::bigint', 'id::float8', "'x'", 'id % 3',
                  "E'q\\t\\\\''||id", 'id::numeric', 'true']),
    'query_id': ('query_id', ['query_id::text', 'NULL::bigint', 'query_id % 2', "'é'||query_id",
                              'query_id::float8', '9223372036854775807']),
    'doc_id': ('doc_id', ['doc_id::text', 'NULL::bigint', 'doc_id % 2', 'doc_id::uuid',
                          '-doc_id', 'doc_id::float8']),
    'relevance': ('relevance', ['relevance::float8', '-relevance', 'NULL::int', '2147483647',
                                '(relevance::bigint * 10000000000)', "'1'", 'relevance::numeric / 3']),
    'score': ('score', ["'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8", '-0.0::float8',
                        '1e-310::float8', 'NULL::float8', 'score::text', '1e308::float8', 'score::numeric']),
    'rank': ('rank', ['0', '-1', 'NULL::int', 'rank::bigint * 10000000000', 'rank::float8',
                      '2147483647', 'rank % 2']),
    'run_id': ('run_id', ["''", 'NULL::text', "E'r\\n\\\\'", 'run_id || repeat(\'x\', 3000)', '1']),
    'text_hash': ('text_hash', ["''", 'NULL::text', "repeat('h', 100000)", "E'\\t'"]),
    'embedding': ('embedding', ['embedding::real[]', 'embedding::float8[]', 'embedding::text',
                                'NULL::embedding', "'[1,2]'::embedding",
                                '(SELECT embedding FROM fz.imp LIMIT 1)',
                                "array_fill(0.5::real, ARRAY[16000])::embedding",
                                "'{}'::real[]", "'{{1,2},{3,4}}'::real[]", "'{1,NULL}'::real[]",
                                "'{NaN,1,2,3,4,5,6,7}'::float8[]", "'{1e39,0,0,0,0,0,0,0}'::float8[]",
                                'subvector(embedding, 1, 4)', 'embedding::bytea']),
}
SOURCES = ['fz.good', 'fz.hostile', 'fz.empty', 'fz.one']
OPTION_WORDS = ['l2', 'cosine', 'ip', 'exact', 'index', 'auto', 'ndcg', 'map', 'P_10', 'recip_rank',
                'ndcg_cut_10', 'paired_t', 'randomization', 'bootstrap', 'uniform', 'softmax', 'simans',
                'bins', 'top1_plus_uniform', 'create', 'drop', 'sbert', 'triplet', 'pairs', 'teacher',
                'knn', 'propensity', 'none', 'skip', 'error', 'zero', 'rank', 'score', 'cross_encoder',
                'platt', 'isotonic', 'L2', 'COSINE', 'exact ', 'ndcg,map', 'all_trec']
HOSTILE_TEXT = ['', ' ', "'", '"', "\\", "E'\\\\'", '\t\n\r', 'é漢字🙂', "'; SELECT 1; --",
                'x' * 100000, '\x01', '%s%n%d', 'NULL', 'SELECT', 'SELECT 1', 'VALUES (1)',
                'SELECT * FROM fz.nope', 'TABLE fz.good', 'DELETE FROM fz.good', 'SELECT 1; SELECT 2',
                'SELECT pg_sleep(0.001)', 'WITH x AS (SELECT 1) SELECT * FROM x']
FLOATS = ['0', '-0', '1', '-1', '0.5', 'NaN', 'Infinity', '-Infinity', '1e-310', '5e-324', '1e308',
          '-1e308', '1e-45', '3.4e38', '2', '100', '0.999999']
INTS = ['0', '1', '-1', '2', '3', '5', '10', '100', '1000', '16000', '16001', '2147483647', '-2147483648',
        '65536', '32768', '-32768']
BIGINTS = INTS + ['9223372036854775807', '-9223372036854775808', '4294967296']
ID_TYPES = ['NULL::text', 'NULL::bigint', 'NULL::integer', 'NULL::uuid', 'NULL::smallint', 'NULL::numeric',
            'NULL::embedding', 'NULL::boolean', 'NULL::bytea', "'x'::text", 'NULL::fz.vector']


class Rng(random.Random):
    def pick(self, seq):
        return seq[self.randrange(len(seq))]


def lit(s):
    """A SQL string literal (E'' form: every byte survives)."""
    return "E'" + s.replace('\\', '\\\\').replace("'", "\\'") + "'"


def emb_literal(r, dim=None):
    if dim is None:
        dim = r.pick([1, 2, 4, 8, 8, 8, 8, 16000, 16001, 0, 3, 9])
    if dim == 0:
        return "'[]'"
    kind = r.randrange(8)
    if kind == 0:
        return "array_fill(%s::real, ARRAY[%d])::embedding" % (r.pick(['0', '1', '-0', '1e-45', '3e38']), dim)
    if dim > 64:
        return "array_fill(%s::float8, ARRAY[%d])::embedding" % (r.pick(FLOATS[:5] + ['1e-310']), dim)
    vals = [r.pick(['0', '-0', '1', '-1', '0.5', '1e-45', '1e-40', '3.4e38', '-3.4e38', '2', str(r.random())])
            for _ in range(dim)]
    if kind == 1:
        vals[r.randrange(dim)] = r.pick(['NaN', 'Infinity', '-inf', '1e39', 'x', ''])
    return "'[%s]'::embedding" % ','.join(vals)


def sql_string(r):
    """A query string over the fixture view: mostly the canonical columns,
    sometimes missing, renamed, mistyped or hostile."""
    if r.random() < 0.08:
        return r.pick(HOSTILE_TEXT)
    cols = []
    for name, (canon, muts) in SQL_COLUMNS.items():
        x = r.random()
        if x < 0.12:
            continue
        expr = canon if x < 0.8 else r.pick(muts)
        alias = name if r.random() > 0.03 else name.upper()
        cols.append('%s AS "%s"' % (expr, alias))
    if not cols or r.random() < 0.03:
        cols = ['1 AS x']
    r.shuffle(cols)
    if r.random() < 0.05:
        cols.append(cols[0])            # a duplicate column name
    tail = r.pick(['', '', '', ' ORDER BY random()', ' WHERE false', ' LIMIT 3', ' WHERE id % 2 = 0',
                   ' UNION ALL SELECT * FROM (SELECT %s FROM fz.hostile) x' % ', '.join(cols)])
    return 'SELECT %s FROM %s%s' % (', '.join(cols), r.pick(SOURCES), tail)


CANON_SQL = 'SELECT %s FROM fz.good' % ', '.join('%s AS %s' % (c, n) for n, (c, _) in SQL_COLUMNS.items())
CANON = {'text': lit(CANON_SQL), 'embedding': None, 'integer': '5', 'smallint': '5', 'bigint': '42',
         'double precision': '0.5', 'real': '0.5', 'boolean': 'true', 'anyelement': 'NULL::bigint',
         'regclass': "'fz.mined'::regclass", 'integer[]': "'{1,5,10}'::integer[]",
         'double precision[]': "'{0}'::float8[]", 'text[]': "ARRAY['ndcg', 'map']"}


def gen_arg(r, typname, argname, default, ctx):
    """One argument: mostly its default or a canonical value, hostile with
    probability ctx['h'], so that calls get past the argument checks into the
    deep code as well as exercising them."""
    if r.random() >= ctx['h']:
        if default is not None:
            return default
        if typname == 'embedding':
            return emb_literal(r, ctx['dim'])
        if typname in CANON:
            return CANON[typname]
    return gen_value(r, typname, argname, ctx)


def gen_value(r, typname, argname, ctx):
    """A SQL expression for one argument of type typname."""
    if r.random() < 0.06:
        return 'NULL::' + (typname if typname not in ('anyelement', 'internal') else 'text')
    if typname == 'text':
        if argname in ctx['sql_args'] or (argname is None and r.random() < 0.5):
            return lit(sql_string(r))
        x = r.random()
        if x < 0.6:
            return lit(r.pick(OPTION_WORDS))
        return lit(r.pick(HOSTILE_TEXT))
    if typname == 'embedding':
        return emb_literal(r, ctx['dim'] if r.random() < 0.6 else None)
    if typname in ('integer', 'smallint'):
        return r.pick(INTS) + '::' + typname
    if typname == 'bigint':
        return r.pick(BIGINTS) + '::bigint'
    if typname in ('double precision', 'real'):
        return "'%s'::%s" % (r.pick(FLOATS), typname)
    if typname == 'boolean':
        return r.pick(['true', 'false'])
    if typname == 'anyelement':
        return r.pick(ID_TYPES)
    if typname == 'regclass':
        return r.pick(ctx['relations'])
    if typname == 'oid':
        return r.pick(['0', '1', '-1', "'embedding'::regtype::oid", '4294967295']) + '::oid'
    if typname == 'cstring':
        return lit(r.pick(['[1,2]', '[]', '[NaN]', '', '[' + ','.join(['1'] * 16001) + ']', '[1e39]',
                           '  [ 1 , 2 ]  ', '[1,2]x'] + HOSTILE_TEXT[:8])) + '::cstring'
    if typname == 'cstring[]':
        return "ARRAY[%s]::cstring[]" % ','.join(lit(r.pick(['1', '0', '-1', '16000', '16001', 'x', '',
                                                            '99999999999'])) for _ in range(r.pick([0, 1, 1, 2])))
    if typname == 'internal':
        return 'NULL::internal'
    if typname.endswith('[]'):
        elem = typname[:-2]
        n = r.pick([0, 1, 2, 3, 5, 9, 16001])
        if elem == 'text':
            return 'ARRAY[%s]::text[]' % ','.join(lit(r.pick(OPTION_WORDS)) for _ in range(n)) if 0 < n < 20 \
                else "'{}'::text[]"
        pool = FLOATS if elem in ('double precision', 'real', 'numeric') else INTS
        if n > 20:
            return "array_fill(%s::%s, ARRAY[%d])" % (r.pick(pool[:4]), elem, n)
        vals = [r.pick(pool) for _ in range(n)]
        if n and r.random() < 0.2:
            vals[0] = 'NULL'
        return "'{%s}'::%s" % (','.join(vals), typname)
    return 'NULL::' + typname


def catalog(conn):
    ext = "(SELECT oid FROM pg_extension WHERE extname = 'hardneg')"
    owned = ("SELECT objid FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND refobjid = %s "
             "AND deptype = 'e' AND classid = '%%s'::regclass" % ext)
    procs = conn.execute(
        "SELECT p.oid, p.oid::regproc::text, p.prokind, "
        "       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) WITH ORDINALITY u(t, i) ORDER BY i), "
        "       coalesce(p.proargnames[1:p.pronargs], '{}'), p.pronargdefaults, p.proretset, "
        "       p.prorettype = 'trigger'::regtype, "
        "       ARRAY(SELECT pg_get_function_arg_default(p.oid, i) FROM generate_series(1, p.pronargs) i), "
        "       format_type(p.prorettype, NULL) "
        "FROM pg_proc p WHERE p.oid IN (%s)" % (owned % 'pg_proc')).fetchall()
    ops = conn.execute(
        "SELECT o.oprname, format_type(o.oprleft, NULL), format_type(o.oprright, NULL), "
        "       n.nspname, format_type(o.oprresult, NULL) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
        "WHERE o.oid IN (%s)" % (owned % 'pg_operator')).fetchall()
    casts = conn.execute(
        "SELECT format_type(castsource, NULL), format_type(casttarget, NULL) FROM pg_cast "
        "WHERE oid IN (%s)" % (owned % 'pg_cast')).fetchall()
    types = conn.execute(
        "SELECT t.oid, format_type(t.oid, NULL) FROM pg_type t "
        "WHERE t.oid IN (%s) AND t.typreceive <> 0 AND t.typtype <> 'p'" % (owned % 'pg_type')).fetchall()
    if OFFPATH is not None:
        # format_type qualifies a type that is not visible: the generators know 'embedding'
        # (the rewriter qualifies the SQL they write); function names stay qualified
        u = lambda t: t[len(OFFPATH.n.schema) + 1:] if t.startswith(OFFPATH.n.schema + '.') else t
        procs = [p[:3] + ([u(t) for t in p[3]],) + p[4:9] + (u(p[9]),) for p in procs]
        ops = [(o[0], u(o[1]), u(o[2]), o[3], u(o[4])) for o in ops]
        casts = [(u(a), u(b)) for a, b in casts]
        types = [(oid, u(t)) for oid, t in types]
    return procs, ops, casts, types


def setup(conn):
    conn.execute(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures', 'fuzz.sql')).read())
    conn.commit()
    rels = [r[0] for r in conn.execute(
        "SELECT quote_literal(c.oid::regclass::text) || '::regclass' FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'fz'").fetchall()]
    return rels + ['0::regclass', "'pg_class'::regclass", "'pg_class_oid_index'::regclass"]


class RawBinary:
    def __init__(self, data):
        self.data = data


def recv_bytes(r):
    """Random and almost-right binary embeddings: int16 dim, int16 0, floats."""
    kind = r.randrange(6)
    if kind == 0:
        return bytes(r.randrange(256) for _ in range(r.randrange(0, 40)))
    dim = r.pick([0, 1, 2, 4, 8, 16000, 16001, -1, 32767, -32768])
    unused = 0 if r.random() < 0.8 else r.pick([1, -1, 255])
    have = dim if kind != 1 else max(0, dim - r.randrange(1, 3))
    have = max(0, min(have, 16001))
    floats = [r.pick([0.0, -0.0, 1.0, 1e-45, 3.4e38, float('nan'), float('inf'), r.random()])
              if r.random() < 0.3 else r.random() for _ in range(have)]
    body = struct.pack('!hh', dim, unused) + struct.pack('!%df' % have, *floats)
    if kind == 2:
        body += b'\x00' * r.randrange(1, 5)
    if kind == 3 and body:
        body = body[:r.randrange(len(body))]
    return body


class Fuzzer:
    def __init__(self, dbname, seed, calls):
        self.dbname = dbname
        self.r = Rng(seed)
        self.calls = calls
        self.ok = 0
        self.errors = {}
        self.failures = []
        self.crashes = 0
        self.per_label = {}
        self.kept = 0
        self.conn = self.connect()

    def connect(self):
        for _ in range(60):
            try:
                conn = psycopg.connect(dbname=self.dbname, autocommit=False)
                conn.execute("SET statement_timeout = '5s'")
                conn.execute("SET client_min_messages = error")
                conn.execute("SET search_path = public, fz")
                conn.commit()
                return conn
            except psycopg.OperationalError:
                time.sleep(1)
        raise SystemExit('fuzz: cannot reconnect to the server')

    def run_one(self, label, sql, params=None, returns=None):
        """Runs one call in its own transaction (rolled back).  A call that
        returns an embedding must return one that survives text output and
        input, as pg_dump and a restore would do it."""
        if returns == 'embedding':
            sql = 'CREATE TEMP TABLE fz_out ON COMMIT DROP AS SELECT (%s) AS v' % sql
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params, prepare=False)
                if cur.description is not None:
                    cur.fetchall()
            if returns == 'embedding':
                self.check_dumpable(label)
            self.conn.rollback()
            self.ok += 1
            self.count(label, 'ok')
        except psycopg.Error as e:
            code = getattr(e, 'sqlstate', None)
            if code is None or self.conn.closed or self.conn.broken:
                self.crashes += 1
                self.failures.append('CRASH %s: %s -- %s' % (label, sql[:300], str(e).splitlines()[0] if str(e) else ''))
                try:
                    self.conn.close()
                except Exception:
                    pass
                time.sleep(2)
                self.conn = self.connect()
                return
            self.errors[code] = self.errors.get(code, 0) + 1
            self.count(label, code)
            if not (code[:2] in ALLOWED_CLASSES or code in ALLOWED_CODES):
                self.failures.append('%s %s: %s -- %s' % (code, label, sql[:300], str(e).splitlines()[0]))
            try:
                self.conn.rollback()
            except psycopg.Error:
                self.conn = self.connect()

    def check_dumpable(self, label):
        try:
            with self.conn.cursor() as cur:
                # a NULL reads back as NULL; otherwise = (IS DISTINCT FROM finds = on the search_path
                # only, which hardneg is not on in HN_EXT_SCHEMA runs; the rewriter qualifies this =)
                cur.execute('SELECT count(*) FROM fz_out WHERE v IS NOT NULL AND NOT (v = v::text::embedding)',
                            prepare=False)
                if cur.fetchone()[0] != 0:
                    self.failures.append('UNDUMPABLE %s: a value differs after text output and input' % label)
                # keep some of what was built for the dump and restore check
                if self.kept < 400:
                    cur.execute('INSERT INTO fz.built SELECT %s, v FROM fz_out WHERE v IS NOT NULL',
                                [label], prepare=False)
                    self.kept += cur.rowcount
                    self.conn.commit()
        except psycopg.Error as e:
            self.failures.append('UNDUMPABLE %s: %s %s' % (label, getattr(e, 'sqlstate', None),
                                                           str(e).splitlines()[0]))
            self.conn.rollback()

    def count(self, label, outcome):
        d = self.per_label.setdefault(label, {})
        d[outcome] = d.get(outcome, 0) + 1

    def call_proc(self, proc, ctx):
        oid, name, kind, argtypes, argnames, ndefaults, retset, is_trigger, defaults, rettype = proc
        r = self.r
        if is_trigger:
            return
        nargs = len(argtypes)
        n = nargs - (r.randrange(ndefaults + 1) if ndefaults else 0)
        args = [gen_arg(r, argtypes[i], argnames[i] if i < len(argnames) else None, defaults[i], ctx)
                for i in range(n)]
        if kind == 'a':
            rows = ', '.join('(%s)' % ', '.join(gen_value(r, argtypes[i], None, ctx) for i in range(n))
                             for _ in range(r.pick([1, 2, 3, 5])))
            cols = ', '.join('a%d' % i for i in range(n))
            sql = 'SELECT %s(%s) FROM (VALUES %s) v(%s)' % (name, cols, rows, cols)
        elif retset:
            sql = 'SELECT * FROM %s(%s)' % (name, ', '.join(args))
        elif rettype == 'embedding':
            sql = 'SELECT %s(%s)' % (name, ', '.join(args))
        else:
            sql = 'SELECT %s(%s)::text' % (name, ', '.join(args))
        self.run_one(name, sql, returns=rettype if not retset else None)

    def call_op(self, op, ctx):
        oprname, left, right, nsp, result = op
        r = self.r
        lhs = gen_value(r, left, None, ctx) if left != '-' else ''
        rhs = gen_value(r, right, None, ctx) if right != '-' else ''
        self.run_one('operator ' + oprname, 'SELECT (%s OPERATOR(%s.%s) %s)' % (lhs, nsp, oprname, rhs),
                     returns=result)

    def call_cast(self, cast, ctx):
        src, tgt = cast
        val = gen_value(self.r, src, None, ctx)
        self.run_one('cast %s -> %s' % (src, tgt), 'SELECT ((%s)::%s)' % (val, tgt), returns=tgt)

    def call_recv(self, typ):
        typoid, typname = typ
        dumper = type('RawDumper', (Dumper,), {'format': Format.BINARY, 'oid': typoid,
                                              'dump': lambda self, obj: obj.data})
        self.conn.adapters.register_dumper(RawBinary, dumper)
        self.run_one('%s receive' % typname, 'SELECT (%b)::text', [RawBinary(recv_bytes(self.r))])

    def run(self):
        procs, ops, casts, types = catalog(self.conn)
        self.conn.commit()
        rels = setup(self.conn)
        targets = [('p', p) for p in procs] + [('o', o) for o in ops] + [('c', c) for c in casts] + \
            [('t', t) for t in types]
        sql_args = {'queries', 'corpus', 'qrels', 'run', 'runs', 'candidates', 'teacher_scores',
                    'pooled_runs', 'query_texts', 'doc_texts', 'exclude', 'false_negatives'}
        start = time.time()
        for i in range(self.calls):
            ctx = {'dim': self.r.pick([8, 8, 8, 4, 1]), 'relations': rels, 'sql_args': sql_args,
                   'h': self.r.pick([0.0, 0.05, 0.15, 0.4, 1.0])}
            kind, obj = targets[i % len(targets)] if i < len(targets) else self.r.pick(targets)
            if kind == 'p':
                self.call_proc(obj, ctx)
            elif kind == 'o':
                self.call_op(obj, ctx)
            elif kind == 'c':
                self.call_cast(obj, ctx)
            else:
                self.call_recv(obj)
        elapsed = time.time() - start
        bad = len([f for f in self.failures if not f.startswith('CRASH')])
        print('fuzz: %d calls over %d objects (%d functions and aggregates, %d operators, %d casts, '
              '%d types) in %.0f s: %d returned, %d errors (%s), %d crashes, %d disallowed SQLSTATEs'
              % (self.calls, len(targets), len(procs), len(ops), len(casts), len(types), elapsed, self.ok,
                 sum(self.errors.values()),
                 ' '.join('%s:%d' % kv for kv in sorted(self.errors.items())), self.crashes, bad))
        if os.environ.get('HN_FUZZ_VERBOSE'):
            for label, d in sorted(self.per_label.items()):
                print('  %-40s %s' % (label, ' '.join('%s:%d' % kv for kv in sorted(d.items()))))
        for f in self.failures[:50]:
            print('  ' + f.replace('\n', ' ')[:600])
        return not self.failures


def main():
    dbname = sys.argv[1] if len(sys.argv) > 1 else 'postgres'
    seed = int(os.environ.get('HN_FUZZ_SEED', '1'))
    calls = int(os.environ.get('HN_FUZZ_CALLS', '3000'))
    ok = Fuzzer(dbname, seed, calls).run()
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
