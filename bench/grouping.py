"""Event-engine benchmark: synthetic events of 200, 1,000 and 3,000 attendees, 3 themes × 3 rounds.

Usage: ``python -m bench.grouping [--seed 1] [--sizes 200,1000,3000] [--mode rotate|stay]
[--duo apart|together|either]``. Prints one JSON line per event: wall time, hard-rule violations,
preference figures per round, diversity against the proven bound.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pairing.grouping import DuoPolicy, PreferenceMode, generate_breakouts
from pairing.grouping.synthetic import synthetic_event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="200,1000,3000")
    parser.add_argument("--mode", default="rotate", choices=[m.value for m in PreferenceMode])
    parser.add_argument("--duo", default="apart", choices=[d.value for d in DuoPolicy])
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        inp = synthetic_event(
            size, args.seed, preference_mode=PreferenceMode(args.mode), duo_policy=DuoPolicy(args.duo)
        )
        started = time.perf_counter()
        result = generate_breakouts(inp)
        elapsed = time.perf_counter() - started
        report = result.report
        print(
            json.dumps(
                {
                    "attendees": size,
                    "mode": args.mode,
                    "duo": args.duo,
                    "seed": args.seed,
                    "time_s": round(elapsed, 3),
                    "violations": report.hard_violations,
                    "violations_by_rule": {str(rule): n for rule, n in report.violation_counts},
                    "groups": len(result.assignment.groups),
                    "preferences": [
                        {
                            "round": p.round_index + 1,
                            "first": p.first,
                            "second": p.second,
                            "third": p.third,
                            "other": p.other,
                            "neutral": p.neutral,
                            "as_planned": p.as_planned,
                        }
                        for p in report.preferences
                    ],
                    "diversity": report.diversity,
                    "bound": report.diversity_bound,
                    "gap_pct": round(report.gap_percent, 4),
                    "infeasibility": list(report.infeasibility),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
