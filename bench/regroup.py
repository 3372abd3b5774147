"""Regrouping for who came: 1,000 present of 1,200 ticket holders, plus late arrivals who were never planned.

Usage: ``python -m bench.regroup [--holders 1200] [--present 1000] [--late 20] [--seed 1]``. Generates the plan
for every ticket holder (not timed), then times ``regroup_for_attendance`` from round 1 (before the first
round) and from round 2 (after it), on synthetic and on real-shaped duo events. Prints one JSON line each:
time, people present who changed group and why, late arrivals placed, hard-rule violations, diversity
against the proven bound. Aim: ≤ 1 s for 1,000 present (issue 14).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pairing.grouping import Attendee, generate_breakouts, regroup_for_attendance
from pairing.grouping.synthetic import duo_event, synthetic_event


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holders", type=int, default=1200)
    parser.add_argument("--present", type=int, default=1000)
    parser.add_argument("--late", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for kind, make in (("synthetic", synthetic_event), ("duo", duo_event)):
        inp = make(args.holders, args.seed)
        plan = generate_breakouts(inp).assignment
        rng = np.random.default_rng(args.seed)
        present = set(rng.choice([a.id for a in inp.attendees], size=args.present, replace=False).tolist())
        late = tuple(Attendee(10**6 + k, (inp.themes[k % len(inp.themes)],), int(rng.integers(0, 5)),
                              f"late{k % 7}") for k in range(args.late))
        event = replace(inp, attendees=inp.attendees + late)
        for from_round in (0, 1):
            started = time.perf_counter()
            out = regroup_for_attendance(event, plan, present | {a.id for a in late}, from_round)
            elapsed = time.perf_counter() - started
            report = out.report
            print(json.dumps({
                "set": kind, "holders": args.holders, "present": args.present + args.late, "late": args.late,
                "from_round": from_round + 1, "time_s": round(elapsed, 3), "moved_people": out.moved_people,
                "moves_by_reason": dict(Counter(str(m.reason) for m in out.moves)),
                "no_shows": len(out.no_shows), "violations": report.hard_violations,
                "violations_by_rule": {str(rule): n for rule, n in report.violation_counts},
                "diversity": report.diversity, "bound": round(report.diversity_bound, 3),
                "gap_pct": round(report.gap_percent, 3),
            }), flush=True)


if __name__ == "__main__":
    main()
