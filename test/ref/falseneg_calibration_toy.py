#!/usr/bin/python3
# Independent reference for test/falseneg_calibration.sql, toy B: builds the training
# examples from the documented definition (docs/false-negatives.md, "Calibrated p") and fits
# them with scikit-learn (L2, C = 1 = 1 / ridge, intercept unpenalised).  Run: /usr/bin/python3 this file.
# toy B: one pooled run 'bm25' judged to depth 4; 3 queries
import numpy as np
from sklearn.linear_model import LogisticRegression
# run: q -> list of docs in bm25 rank order (ranks 1..7)
run = {1: [11,12,13,14,15,16,17], 2: [21,22,23,24,25,26,27], 3: [31,32,33,34,35,36,37]}
# qrels for bm25 top 4 (the pool): relevance
rel = {1: [1,1,1,0], 2: [1,0,1,0], 3: [0,1,0,0]}
# candidates: mining ranks (query -> doc order)
cand = {1: [12,11,15,14,13,17,16], 2: [21,23,26,22,24,25,27], 3: [32,35,31,33,34,36,37]}
D=4; K=4
def lr(r,j):
    x=(r+0.5)/(j+1); return np.log(x/(1-x))
X=[];Y=[]
for q in run:
    judged = {run[q][i]: rel[q][i] for i in range(4)}
    for mr, d in enumerate(cand[q], 1):
        if d not in judged: continue
        r = run[q].index(d)+1; fmin = r/D
        for k in range(1, K):
            f = k/K
            if not f < fmin: continue
            jj = [judged[x] for x in judged if (run[q].index(x)+1)/D <= f]
            X.append([np.log(r), np.log(mr), lr(sum(jj), len(jj))]); Y.append(judged[d])
X=np.array(X); Y=np.array(Y)
m = LogisticRegression(C=1.0, tol=1e-12, max_iter=10000).fit(X, Y)
# polish scikit-learn's lbfgs optimum (it stops near 1e-6) on the same objective with scipy
from scipy.optimize import minimize
def nll(v):
    z = v[0] + X @ v[1:]
    return -np.sum(Y * z - np.logaddexp(0, z)) + 0.5 * np.sum(v[1:] ** 2)
def grad(v):
    r = Y - 1 / (1 + np.exp(-(v[0] + X @ v[1:])))
    return -np.concatenate(([r.sum()], X.T @ r - v[1:]))
v = minimize(nll, np.concatenate((m.intercept_, m.coef_[0])), jac=grad, method="BFGS",
             options={"gtol": 1e-13}).x
m.intercept_[:] = v[:1]
m.coef_[0][:] = v[1:]
print(len(Y), Y.sum(), ["%.9f" % x for x in v])
# p of unjudged candidates
jall = lambda q: lr(sum(rel[q]), 4)
for q in run:
    for mr, d in enumerate(cand[q], 1):
        r = run[q].index(d)+1
        if r <= 4: continue
        x = np.array([np.log(r), np.log(mr), jall(q)])
        print(q, d, "%.9f" % (1/(1+np.exp(-(m.intercept_[0] + x @ m.coef_[0])))))
