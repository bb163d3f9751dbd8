#!/usr/bin/python3
"""Generates the trec_eval() comparison cases and their expected values.

    /usr/bin/python3 test/metrics/gen_cases.py --binary PATH_TO_TREC_EVAL

PATH_TO_TREC_EVAL is trec_eval 10.0 built from source with its printf format
widened to %.17g (never committed).  Writes test/data/metrics/:
  cases/<case>.qrels, cases/<case>.run   TREC-format inputs (synthetic)
  runs.tsv        run_key, case, complete, relevance_level, judged_only,
                  max_rank, per_query, measures (a text[] literal)
  expected.tsv.gz run_key, measure, query_id, value (%.17g), position: the
                  rows as the binary printed them (position meaningful for a
                  single-call measure list); runid/relstring (text) left out.

The synthetic cases cover metrics.md sections 1 and 7: exact ties, near-ties
1e-12 apart, -0.0 vs 0.0, doc ids whose C and locale orders differ, UTF-8
ids, negative grades, queries on one side only, zero-relevant queries,
R larger than the list, 1000-document lists.  Cranfield (shipped under
test/data/cranfield) adds real runs.

trec_eval 10.0 aborts in default mode when a qrels query is missing from the
run (metrics.md: a regression); the intended default semantics evaluate the
queries present in both, so the default-mode reference is the binary run on
the qrels restricted to the run's queries.
"""
import argparse, gzip, os, random, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'test', 'data', 'metrics')

FLAGS = [  # (tag, complete, level, judged, max_rank)
    ('default', False, 1, False, None), ('c', True, 1, False, None),
    ('l0', False, 0, False, None), ('l2', False, 2, False, None),
    ('l3', False, 3, False, None), ('J', False, 1, True, None),
    ('M10', False, 1, False, 10), ('J_M10', False, 1, True, 10),
    ('c_l2', True, 2, False, None), ('c_J', True, 1, True, None),
    ('M1', False, 1, False, 1), ('M50', False, 1, False, 50), ('c_l0', True, 0, False, None),
    ('c_l3', True, 3, False, None), ('l2_J_M5', False, 2, True, 5), ('c_J_M10', True, 1, True, 10),
]
EXTRA = ['P.3,7', 'ndcg.1=1,2=3,3=7', 'set_F.0.5', 'rbp.p=0.8', 'iprec_at_recall.0.25,0.333',
         'Rprec_mult.0.5', 'utility.2,-1,1,0', '11pt_avg.0.5,1', 'G.1=2', 'dcg', 'ideal_dcg',
         'success.2', 'unj.3', 'map_cut.2', 'ndcg_cut.3', 'recall.7', 'relative_P.2',
         'rbp_resid.p=0.8', 'ndcg_rel.2=5', 'Rndcg.1=0.5', 'ndcg.0=1,1=2',
         # fractional and negative gains: trec_eval's truncating gain comparator, rbp rescaling
         'ndcg.1=0.5,2=1.7,3=1.2', 'G.1=0.5,3=1.2', 'ndcg_rel.1=0.2,2=0.4', 'Rndcg.2=0.5,3=0.7',
         'rbp.1=-1,2=3', 'rbp_resid.p=0.5', 'dcg.0=0.3,1=0.9,2=1.5,4=2.2', 'ideal_dcg.4=0.5']
# ir_measures names -> (trec_eval measure to request, printed name, transform)
IRM = [('AP', 'map', 'map'), ('AP@5', 'map_cut.5', 'map_cut_5'), ('GMAP', 'gm_map', 'gm_map'),
       ('nDCG', 'ndcg', 'ndcg'), ('nDCG@10', 'ndcg_cut.10', 'ndcg_cut_10'),
       ('P@5', 'P.5', 'P_5'), ('R@10', 'recall.10', 'recall_10'), ('RR', 'recip_rank', 'recip_rank'),
       ('Judged@10', 'unj.10', 'unj_10'), ('Rprec', 'Rprec', 'Rprec'), ('Bpref', 'bpref', 'bpref'),
       ('infAP', 'infAP', 'infAP'), ('Success@5', 'success.5', 'success_5'),
       ('NumRet', 'num_ret', 'num_ret'), ('NumRel', 'num_rel', 'num_rel'),
       ('NumRelRet', 'num_rel_ret', 'num_rel_ret'), ('NumQ', 'num_q', 'num_q'),
       ('SetP', 'set_P', 'set_P'), ('SetR', 'set_recall', 'set_recall'), ('SetF', 'set_F', 'set_F'),
       ('SetAP', 'set_map', 'set_map'), ('IPrec@0.5', 'iprec_at_recall.0.5', 'iprec_at_recall_0.50'),
       ('RBP', 'rbp', 'rbp')]

TRICKY = ['doc9', 'doc10', 'doc1', 'Doc1', 'DOC1', 'a', 'B', 'b', '_x', '-y', 'x-1', 'x_1',
          '\u00e91', 'e1', 'f1', '\u00fc', 'u', '01', '1', '100', '99', '9', 'Z', 'z', 'ab', 'aB', 'Ab']


def tricky_case(rng):
    qrels, run = [], []
    qids = ['1', '01', '10', '2', 'Q', 'q', 'q\u00e9', 'qA', 'qB']
    scores = [1.0, 0.5, 0.5 + 1e-12, 0.5 - 1e-12, 0.0, -0.0, 2.0, 0.25, 0.5 + 2e-12]
    for qi, q in enumerate(qids):
        docs = TRICKY + ['d%d' % i for i in range(rng.randint(0, 30))]
        rng.shuffle(docs)
        judged = docs[:rng.randint(3, len(docs))]
        for d in judged:
            g = rng.choice([-2, -1, 0, 0, 1, 1, 2, 3, 4]) if qi != 5 else 0   # q: zero relevant
            qrels.append((q, d, g))
        retrieved = docs[:rng.randint(1, len(docs))] + ['u%d' % i for i in range(rng.randint(0, 5))]
        for d in retrieved:
            run.append((q, d, rng.choice(scores)))
    qrels += [('only_qrels', 'a', 1), ('only_qrels', 'b', 0), ('only_qrels', 'c', 2)]
    run += [('only_run', 'a', 1.0), ('only_run', 'b', 2.0)]
    for i in range(60):                       # R larger than the list
        qrels.append(('bigR', 'r%02d' % i, 1 + i % 3))
    run += [('bigR', 'r%02d' % i, 1.0 - i / 10) for i in (3, 7, 50)] + [('bigR', 'zz', 0.1)]
    return qrels, run


def long_case(rng, nq=12, ndocs=1000):
    qrels, run = [], []
    for qi in range(nq):
        q = 'L%d' % qi
        docs = ['D%d' % i for i in range(ndocs + 200)]
        for d in rng.sample(docs, rng.randint(5, 150)):
            qrels.append((q, d, rng.choice([-1, 0, 0, 0, 1, 1, 2, 3])))
        for i, d in enumerate(rng.sample(docs, ndocs)):
            s = round(rng.random(), rng.choice([2, 3, 17]))   # many ties
            run.append((q, d, s))
    qrels += [('Lzero', 'D1', 0), ('Lzero', 'D2', 0)]
    run += [('Lzero', 'D%d' % i, 1.0 / (i + 1)) for i in range(50)]
    return qrels, run


def write_case(name, qrels, run):
    os.makedirs(os.path.join(OUT, 'cases'), exist_ok=True)
    with open(os.path.join(OUT, 'cases', name + '.qrels'), 'w', encoding='utf-8') as f:
        for q, d, g in qrels:
            f.write('%s 0 %s %d\n' % (q, d, g))
    with open(os.path.join(OUT, 'cases', name + '.run'), 'w', encoding='utf-8') as f:
        for i, (q, d, s) in enumerate(run):
            f.write('%s Q0 %s %d %r gen\n' % (q, d, i, s))


def binary(args, qrels_path, run_path, flags, measures):
    # the binary crashes on many -m options, and a measure named twice keeps
    # one parameter set: ask in small groups
    # rbp reads uninitialised min/max (metrics.md): its value depends on what
    # ran before it in the process; dcg and ideal_dcg with gains share one
    # parameter block the binary frees twice.  Those run alone.
    def alone(m):
        return m.split('.')[0] == 'rbp' or '=' in m
    chunks = []
    for m in measures:
        base = m.split('.')[0]
        for c in chunks:
            if len(c) < 4 and base not in {x.split('.')[0] for x in c} and \
                    not alone(m) and not alone(c[0]):
                c.append(m)
                break
        else:
            chunks.append([m])
    if len(chunks) > 1:
        rows, seen = [], set()
        for c in chunks:
            for r in binary(args, qrels_path, run_path, flags, c):
                if (r[0], r[1]) not in seen:
                    seen.add((r[0], r[1]))
                    rows.append(r)
        return rows
    cmd = [args.binary, '-q'] + flags + sum([['-m', m] for m in measures], []) + [qrels_path, run_path]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout.decode('utf-8')
    rows = []
    for line in out.splitlines():
        m, q, v = line.split('\t')
        m = m.strip()
        if m not in ('runid', 'relstring'):
            v = {'nan': 'NaN', '-nan': 'NaN', 'inf': 'Infinity', '-inf': '-Infinity'}.get(v, v)
            rows.append((m, q, v))
    return rows


def restricted_qrels(qrels_path, run_path, tmp):
    with open(run_path, encoding='utf-8') as f:
        run_q = {l.split()[0] for l in f if l.strip()}
    with open(qrels_path, encoding='utf-8') as f, open(tmp, 'w', encoding='utf-8') as g:
        for l in f:
            if l.split()[0] in run_q:
                g.write(l)
    return tmp


def flag_args(complete, level, judged, max_rank):
    a = ['-l%d' % level]
    if complete:
        a.append('-c')
    if judged:
        a.append('-J')
    if max_rank:
        a.append('-M%d' % max_rank)
    return a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary', required=True)
    args = ap.parse_args()
    rng = random.Random(20261125)
    cases = {'tricky': tricky_case(rng), 'long': long_case(rng)}
    for name, (qrels, run) in cases.items():
        write_case(name, qrels, run)
    inputs = {n: (os.path.join(OUT, 'cases', n + '.qrels'), os.path.join(OUT, 'cases', n + '.run'))
              for n in cases}
    cran = os.path.join(ROOT, 'test', 'data', 'cranfield')
    tmpq = '/tmp/hn_cranfield.qrels'
    with open(os.path.join(cran, 'qrels.tsv')) as f, open(tmpq, 'w') as g:
        for l in f:
            q, d, r = l.split()
            g.write('%s 0 %s %s\n' % (q, d, r))
    inputs['cranfield.bm25'] = (tmpq, os.path.join(cran, 'queries.bm25.run'))
    inputs['cranfield.use-lite'] = (tmpq, os.path.join(cran, 'queries.use-lite.run'))

    runs, expected = [], []
    def add(key, case, fl, per_query, measures, rows):
        complete, level, judged, max_rank = fl
        runs.append((key, case, complete, level, judged, max_rank, per_query,
                     '{' + ','.join('"%s"' % m for m in measures) + '}'))
        kept = [(m, q, v) for m, q, v in rows if per_query or q == 'all']
        for i, (m, q, v) in enumerate(kept):
            expected.append((key, m, q, v, str(i)))

    for case, (qp, rp) in inputs.items():
        real = case.startswith('cranfield')
        for tag, complete, level, judged, max_rank in FLAGS:
            fl = (complete, level, judged, max_rank)
            q_use = qp if complete else restricted_qrels(qp, rp, '/tmp/hn_restricted.qrels')
            fa = flag_args(*fl)
            per_query = not real or tag in ('default', 'J_M10', 'c_l2')
            add('%s.%s' % (case, tag), case, fl, per_query, ['all_trec'],
                binary(args, q_use, rp, fa, ['all_trec']))
            if not real or tag == 'default':
                add('%s.%s.extra' % (case, tag), case, fl, True, EXTRA,
                    binary(args, q_use, rp, fa, EXTRA))
            if tag in ('default', 'c'):
                for named in ('official', 'set'):
                    add('%s.%s.%s' % (case, tag, named), case, fl, not real, [named],
                        binary(args, q_use, rp, fa, [named]))
        # ir_measures names against their trec_eval twins (default flags)
        q_use = restricted_qrels(qp, rp, '/tmp/hn_restricted.qrels')
        rows = binary(args, q_use, rp, [], [t for _, t, _ in IRM])
        rename = {p: n for n, _, p in IRM}
        irm = []
        for m, q, v in rows:
            if m in rename:
                if m == 'unj_10':
                    v = repr(1.0 - float(v))
                if not (q != 'all' and m in ('num_q', 'gm_map')):
                    irm.append((rename[m], q, v))
        rr = binary(args, q_use, rp, ['-M5'], ['recip_rank'])
        irm += [('RR@5', q, v) for m, q, v in rr]
        add('%s.irm' % case, case, (False, 1, False, None), True,
            [n for n, _, _ in IRM] + ['RR@5'], irm)

    with open(os.path.join(OUT, 'runs.tsv'), 'w') as f:
        for r in runs:
            key, case, complete, level, judged, max_rank, per_query, ms = r
            f.write('\t'.join([key, case, 't' if complete else 'f', str(level), 't' if judged else 'f',
                               str(max_rank) if max_rank else '\\N', 't' if per_query else 'f', ms]) + '\n')
    with gzip.open(os.path.join(OUT, 'expected.tsv.gz'), 'wt', encoding='utf-8') as f:
        for r in expected:
            f.write('\t'.join(r) + '\n')
    print('%d evaluations, %d expected values' % (len(runs), len(expected)))


if __name__ == '__main__':
    main()
