#!/usr/bin/env python3
"""Golden values for packages/data/src/drift, computed with numpy and scipy.

Writes drift-golden.json next to this file: fixed, seeded inputs and the outputs of
scipy.special / scipy.stats / scipy.spatial.distance, plus Evidently's default column drift
(stattest choice, score, verdict, PSI) re-derived here from numpy and scipy the way Evidently's
stattests registry and its chisquare, z, ks, wasserstein, jensenshannon and psi tests compute them.

Run (scipy is not in the system Python; see /work/shared/peers/setup_env.sh):
    /tmp/peers/bin/python packages/data/test/golden/make-drift-golden.py

Samples are written as {"values": [...]} or {"values": [...], "weights": [...]}; integer weights
stand for repeated values (np.repeat) when a scipy function takes raw data only.
"""
import json
import math
import platform
import sys
from pathlib import Path

import numpy as np
import scipy
from scipy import special, stats
from scipy.spatial import distance

OUT = Path(__file__).with_name("drift-golden.json")
rng = np.random.default_rng(20240611)


def enc(x):
    """JSON cannot hold non-finite floats: write them as strings."""
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [enc(v) for v in x]
    return x


def raw(values):
    return {"values": [float(v) for v in values]}


def weighted(values, weights):
    return {"values": [float(v) for v in values], "weights": [float(w) for w in weights]}


def expand(sample):
    """Raw values of a sample (integer weights repeat values)."""
    values = np.asarray(sample["values"], dtype=float)
    if "weights" not in sample:
        return values
    weights = np.asarray(sample["weights"])
    assert np.all(weights == np.round(weights)), "only integer weights expand"
    return np.repeat(values, weights.astype(int))


def compress(values):
    """A raw sample as distinct values with counts, to keep the JSON small."""
    distinct, counts = np.unique(values, return_counts=True)
    return weighted(distinct, counts)


# ---------------------------------------------------------------- special functions
special_cases = {}

special_cases["gammaln"] = [[a, special.gammaln(a)] for a in
                            [0.5, 1, 1.5, 2, 2.5, 3, 4.5, 7, 9.5, 10, 10.5, 12, 20, 55.5, 100, 1000.5, 1e5]]

chi2_cases = []
for df in [1, 2, 3, 4, 5, 9, 10, 19, 20, 21, 30, 50, 99, 100, 250, 500, 999, 2000, 5000, 20000]:
    for factor in [0.001, 0.1, 0.5, 0.8, 0.95, 1.0, 1.05, 1.2, 1.5, 2, 3, 5, 10, 30]:
        x = df * factor
        chi2_cases.append([x, df, stats.chi2.sf(x, df)])
for x, df in [(0.0, 3), (1e-300, 2), (800.0, 1), (1400.0, 2), (1e4, 100), (3.841458820694124, 1)]:
    chi2_cases.append([x, df, stats.chi2.sf(x, df)])
special_cases["chi2_sf"] = chi2_cases

special_cases["norm_sf"] = [[z, stats.norm.sf(z)] for z in
                            [-6, -3, -1.5, -0.5, 0, 1e-8, 0.1, 0.5, 1, 1.2345, 1.959963984540054, 2, 2.5, 3, 4, 5,
                             6, 8, 10, 15, 20, 30, 37.5]]
special_cases["erfc"] = [[x, special.erfc(x)] for x in [-2, -0.3, 0, 0.01, 0.3, 0.5, 1, 1.5, 2, 3, 5, 10, 25]]

kstwo_cases = []
for n in [1, 2, 3, 5, 10, 20, 50, 99, 100, 140, 141, 200, 333, 500, 1000, 2500, 10000, 100000, 250000]:
    points = {0.5 / n, 0.75 / n, 1.0 / n, 1.5 / n, min(0.999, (n - 1) / n + 0.2 / n), 0.5, 0.6, 0.9}
    for z in [0.2, 0.4, 0.6, 0.8, 0.87, 1.0, 1.2, 1.4, 1.6, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 20.0]:
        points.add(z / math.sqrt(n))
    for x in sorted(points):
        if 0 < x < 1:
            kstwo_cases.append([n, x, stats.kstwo.sf(x, n)])
special_cases["kstwo_sf"] = kstwo_cases

smirnov_cases = []
for n in [1, 2, 5, 10, 30, 100, 141, 500, 1000, 5000]:
    for x in [0.001, 0.5 / n, 1.0 / n, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1 - 0.5 / n]:
        if 0 < x < 1:
            smirnov_cases.append([n, x, special.smirnov(n, x)])
special_cases["smirnov"] = smirnov_cases


# ---------------------------------------------------------------- two-sample statistics
def normal(n, loc=0.0, scale=1.0, decimals=6):
    return np.round(rng.normal(loc, scale, n), decimals)


ks_inputs = [
    ("small exact", raw(normal(20)), raw(normal(30, 0.8))),
    ("equal sizes", raw(normal(40)), raw(normal(40, 0.5))),
    ("equal sizes, same data", raw(normal(25)), None),
    ("ties", raw(rng.integers(0, 6, 60)), raw(rng.integers(1, 7, 45))),
    ("one-sided shift", raw(normal(150)), raw(normal(120, 2.0))),
    ("no overlap", raw(np.arange(1.0, 11.0)), raw(np.arange(11.0, 16.0))),
    ("exact, lcm large", compress(np.round(rng.normal(0, 1, 1000), 2)), compress(np.round(rng.normal(0.05, 1, 997), 2))),
    ("exact at 10000", compress(np.round(rng.normal(0, 1, 1000), 2)), compress(np.round(rng.normal(0.1, 1.1, 10000), 2))),
    ("asymptotic, small n", compress(np.round(rng.normal(0, 1, 100), 2)), compress(np.round(rng.normal(0.3, 1, 15000), 2))),
    ("asymptotic, n > 140", compress(np.round(rng.normal(0, 1, 400), 2)), compress(np.round(rng.normal(0.25, 1, 12000), 2))),
    ("asymptotic, tiny p", compress(np.round(rng.normal(0, 1, 600), 1)), compress(np.round(rng.normal(1.5, 1, 11000), 1))),
    ("asymptotic, same distribution", compress(np.round(rng.normal(0, 1, 900), 2)), compress(np.round(rng.normal(0, 1, 10001), 2))),
]
ks_cases = []
for name, a, b in ks_inputs:
    if b is None:
        b = a
    result = stats.ks_2samp(expand(a), expand(b))
    exact = max(len(expand(a)), len(expand(b))) <= 10000
    ks_cases.append({"name": name, "reference": a, "current": b, "statistic": result.statistic,
                     "pvalue": result.pvalue, "method": "exact" if exact else "asymp"})

wasserstein_cases = []
for name, u, v in [
    ("small", raw(normal(15)), raw(normal(12, 1.0, 2.0))),
    ("ties", raw(rng.integers(0, 5, 50)), raw(rng.integers(0, 8, 30))),
    ("identical", raw([1.0, 2.0, 3.0]), raw([3.0, 1.0, 2.0])),
    ("counts", compress(np.round(rng.normal(0, 1, 3000), 2)), compress(np.round(rng.normal(0.2, 1.3, 2000), 2))),
]:
    wasserstein_cases.append({"name": name, "u": u, "v": v, "distance": stats.wasserstein_distance(expand(u), expand(v))})
u_values, v_values = normal(40), normal(30, 0.5)
u_weights, v_weights = rng.uniform(0.1, 3, 40), rng.uniform(0.1, 3, 30)
wasserstein_cases.append({"name": "fractional weights", "u": weighted(u_values, u_weights), "v": weighted(v_values, v_weights),
                          "distance": stats.wasserstein_distance(u_values, v_values, u_weights, v_weights)})

std_cases = [{"name": name, "sample": s, "std": np.std(expand(s))} for name, s in [
    ("normal", raw(normal(300, 5, 2))), ("constant", raw([4.2] * 10)), ("counts", compress(np.round(rng.normal(0, 1, 3000), 2)))]]

chisquare_cases = []
for name, observed, expected in [
    ("balanced", [10, 20, 30, 40], [25, 25, 25, 25]),
    ("fractional expected", [12, 7, 31], [10.5, 9.25, 30.25]),
    ("strong", [100, 5, 5, 90], [50, 50, 50, 50]),
    ("zero expected", [5, 5, 1], [5.5, 5.5, 0.0]),
]:
    result = stats.chisquare(observed, expected)
    chisquare_cases.append({"name": name, "observed": observed, "expected": expected, "statistic": result.statistic,
                            "pvalue": result.pvalue})

js_cases = []
for name, p, q in [
    ("counts", [10, 20, 30, 40], [40, 30, 20, 10]),
    ("zero in one", [5, 0, 5, 10], [1, 4, 5, 10]),
    ("close", [1000, 1001, 999, 1000, 1002], [1001, 1000, 1000, 999, 1002]),
    ("disjoint", [1, 0], [0, 1]),
    ("many bins", list(rng.integers(0, 50, 300)), list(rng.integers(0, 50, 300))),
]:
    js_cases.append({"name": name, "p": p, "q": q, "distance": distance.jensenshannon(p, q), "distance_base2": distance.jensenshannon(p, q, 2)})


# ---------------------------------------------------------------- Evidently, re-derived
def binned_shares(reference, current, numeric, fill_zeroes, integer_dtype=False):
    """Shares per bin or category, as Evidently's get_binned_data: Sturges bins over both samples
    when a numeric reference has more than 20 distinct values, else one category per value; empty
    shares become 0.0001 (or the smallest non-zero share / 1e6 when that is ≤ 0.0001)."""
    if numeric and len(np.unique(reference)) > 20:
        both = np.concatenate([reference, current])
        if integer_dtype:
            both = both.astype(np.int64)
        edges = np.histogram_bin_edges(both, bins="sturges")
        ref = np.histogram(reference, edges)[0] / len(reference)
        cur = np.histogram(current, edges)[0] / len(current)
    else:
        keys = sorted(set(np.unique(reference).tolist()) | set(np.unique(current).tolist()))
        ref = np.array([np.sum(reference == k) / len(reference) for k in keys])
        cur = np.array([np.sum(current == k) / len(current) for k in keys])
        edges = None
    if fill_zeroes:
        for shares in (ref, cur):
            smallest = min(shares[shares != 0])
            np.place(shares, shares == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return ref, cur, edges


def psi(reference, current, numeric, integer_dtype=False):
    ref, cur, _ = binned_shares(reference, current, numeric, True, integer_dtype)
    return np.sum((ref - cur) * np.log(ref / cur))


def default_method(reference, current, numeric):
    n_values = len(np.unique(np.concatenate([reference, current])))
    if len(reference) <= 1000:
        if numeric and n_values > 5:
            return "ks"
        return "chisquare" if n_values > 2 else "z"
    if numeric and n_values > 5:
        return "wasserstein"
    return "jensenshannon"


def score(method, reference, current, numeric, integer_dtype=False):
    keys = sorted(set(np.unique(reference).tolist()) | set(np.unique(current).tolist()))
    if method == "ks":
        return stats.ks_2samp(reference, current).pvalue
    if method == "wasserstein":
        return stats.wasserstein_distance(reference, current) / max(np.std(reference), 0.001)
    if method == "jensenshannon":
        ref, cur, _ = binned_shares(reference, current, numeric, False, integer_dtype)
        return distance.jensenshannon(ref, cur)
    if method == "psi":
        return psi(reference, current, numeric, integer_dtype)
    if method == "chisquare":
        scale = len(current) / len(reference)
        expected = [np.sum(reference == k) * scale for k in keys]
        observed = [np.sum(current == k) for k in keys]
        return stats.chisquare(observed, expected).pvalue
    if method == "z":
        if len(np.unique(reference)) == 1 and len(np.unique(current)) == 1 and reference[0] == current[0]:
            return 1.0
        a = (reference != keys[0]).astype(float)
        b = (current != keys[0]).astype(float)
        p1, p2 = a.sum() / len(a), b.sum() / len(b)
        pooled = (p1 * len(a) + p2 * len(b)) / (len(a) + len(b))
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / len(a) + 1.0 / len(b)))
        # Evidently: 2 * (1 - norm.cdf(|z|)); the survival function keeps tiny p-values.
        return 2 * stats.norm.sf(abs(z))
    raise ValueError(method)


THRESHOLDS = {"ks": 0.05, "chisquare": 0.05, "z": 0.05, "wasserstein": 0.1, "jensenshannon": 0.1, "psi": 0.1}


def drifted(method, value, threshold):
    if method == "ks":
        return value <= threshold
    if method in ("chisquare", "z"):
        return value < threshold
    return value >= threshold


def categories(labels, n, probabilities):
    return rng.choice(labels, size=n, p=probabilities)


def counts_of(values):
    keys, counts = np.unique(values, return_counts=True)
    return [[k.item(), int(c)] for k, c in zip(keys, counts)]


column_inputs = [
    # name, kind, reference, current, options
    ("numeric small, shifted: ks", "numeric", normal(200, 0, 1, 3), normal(150, 0.4, 1, 3), {}),
    ("numeric small, same: ks", "numeric", normal(300, 0, 1, 3), normal(300, 0, 1, 3), {}),
    ("numeric small, 4 values: chisquare", "numeric", rng.integers(1, 5, 500).astype(float), rng.integers(1, 5, 400).astype(float), {}),
    ("numeric small, binary: z", "numeric", (rng.random(600) < 0.3).astype(float), (rng.random(500) < 0.4).astype(float), {}),
    ("numeric small, one value: z", "numeric", np.full(50, 2.0), np.full(70, 2.0), {}),
    ("categorical small, category missing in current: chisquare", "categorical",
     categories(["a", "b", "c", "d"], 400, [0.4, 0.3, 0.2, 0.1]), categories(["a", "b", "c"], 300, [0.45, 0.35, 0.2]), {}),
    ("categorical small, new category in current: chisquare", "categorical",
     categories(["a", "b", "c"], 300, [0.5, 0.3, 0.2]), categories(["a", "b", "c", "new"], 200, [0.4, 0.3, 0.2, 0.1]), {}),
    ("categorical small, binary: z", "categorical", categories(["no", "yes"], 800, [0.7, 0.3]), categories(["no", "yes"], 900, [0.6, 0.4]), {}),
    ("categorical small, binary, strong: z", "categorical", categories(["no", "yes"], 1000, [0.95, 0.05]), categories(["no", "yes"], 20000, [0.3, 0.7]), {}),
    ("numeric large: wasserstein", "numeric", np.round(rng.normal(10, 2, 5000), 2), np.round(rng.normal(10.4, 2.2, 4000), 2), {}),
    ("numeric large, same: wasserstein", "numeric", np.round(rng.normal(0, 1, 3000), 2), np.round(rng.normal(0, 1, 2500), 2), {}),
    ("numeric large, 3 values: jensenshannon", "numeric", rng.integers(0, 3, 2000).astype(float), rng.integers(0, 3, 1500).astype(float), {}),
    ("numeric large, constant reference: wasserstein", "numeric", np.full(1500, 7.0), np.round(rng.normal(7, 0.01, 1200), 3), {}),
    ("categorical large: jensenshannon", "categorical", categories(["x", "y", "z", "w"], 5000, [0.25, 0.25, 0.25, 0.25]),
     categories(["x", "y", "z", "w"], 3000, [0.4, 0.2, 0.2, 0.2]), {}),
    ("numeric large, integers, psi override", "numeric", rng.integers(0, 40, 3000).astype(float), rng.integers(5, 45, 2000).astype(float),
     {"method": "psi", "integerValued": True}),
    ("numeric small, jensenshannon override over Sturges bins", "numeric", normal(500, 0, 1, 2), normal(400, 0.2, 1, 2), {"method": "jensenshannon"}),
    ("numeric small, ks with threshold", "numeric", normal(120, 0, 1, 3), normal(100, 0.3, 1, 3), {"threshold": 0.5}),
    ("numeric large, ks override, asymptotic", "numeric", np.round(rng.normal(0, 1, 3000), 2), np.round(rng.normal(0.05, 1, 12000), 2), {"method": "ks"}),
]
column_cases = []
for name, kind, reference, current, options in column_inputs:
    numeric = kind == "numeric"
    integer_dtype = bool(options.get("integerValued"))
    method = options.get("method") or default_method(reference, current, numeric)
    threshold = options.get("threshold", THRESHOLDS[method])
    value = score(method, reference, current, numeric, integer_dtype)
    case = {"name": name, "kind": kind, "options": options,
            "reference": compress(reference) if numeric else counts_of(reference),
            "current": compress(current) if numeric else counts_of(current),
            "method": method, "threshold": threshold, "score": value, "drifted": drifted(method, value, threshold),
            "psi": psi(reference, current, numeric, integer_dtype)}
    column_cases.append(case)

sturges_cases = []
for name, values, integer in [
    ("floats", normal(1000, 3, 2, 4), False),
    ("power of two count", normal(1024, 0, 1, 4), False),
    ("integers as floats", rng.integers(0, 10, 500).astype(float), False),
    ("integers, int64", rng.integers(0, 10, 500), True),
    ("constant", np.full(7, 3.5), False),
    ("tiny range", 1 + rng.integers(0, 3, 100) * 1e-9, False),
]:
    edges = np.histogram_bin_edges(values, bins="sturges")
    counts = np.histogram(values, edges)[0]
    sturges_cases.append({"name": name, "sample": compress(values.astype(float)), "integerValued": integer,
                          "edges": edges, "counts": counts})

golden = {
    "generator": {
        "command": "/tmp/peers/bin/python packages/data/test/golden/make-drift-golden.py",
        "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
    },
    "special": special_cases,
    "ks": ks_cases,
    "wasserstein": wasserstein_cases,
    "std": std_cases,
    "chisquare": chisquare_cases,
    "jensenshannon": js_cases,
    "sturges": sturges_cases,
    "columns": column_cases,
}
OUT.write_text(json.dumps(enc(golden), separators=(",", ":")) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)
