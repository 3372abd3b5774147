"""The engine's HiGHS wrapper keeps the process's stdout clean: benchmarks print their JSON there."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SOLVE_ONE = """
from pairing.grouping.solver import MixedIntegerProgramme
p = MixedIntegerProgramme()
r = p.row(0, 1)
p.column(1.0, 0, 1, [(r, 1.0)], integer=True)
proved, best, values = p.solve()
import sys
sys.stderr.write(f"{proved} {best} {values}\\n")
"""


def test_solving_prints_nothing_on_stdout() -> None:
    run = subprocess.run([sys.executable, "-c", SOLVE_ONE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run.stdout == ""
    assert run.stderr.splitlines()[-1] == "True 1.0 [1.0]"
