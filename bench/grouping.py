"""Event-engine benchmark: synthetic events (200, 1,000 and 3,000 attendees) and real-shaped duo events
(40, 80, 150 and 300 attendees, everyone in a duo), 3 themes × 3 rounds, groups of 4–6.

Usage: ``python -m bench.grouping [--set all|synthetic|duo] [--seed 1] [--duo-seeds 1,2,3]
[--sizes 200,1000,3000] [--duo-sizes 40,80,150,300] [--mode rotate|stay] [--duo apart|together|either]``.
Prints one JSON line per event: wall time, hard-rule violations, preference figures per round, diversity
against the proven bound (``bound``: the one the gap is measured against; ``bound_without_rules``: each
round and theme on its own, the bound before the rounds were linked; ``method``: how ``bound`` was
proven), then one summary line per set of duo events (mean and largest gap). Same seeds every run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pairing.grouping import DuoPolicy, GroupingInput, PreferenceMode, generate_breakouts
from pairing.grouping.synthetic import DUO_EVENT_SIZES, duo_event, synthetic_event


def run(kind: str, size: int, seed: int, inp: GroupingInput) -> float:
    started = time.perf_counter()
    result = generate_breakouts(inp)
    elapsed = time.perf_counter() - started
    report = result.report
    free = report.bound_without_rules
    print(json.dumps({
        "set": kind,
        "attendees": size,
        "mode": inp.preference_mode.value,
        "duo": inp.duo_policy.value,
        "seed": seed,
        "time_s": round(elapsed, 3),
        "violations": report.hard_violations,
        "violations_by_rule": {str(rule): n for rule, n in report.violation_counts},
        "groups": len(result.assignment.groups),
        "preferences": [
            {"round": p.round_index + 1, "first": p.first, "second": p.second, "third": p.third,
             "other": p.other, "neutral": p.neutral, "as_planned": p.as_planned}
            for p in report.preferences
        ],
        "diversity": report.diversity,
        "bound": round(report.diversity_bound, 3),
        "gap_pct": round(report.gap_percent, 4),
        "bound_without_rules": free,
        "gap_without_rules_pct": round(100.0 * (free - report.diversity) / free, 4) if free else 0.0,
        "bound_with_sizes": report.bound_with_sizes,
        "method": report.bound_method.value,
        "optimal": report.optimal,
        "infeasibility": list(report.infeasibility),
    }), flush=True)
    return report.gap_percent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", default="all", choices=["all", "synthetic", "duo"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duo-seeds", default="1,2,3")
    parser.add_argument("--sizes", default="200,1000,3000")
    parser.add_argument("--duo-sizes", default=",".join(str(s) for s in DUO_EVENT_SIZES))
    parser.add_argument("--mode", default="rotate", choices=[m.value for m in PreferenceMode])
    parser.add_argument("--duo", default="apart", choices=[d.value for d in DuoPolicy])
    args = parser.parse_args()
    mode, policy = PreferenceMode(args.mode), DuoPolicy(args.duo)
    if args.set in ("all", "synthetic"):
        for size in (int(s) for s in args.sizes.split(",")):
            run("synthetic", size, args.seed, synthetic_event(size, args.seed, preference_mode=mode,
                                                              duo_policy=policy))
    if args.set in ("all", "duo"):
        gaps = []
        for seed in (int(s) for s in args.duo_seeds.split(",")):
            for size in (int(s) for s in args.duo_sizes.split(",")):
                gaps.append(run("duo", size, seed, duo_event(size, seed, preference_mode=mode, duo_policy=policy)))
        if gaps:
            print(json.dumps({"summary": "duo", "events": len(gaps), "mean_gap_pct": round(sum(gaps) / len(gaps), 3),
                              "max_gap_pct": round(max(gaps), 3)}), flush=True)


if __name__ == "__main__":
    main()
