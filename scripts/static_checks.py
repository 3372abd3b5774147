"""The static checks: ruff (lint), mypy (types) and import-linter (which folder may import which: the layers of
docs/architecture.md), each configured in pyproject.toml, one after the other.

    .venv/bin/python scripts/static_checks.py [--junit FILE]

Prints each tool's output; with --junit it also writes a JUnit file with one test case per tool, so
`make test`'s summary counts them like the test groups. Exit status 1 when any tool finds something.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHECKS = {"ruff": [str(BIN / "ruff"), "check", "."], "mypy": [str(BIN / "mypy")],
          # --no-cache: the graph of ~300 modules builds in a second, and no .import_linter_cache is left behind.
          "import-linter": [str(BIN / "lint-imports"), "--no-cache"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junit", type=Path, help="write a JUnit XML file here")
    args = parser.parse_args()
    suite = ET.Element("testsuite", name="static-checks", tests=str(len(CHECKS)), skipped="0", errors="0")
    failures = 0
    for name, command in CHECKS.items():
        began = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        output = (run.stdout + run.stderr).strip()
        print(f"{name}: {output}", flush=True)
        case = ET.SubElement(suite, "testcase", classname="static", name=name,
                             time=f"{time.monotonic() - began:.2f}")
        if run.returncode:
            failures += 1
            ET.SubElement(case, "failure", message=f"{name} found problems").text = output
    suite.set("failures", str(failures))
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(suite).write(args.junit, encoding="unicode")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
