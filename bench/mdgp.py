"""Raw MDGP benchmark: solve every MDGPLIB instance in the data folder, print one JSON line each.

Usage: ``python -m bench.mdgp [--data bench/data/mdgp] [--scale 1.0] [--seeds 1,2,3] [--only NAME,NAME]
[--cpu-clock]``.
Time limits come from best_known.csv (one core, as in Yang et al. 2022) times ``--scale``;
instances without a row get ``--default-limit`` seconds and no gap. ``--cpu-clock`` measures the
limit in CPU seconds of this process (``time.process_time``) instead of wall-clock seconds: the
solver is single-threaded, so on a busy machine that is the fair reading of "one core".
``--only`` keeps instances whose name contains one of the comma-separated parts; ``--seeds`` runs every
instance once per seed (``--seed`` is the single-seed spelling) and prints one summary per seed.
The first run on a machine also compiles the numba kernels (cached afterwards); ``--warm-up``
(on by default) does that before the first timed instance.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pairing.grouping.mdgp import solve_mdgp  # noqa: E402

KNOWN_OPTIMA = {"RanReal_n010_ss_01": 1427.845}


def read_instance(path: Path) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Parse ``n m ss|ds a_1 b_1 ... a_m b_m`` then ``i j d_ij`` lines into a dense matrix."""
    tokens = path.read_text().split()
    n, m = int(tokens[0]), int(tokens[1])
    bounds = [(int(tokens[3 + 2 * g]), int(tokens[4 + 2 * g])) for g in range(m)]
    body = np.array(tokens[3 + 2 * m :], dtype=np.float64).reshape(-1, 3)
    dist = np.zeros((n, n))
    i = body[:, 0].astype(np.int64)
    j = body[:, 1].astype(np.int64)
    dist[i, j] = body[:, 2]
    dist[j, i] = body[:, 2]
    return dist, bounds


def read_best_known(data: Path) -> dict[str, tuple[float, float, float]]:
    rows: dict[str, tuple[float, float, float]] = {}
    path = data / "best_known.csv"
    if path.exists():
        with path.open() as handle:
            for row in csv.DictReader(handle):
                rows[row["instance"]] = (
                    float(row["best_known"]), float(row["tpsdp_mean_of_20_runs"]), float(row["time_limit_s"])
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT / "bench" / "data" / "mdgp")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", default="", help="comma-separated seeds (overrides --seed)")
    parser.add_argument("--default-limit", type=float, default=2.0)
    parser.add_argument("--only", default="")
    parser.add_argument("--cpu-clock", action="store_true")
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false")
    args = parser.parse_args()
    known = read_best_known(args.data)
    clock = time.process_time if args.cpu_clock else time.perf_counter
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()] or [args.seed]
    parts = [x for x in args.only.split(",") if x]
    if args.warm_up:
        started = time.perf_counter()
        solve_mdgp(np.ones((6, 6)) - np.eye(6), [(3, 3), (3, 3)], 0.0, 0, max_iterations=10)
        print(json.dumps({"warm_up_s": round(time.perf_counter() - started, 2)}), flush=True)
    paths = [p for p in sorted(args.data.glob("*.txt")) if not parts or any(x in p.stem for x in parts)]
    for seed in seeds:
        gaps: list[float] = []
        for path in paths:
            name = path.stem
            dist, bounds = read_instance(path)
            best, mean, limit = known.get(name, (KNOWN_OPTIMA.get(name, float("nan")), float("nan"), 0.0))
            limit = (limit or args.default_limit) * args.scale
            started = clock()
            _, value = solve_mdgp(dist, bounds, limit, seed, clock=clock)
            elapsed = clock() - started
            line: dict[str, object] = {"instance": name, "n": dist.shape[0], "seed": seed, "value": round(value, 6),
                                       "time_s": round(elapsed, 2), "limit_s": limit}
            if best == best:  # NaN check: instances without a reference value get no gap
                gap = 100.0 * (best - value) / best
                line["reference"] = best
                line["gap_pct"] = round(gap, 4)
                if name in known:
                    gaps.append(gap)
                    line["gap_to_tpsdp_mean_pct"] = round(100.0 * (mean - value) / mean, 4)
            print(json.dumps(line), flush=True)
        if gaps:
            summary = {"summary": True, "instances": len(gaps), "mean_gap_pct": round(float(np.mean(gaps)), 4),
                       "max_gap_pct": round(float(np.max(gaps)), 4), "seed": seed, "scale": args.scale,
                       "clock": "cpu" if args.cpu_clock else "wall"}
            print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
