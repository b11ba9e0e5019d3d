"""The paper's threshold search, as a baseline for the k-stage benchmark.

For every cost-ordered subsequence of 2..max-stages pool models (consecutive models
must be strictly cheaper and strictly less accurate, as in cascadelab), Optuna's
NSGA-II (population 100) spends `--trials` trials on the two objectives (minimize
mean cost, maximize mean quality) over one threshold per non-final stage, each drawn
from [lowest, highest] calibration score of that stage's model (the top just above
the highest score, so that "escalate everyone" is reachable). Every trial of every
subsequence, plus every model alone, goes into one pool of calibration points; the
script writes its Pareto set as `cost,quality,chain,thresholds` rows (the chain as
model names joined by "/", the thresholds separated by spaces).

Input: the CSV the benchmark writes (`query`, then `<model>|quality`,
`<model>|confidence`, `<model>|cost` for each pool model in cost order).

A benchmark aid, not part of the test suite. Needs `optuna` and `numpy`.
"""

import argparse
import csv
import itertools
import sys
import time

import numpy as np
import optuna


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    names = []
    for col in header[1:]:
        name = col.rsplit("|", 1)[0]
        if name not in names:
            names.append(name)
    data = np.array([[float(v) for v in r[1:]] for r in body])
    q = {m: data[:, 3 * i] for i, m in enumerate(names)}
    s = {m: data[:, 3 * i + 1] for i, m in enumerate(names)}
    c = {m: data[:, 3 * i + 2] for i, m in enumerate(names)}
    return names, q, s, c


def chains(names, q, c, max_stages):
    def valid(a, b):
        return c[a].mean() < c[b].mean() and q[a].mean() < q[b].mean()

    for k in range(2, max_stages + 1):
        for combo in itertools.combinations(names, k):
            if all(valid(a, b) for a, b in zip(combo, combo[1:])):
                yield combo


def evaluate(chain, taus, q, s, c):
    n = len(q[chain[0]])
    remaining = np.ones(n, dtype=bool)
    cost = np.zeros(n)
    quality = np.zeros(n)
    for i, m in enumerate(chain):
        cost[remaining] += c[m][remaining]
        if i == len(chain) - 1:
            quality[remaining] = q[m][remaining]
            break
        stop = remaining & (s[m] >= taus[i])
        quality[stop] = q[m][stop]
        remaining &= ~stop
    return cost.mean(), quality.mean()


def pareto(points):
    points = sorted(points, key=lambda p: (p[0], -p[1]))
    out = []
    for p in points:
        if not out or p[1] > out[-1][1]:
            out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("calibration_csv")
    ap.add_argument("out_csv")
    ap.add_argument("--max-stages", type=int, default=4)
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--population", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names, q, s, c = load(args.calibration_csv)
    points = [(c[m].mean(), q[m].mean(), m, "") for m in names]
    start = time.perf_counter()
    count = 0
    for chain in chains(names, q, c, args.max_stages):
        bounds = []
        for m in chain[:-1]:
            finite = s[m][np.isfinite(s[m])]
            lo, hi = float(finite.min()), float(finite.max())
            bounds.append((lo, float(np.nextafter(hi, np.inf))))

        def objective(trial, chain=chain, bounds=bounds):
            taus = [trial.suggest_float(f"t{i}", lo, hi) for i, (lo, hi) in enumerate(bounds)]
            return evaluate(chain, taus, q, s, c)

        sampler = optuna.samplers.NSGAIISampler(population_size=args.population, seed=args.seed + count)
        study = optuna.create_study(directions=["minimize", "maximize"], sampler=sampler)
        study.optimize(objective, n_trials=args.trials)
        points.extend(
            (*t.values, "/".join(chain), " ".join(repr(t.params[f"t{i}"]) for i in range(len(bounds))))
            for t in study.trials
            if t.values is not None
        )
        count += 1
    elapsed = time.perf_counter() - start
    front = pareto(points)
    with open(args.out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["cost", "quality", "chain", "thresholds"])
        for cost, quality, chain, taus in front:
            w.writerow([repr(float(cost)), repr(float(quality)), chain, taus])
    print(
        f"NSGA-II: {count} subsequences x {args.trials} trials in {elapsed:.1f} s; {len(front)} Pareto points",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
