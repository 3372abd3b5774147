"""A thin, deterministic wrapper around HiGHS (``highspy``) for the engine's small integer programmes."""

from __future__ import annotations

import functools
import os
import sys

import numpy as np

__all__ = ["MixedIntegerProgramme"]


class MixedIntegerProgramme:
    """A sparse mixed-integer programme (maximise), built column by column and solved by HiGHS.

    Deterministic: one thread, a fixed random seed, and a node limit instead of a time limit.
    """

    def __init__(self, max_nodes: int = 2_000) -> None:
        self.max_nodes = max_nodes
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.entries: list[list[tuple[int, float]]] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []

    def row(self, lower: float, upper: float) -> int:
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return len(self.row_lower) - 1

    def column(
        self, cost: float, lower: float, upper: float, entries: list[tuple[int, float]], *, integer: bool = False
    ) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        self.entries.append(list(entries))
        return len(self.cost) - 1

    def add(self, row: int, column: int, coefficient: float) -> None:
        self.entries[column].append((row, coefficient))

    def solve(self) -> tuple[bool, float | None, list[float] | None]:
        """(proved optimal, upper bound on the optimum, the best solution found) — no bound when the
        model is infeasible, no solution when none was found."""
        import highspy  # loaded only by events that need the linked bound

        inf = highspy.kHighsInf
        clip = lambda v: inf if v == np.inf else (-inf if v == -np.inf else v)  # noqa: E731
        lp = highspy.HighsLp()
        n_cols, n_rows = len(self.cost), len(self.row_lower)
        lp.num_col_, lp.num_row_ = n_cols, n_rows
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_ = np.array([clip(v) for v in self.lower])
        lp.col_upper_ = np.array([clip(v) for v in self.upper])
        lp.row_lower_ = np.array([clip(v) for v in self.row_lower])
        lp.row_upper_ = np.array([clip(v) for v in self.row_upper])
        starts = np.zeros(n_cols + 1, dtype=np.int32)
        index: list[int] = []
        value: list[float] = []
        for k, entries in enumerate(self.entries):
            for row, coefficient in entries:
                index.append(row)
                value.append(coefficient)
            starts[k + 1] = len(index)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value)
        if any(self.integer):
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if x else highspy.HighsVarType.kContinuous for x in self.integer
            ]
        solver = _new_solver()
        for option, setting in (("output_flag", False), ("random_seed", 0), ("threads", 1),
                                ("mip_max_nodes", self.max_nodes), ("mip_rel_gap", 1e-9)):
            solver.setOptionValue(option, setting)
        solver.passModel(lp)
        solver.run()
        status = solver.getModelStatus()
        info = solver.getInfo()
        found = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        values = list(solver.getSolution().col_value) if found else None
        if status == highspy.HighsModelStatus.kOptimal:
            best = float(info.objective_function_value)
            if any(self.integer):
                best = max(best, float(info.mip_dual_bound))
            return True, best, values
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return False, None, None
        dual = float(info.mip_dual_bound) if any(self.integer) else np.inf
        return False, (dual if np.isfinite(dual) else None), values


@functools.cache
def _banner_off_stdout() -> bool:
    """Build the process's first HiGHS solver with the C-level stdout sent to stderr, and only that one.

    HiGHS writes its copyright banner to file descriptor 1 when the first solver of a process is built, before any
    option can silence it; the benchmarks print their JSON on stdout, which the banner would corrupt.
    """
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return True


def _new_solver():
    import highspy

    _banner_off_stdout()
    return highspy.Highs()
