"""Compile the grouping engine's numba kernels once, into their on-disk cache (`cache=True`).

    .venv/bin/python -m devtools.warm_kernels

On a fresh clone nothing is cached yet, and every process that groups first compiles the kernels itself. `make
test` runs several groups at once (unit, both API groups, two browser servers), so on a clean clone they all
compiled at the same time on 2 cores — and the facilitator's first "Groepen maken" in the PostgreSQL browser
journey waited more than Playwright's 30 s for its answer. `scripts/test.sh` runs this first, alone; `make run`
(scripts/run.sh) in the background while the app starts, so a facilitator's first grouping does not pay for it. A
rerun loads the cache and costs a few seconds.
"""

from __future__ import annotations

from pairing.grouping.engine import generate_breakouts
from pairing.grouping.model import DuoPolicy
from pairing.grouping.synthetic import synthetic_event


def main() -> None:
    for policy in DuoPolicy:  # each policy takes its own kernels' paths
        generate_breakouts(synthetic_event(40, 1, duo_policy=policy))


if __name__ == "__main__":
    main()
