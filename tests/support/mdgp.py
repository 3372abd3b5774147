"""The MDGP benchmark instances shipped in bench/data/mdgp/ (source and licence in its README), read for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

MDGP_DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "mdgp"


def read_mdgp_instance(name: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The symmetric distance matrix and the (min, max) size of each group of instance `name`."""
    tokens = (MDGP_DATA / f"{name}.txt").read_text().split()
    n, m = int(tokens[0]), int(tokens[1])
    bounds = [(int(tokens[3 + 2 * g]), int(tokens[4 + 2 * g])) for g in range(m)]
    body = np.array(tokens[3 + 2 * m :], dtype=float).reshape(-1, 3)
    dist = np.zeros((n, n))
    dist[body[:, 0].astype(int), body[:, 1].astype(int)] = body[:, 2]
    return dist + dist.T, bounds
