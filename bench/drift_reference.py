#!/usr/bin/env python3
"""Per-column scipy drift figures for bench/data-drift.mjs to check mlship's numbers against.

Regenerates the peer's arrays (bench_drift.generate, same seed, so the same data that
`bench_drift.py --write-csv` wrote, before its %.9g rounding) and runs the peer's own per-column
code once (bench_drift.run_once: ks_2samp, wasserstein_distance / std, decile PSI). Writes JSON:
{"rows", "cols", "shifted", "seed", "columns": [{"col", "delta_sd", "ks_D", "ks_p", "w_std", "psi"}]}.

Usage: /tmp/peers/bin/python bench/drift_reference.py --out FILE [--rows N] [--cols N]
       [--shifted N] [--seed N] [--peers DIR (default $BENCH_PEERS_DIR or /work/shared/peers)]
"""
import argparse
import json
import os
import sys

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--out", required=True)
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--cols", type=int, default=100)
ap.add_argument("--shifted", type=int, default=10)
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--peers", default=os.environ.get("BENCH_PEERS_DIR", "/work/shared/peers"))
a = ap.parse_args()

sys.path.insert(0, a.peers)
from bench_drift import generate, run_once  # noqa: E402

ref, cur, deltas = generate(a.rows, a.cols, a.shifted, a.seed)
timing, res = run_once(ref, cur)
columns = [{"col": "x%d" % j, "delta_sd": float(deltas[j]) if j < a.shifted else 0.0,
            "ks_D": d, "ks_p": p, "w_std": w, "psi": psi} for j, (d, p, w, psi) in enumerate(res)]
tmp = a.out + ".tmp"
with open(tmp, "w") as f:
    json.dump({"rows": a.rows, "cols": a.cols, "shifted": a.shifted, "seed": a.seed,
               "total_s": timing["total_s"], "columns": columns}, f)
os.replace(tmp, a.out)
