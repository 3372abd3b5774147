"""CPU seconds and resident memory of process trees, from /proc (Linux): for benchmarks that run servers.

CPU is counted for a root process and all its descendants, live ones read directly and exited ones through
their parents' `cutime`/`cstime` (what a parent reaped). A busy machine does not change CPU seconds much,
unlike wall-clock time: they are the figure to compare on a shared box.
"""

from __future__ import annotations

import os
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, own ticks, reaped children's ticks) of a live process, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return int(fields[1]), utime + stime, cutime + cstime


def parent_pid(pid: int) -> int | None:
    stat = _stat(pid)
    return stat[0] if stat else None


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(entry))
    return children


def descendants(root: int) -> list[int]:
    children = _children()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by `root` and every descendant (live or reaped)."""
    ticks = 0
    for pid in descendants(root):
        stat = _stat(pid)
        if stat is not None:
            ticks += stat[1] + stat[2]
    return ticks / HZ


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _workers(root: int) -> list[int]:
    """The workers of a pre-forking server (its children, helpers left out); the root itself when it has none."""
    return [p for p in descendants(root) if p != root and not _is_helper(p)] or [root]


def worker_rss_mib(root: int) -> list[float]:
    """Resident memory of each worker."""
    return [r for r in (rss_mib(p) for p in _workers(root)) if r is not None]


def worker_cpu_seconds(root: int) -> list[float]:
    """CPU seconds used so far by each worker: how evenly the kernel spread the connections over the workers of a
    shared listening socket."""
    return [(stat[1] + stat[2]) / HZ for stat in (_stat(p) for p in _workers(root)) if stat is not None]


def _is_helper(pid: int) -> bool:
    """multiprocessing's resource tracker, which uvicorn's spawned workers bring along: not a worker."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (the whole machine, other tenants included)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / HZ
