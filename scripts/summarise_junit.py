"""The end of `make test`: every group's counts and time, its slowest tests, the total wall time, and one closing
line with the totals (`total: N passed, N failed, N skipped`).

    python scripts/summarise_junit.py build/test-reports STARTED

reads build/test-reports/junit/*.xml (one per group) and build/test-reports/times/<group> (written by
scripts/test.sh: name, start, end, exit code); STARTED is when `make test` began (epoch seconds).
"""

from __future__ import annotations

import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SLOWEST = 3  # per group, here; each group's log has its own --durations list


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def cpu_seconds(root: Path, name: str) -> str:
    """The group's CPU seconds (user + system, its reaped children included), as scripts/test.sh timed them."""
    try:
        user, system = (root / "times" / f"{name}.cpu").read_text().split()[-2:]
        return f"{float(user) + float(system):6.0f} s"
    except (OSError, ValueError):
        return "      -"


def machine_busy(root: Path) -> str | None:
    """How many of the machine's cores were busy on average since scripts/test.sh began (all processes: the
    database server and Chromium included), from /proc/stat at its start and now; None where there is no /proc."""
    try:
        before = [int(v) for v in (root / "times" / ".proc-stat").read_text().split()[1:]]
        lines = Path("/proc/stat").read_text().splitlines()
        after = [int(v) for v in lines[0].split()[1:]]
        cores = sum(line.startswith("cpu") for line in lines) - 1  # "cpu" (all) and "cpu0", "cpu1", …
    except (OSError, ValueError, IndexError):
        return None
    delta = [a - b for a, b in zip(after, before, strict=False)]
    total, idle = sum(delta[:8]), delta[3] + delta[4]  # user … steal; idle + iowait
    if total <= 0:
        return None
    return f"machine: {cores * (total - idle) / total:.2f} of {cores} cores busy on average while the groups ran"


def main(folder: str, started: str | None = None) -> int:
    root = Path(folder)
    junit = root / "junit" if (root / "junit").is_dir() else root
    times: dict[str, tuple[float, float, int]] = {}
    for path in sorted((root / "times").glob("*")) if (root / "times").is_dir() else []:
        if path.name.startswith(".") or path.name == "failed" or path.suffix == ".cpu":
            continue
        name, began, ended, code = path.read_text().split()
        times[name] = (float(began), float(ended), int(code))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    rows, slow = [], []
    for path in sorted(junit.glob("*.xml"), key=lambda p: times.get(p.stem, (0, 0, 0))[0]):
        counts = dict.fromkeys(totals, 0)
        cases = []
        for suite in ET.parse(path).getroot().iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
            cases += [(float(c.get("time", 0)), f"{c.get('classname')}::{c.get('name')}")
                      for c in suite.iter("testcase")]
        for key in totals:
            totals[key] += counts[key]
        failed = counts["failures"] + counts["errors"]
        t0, t1, _rc = times.get(path.stem, (0.0, 0.0, 0))
        rows.append((path.stem, counts["tests"] - failed - counts["skipped"], failed, counts["skipped"], t0, t1))
        slow += [(path.stem, t, name) for t, name in sorted(cases, reverse=True)[:SLOWEST]]

    print("\n=== summary ===")
    first = min((r[4] for r in rows if r[4]), default=0.0)
    print(f"{'group':<18}{'passed':>7}{'failed':>7}{'skipped':>8}   started   wall     CPU")
    for name, passed, failed, skipped, t0, t1 in rows:
        when = f"{t0 - first:6.0f} s" if t0 else "      -"
        wall = f"{t1 - t0:6.0f} s" if t0 else "      -"
        print(f"{name:<18}{passed:>7}{failed:>7}{skipped:>8}  {when}  {wall}  {cpu_seconds(root, name)}")
    print("slowest tests (wall, setup and teardown included):")
    for group, seconds, name in slow:
        print(f"  {group:<17}{seconds:6.1f} s  {name}")
    busy = machine_busy(root)
    if busy:
        print(busy)
    if started:
        print(f"make test took {minutes(time.time() - float(started))} (wall, set-up included)")
    failed = totals["failures"] + totals["errors"]
    passed = totals["tests"] - failed - totals["skipped"]
    print(f"total: {passed} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed or totals["tests"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
