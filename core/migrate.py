"""`python -m core.migrate`: run every migration forwards and exit non-zero when one fails.

(The `piccolo migrations forwards` CLI prints a failure but still exits 0, which would let a broken
migration pass `make run` and CI.)
"""

from __future__ import annotations

import sys

import anyio
from piccolo.apps.migrations.commands.forwards import run_forwards


async def migrate_all() -> tuple[bool, str]:
    result = await run_forwards(app_name="all")
    return bool(result.success), result.message or ""


def main() -> int:
    ok, message = anyio.run(migrate_all)
    if not ok:
        print(f"Migrations failed: {message}", file=sys.stderr)
        return 1
    print("Migrations complete.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
