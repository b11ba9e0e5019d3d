#!/usr/bin/env python3
"""FrugalGPT's LLM-cascade search as a cascadelab command plugin (standard library only).

The same algorithm as the Rust plugin in frugalgpt/ (read its src/lib.rs for the
method), written so that both propose the same policies, float for float: the same
enumeration order, thresholds that are calibration scores (order statistics, no
interpolation), and means summed query by query in calibration order with plain `+`
(not `sum()`, which compensates rounding on Python 3.12+, nor `math.fsum`).

Protocol: one request (JSON) on standard input, the reply on standard output, exit 0;
on error, a message on standard error and a non-zero exit. Use it with

    [[solvers]]
    kind = "plugin"
    name = "frugalgpt-py"
    command = ["python3", "frugalgpt.py"]     # relative to the experiment file
    params = { max-len = 3, grid = 10 }
"""

import itertools
import json
import sys

ABI_VERSION = 1
DEFAULTS = {"max-len": 3, "grid": 10, "max-candidates": 1_000_000}


def score(x):
    """A score from JSON: a number, or "inf" / "-inf" / "nan"."""
    if isinstance(x, str):
        return float(x)  # float() reads "inf", "-inf" and "nan"
    return float(x)


def threshold_json(t):
    """A threshold for JSON, which has no infinity: "inf" / "-inf" as strings."""
    if t == float("inf"):
        return "inf"
    if t == float("-inf"):
        return "-inf"
    return t


def parameters(params):
    unknown = sorted(set(params) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"unknown parameter `{unknown[0]}`, expected one of {', '.join(f'`{k}`' for k in DEFAULTS)}")
    out = dict(DEFAULTS)
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{key} must be an integer, got {value!r}")
        if value < 1:
            raise ValueError(f"{key} must be at least 1")
        out[key] = value
    return out


def grid_thresholds(scores, grid):
    """Scores at quantile levels j/(grid+1), j = 1..grid, as order statistics, each value once."""
    if not scores:
        return []
    ordered = sorted(scores)  # stable, on <, as the Rust side
    n = len(ordered)
    out = []
    for j in range(1, grid + 1):
        t = ordered[min(j * n // (grid + 1), n - 1)]
        if not out or out[-1] != t:
            out.append(t)
    return out


def evaluate(stages, taus, quality, confidence, cost, n):
    """Mean cost and quality of a cascade: stage i answers when its score >= taus[i]."""
    last = len(stages) - 1
    total_cost = 0.0
    total_quality = 0.0
    for q in range(n):
        c = 0.0
        answer = stages[last]
        for i, m in enumerate(stages):
            c += cost[m][q]
            if i == last or confidence[m][q] >= taus[i]:
                answer = m
                break
        total_cost += c
        total_quality += quality[answer][q]
    return total_cost / n, total_quality / n


def propose(request):
    if request.get("abi_version") != ABI_VERSION:
        raise ValueError(f"the request speaks plugin ABI version {request.get('abi_version')}, this plugin speaks {ABI_VERSION}")
    p = parameters(request.get("params", {}))
    names = [m["name"] for m in request["models"]]
    n = len(request["queries"])
    quality = {m: [float(x) for x in request["quality"][m]] for m in names}
    cost = {m: [float(x) for x in request["cost"][m]] for m in names}
    confidence = {}
    for m in names:
        column = request["confidence"].get(m)
        confidence[m] = None if column is None else [score(x) for x in column]
    if all(confidence[m] is None for m in names):
        raise ValueError("frugalgpt needs confidence scores to decide when to escalate; the data has none")
    if n == 0:
        raise ValueError("frugalgpt needs at least one calibration query")
    thresholds = {m: None if confidence[m] is None else grid_thresholds(confidence[m], p["grid"]) for m in names}

    members = request["pool"]
    lists = []
    count = 0
    for k in range(1, min(p["max-len"], len(members)) + 1):
        for stages in itertools.combinations(members, k):
            if any(thresholds[m] is None for m in stages[:-1]):
                continue
            size = 1
            for m in stages[:-1]:
                size *= len(thresholds[m])
            count += size
            lists.append(stages)
    if count > p["max-candidates"]:
        raise ValueError(
            f"frugalgpt would evaluate {count} candidates, more than max-candidates = {p['max-candidates']}; lower max-len or grid"
        )

    candidates = []  # (cost, quality, stages, taus), in enumeration order
    for stages in lists:
        for taus in itertools.product(*(thresholds[m] for m in stages[:-1])):
            c, q = evaluate(stages, taus, quality, confidence, cost, n)
            candidates.append((c, q, stages, taus))

    order = sorted(range(len(candidates)), key=lambda i: (candidates[i][0], -candidates[i][1], i))
    best = float("-inf")
    policies = []
    for i in order:
        c, q, stages, taus = candidates[i]
        if q > best:
            best = q
            if len(stages) == 1:
                policies.append({"kind": "single", "model": stages[0]})
            else:
                policies.append(
                    {"kind": "cascade", "stages": list(stages), "thresholds": [threshold_json(t) for t in taus]}
                )
    return {"families": [{"name": "", "policies": policies}]}


def main():
    try:
        request = json.load(sys.stdin)
        reply = propose(request)
    except KeyError as e:
        print(f"frugalgpt: the request has no {e}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as e:
        print(f"frugalgpt: {e}", file=sys.stderr)
        return 2
    json.dump(reply, sys.stdout, allow_nan=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
