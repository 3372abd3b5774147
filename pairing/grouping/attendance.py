"""Breakout groups that follow who came: the remaining rounds for the people present, with minimal changes.

Contract of ``regroup_for_attendance`` (pure: no I/O, no clock; deterministic):

* Rounds before ``from_round`` are history: kept exactly as published (their meetings still count).
* In every remaining round, someone present keeps their published group unless a rule forces a move, and
  the only rule a no-show can break is the group size: a group left below the minimum is filled from the
  same theme (people who arrived without a group first, then single people from groups of that theme that
  can spare them), or — when that moves fewer people — dissolved into the theme's other groups with room.
* People present without a group in a round (late arrivals, or people who had no place in the plan) join a
  group with room, their planned theme first, without moving anyone else; a new group is never opened for
  them, so when no group with room keeps every rule they join one that does, one over the largest size (the
  report flags its size), before one where they would meet someone twice.
* Pins hold: a pinned person never moves (a group holding one is filled, never dissolved). Partners kept
  together move together. Every move goes to a group where it breaks no rule (colleagues, partners kept
  apart, meeting someone twice) when one exists, the most diverse such group first.
* No-shows are in no group of the remaining rounds. Every move is listed with its reason.

It never raises on odd input (unknown ids in ``present`` are ignored: they have no attributes to group by).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from enum import StrEnum

from .evaluate import duo_pairs, evaluate, planned_theme
from .model import Assignment, DuoPolicy, Group, GroupingInput, Report

__all__ = ["Move", "MoveReason", "Regrouping", "regroup_for_attendance"]


class MoveReason(StrEnum):
    """Why someone present changes group (stable codes for the board and the API)."""

    LATE_ARRIVAL = "late_arrival"  # had no group in this round: joins one with room
    FILLS_GROUP = "fills_group"  # moved into a group that no-shows left below the minimum size
    GROUP_DISSOLVED = "group_dissolved"  # their group was too small to keep after no-shows: spread over others


@dataclass(frozen=True, slots=True)
class Move:
    attendee_id: int
    round_index: int
    before: tuple[str, int] | None  # (theme, group number) in the published plan; None: had no group
    after: tuple[str, int]
    reason: MoveReason


@dataclass(frozen=True, slots=True)
class Regrouping:
    assignment: Assignment  # history unchanged; remaining rounds for the people present only
    moves: tuple[Move, ...]  # late arrivals included (before = None)
    no_shows: tuple[int, ...]  # planned people not present, taken out of the remaining rounds
    report: Report  # evaluate() for the people present (so no-shows do not count as unplaced)

    @property
    def moved_people(self) -> int:
        """People present who had a group and changed it (late arrivals not counted)."""
        return len({m.attendee_id for m in self.moves if m.before is not None})


_Key = tuple[str, int]  # (theme, group number) within one round


class _Round:
    """Mutable state of one remaining round: members per group and where everyone is."""

    def __init__(self, groups: list[Group]) -> None:
        self.members: dict[_Key, list[int]] = {(g.theme, g.number): list(g.members) for g in groups}
        self.where: dict[int, _Key] = {a: key for key, ms in self.members.items() for a in ms}

    def move(self, person: int, target: _Key) -> None:
        source = self.where.get(person)
        if source is not None:
            self.members[source].remove(person)
        self.members.setdefault(target, []).append(person)
        self.where[person] = target


class _Regrouper:
    def __init__(self, inp: GroupingInput, published: Assignment, present: frozenset[int], from_round: int) -> None:
        self.inp = inp
        self.people = {a.id: a for a in inp.attendees if a.id in present}
        self.from_round = max(0, from_round)
        by_round: dict[int, list[Group]] = defaultdict(list)
        for g in published.groups:
            by_round[g.round_index].append(g)
        self.history = [g for g in published.groups if g.round_index < self.from_round]
        self.rounds: dict[int, _Round] = {}
        self.no_shows: set[int] = set()
        for r in range(self.from_round, inp.rounds):
            kept = []
            for g in sorted(by_round.get(r, []), key=lambda g: (g.theme, g.number)):
                self.no_shows.update(a for a in g.members if a not in self.people)
                kept.append(Group(r, g.theme, g.number, tuple(a for a in g.members if a in self.people)))
            self.rounds[r] = _Round(kept)
        self.published = {r: dict(state.where) for r, state in self.rounds.items()}
        # Meetings of every round, history included: who was in a group with whom, per round.
        self.group_of: dict[int, dict[int, _Key]] = {r: state.where for r, state in self.rounds.items()}
        for g in self.history:
            for a in g.members:
                self.group_of.setdefault(g.round_index, {})[a] = (g.theme, g.number)
        self.pinned = {(p.attendee_id, p.round_index): (p.theme, p.group_number) for p in inp.pins}
        self.partners = {a: b for pair in duo_pairs(inp.attendees) for a, b in (pair, pair[::-1])}
        self.together = inp.duo_policy is DuoPolicy.TOGETHER
        self.moves: list[Move] = []

    # ---- rules ------------------------------------------------------------------------------------------
    def _pair_clashes(self, person: int, other: int, r: int) -> int:
        """Rules two people break by sharing a group in round r (colleagues, partners apart, a repeat)."""
        p, q = self.people[person], self.people[other]
        partners = self.partners.get(person) == other
        if partners and self.together:
            return 0
        count = int(bool(p.organisation) and p.organisation == q.organisation)
        count += int(partners and self.inp.duo_policy is DuoPolicy.APART)
        return count + sum(1 for s, where in self.group_of.items()
                           if s != r and person in where and where.get(other) == where[person])

    def _clashes(self, person: int, r: int, target: _Key, ignore: frozenset[int] = frozenset()) -> int:
        """Rules ``person`` would break by joining ``target`` in round r."""
        return sum(self._pair_clashes(person, other, r) for other in self.rounds[r].members.get(target, [])
                   if other != person and other not in ignore)

    def _gain(self, person: int, r: int, target: _Key) -> float:
        p, w = self.people[person], self.inp.weights
        return sum(w.experience * abs(p.scored_experience - self.people[o].scored_experience)
                   + w.industry * (p.industry != self.people[o].industry)
                   for o in self.rounds[r].members.get(target, []) if o != person)

    def _unit(self, person: int, r: int) -> list[int]:
        mate = self.partners.get(person)
        state = self.rounds[r]
        if self.together and mate in self.people and state.where.get(mate) == state.where.get(person):
            return [person, mate]
        return [person]

    def _is_pinned(self, person: int, r: int) -> bool:
        return (person, r) in self.pinned

    # ---- moves --------------------------------------------------------------------------------------------
    def _move(self, unit: list[int], r: int, target: _Key, reason: MoveReason) -> None:
        for person in unit:
            before = self.published[r].get(person)
            self.rounds[r].move(person, target)
            self.moves.append(Move(person, r, before, target, reason))

    def _best_target(self, unit: list[int], r: int, targets: list[_Key], room_for: int, *, clean: bool = False
                     ) -> _Key | None:
        """The group among ``targets`` with room where ``unit`` breaks fewest rules (none, if ``clean``), then
        adds most diversity."""
        state = self.rounds[r]
        best: tuple[int, float, _Key] | None = None
        for key in targets:
            if len(state.members.get(key, [])) + room_for > self.inp.max_size:
                continue
            clashes = sum(self._clashes(p, r, key, frozenset(unit)) for p in unit)
            if clean and clashes:
                continue
            gain = sum(self._gain(p, r, key) for p in unit)
            candidate = (clashes, -gain, key)
            if best is None or candidate < best:
                best = candidate
        return best[2] if best is not None else None

    def regroup_round(self, r: int) -> None:
        state = self.rounds[r]
        lo = self.inp.min_size
        homeless = sorted(a for a in self.people if a not in state.where)
        # 1. Groups that no-shows left too small: fill them, or dissolve them when that moves fewer people.
        for key in sorted(state.members, key=lambda k: (len(state.members[k]), k)):
            members = state.members[key]
            if not members or len(members) >= lo:
                continue
            deficit = lo - len(members)
            # People without a group fill the hole first (they must go somewhere anyway), one at a time so
            # that two of them never meet twice either.
            arrivals: list[int] = []
            size = len(members)
            for person in homeless:
                if len(arrivals) < deficit and self._clashes(person, r, key) == 0:
                    arrivals.append(person)
                    members.append(person)  # tentatively, so that the next ones are checked against them too
            donors = self._donors(r, key, deficit - len(arrivals))
            del members[size:]
            fills = len(arrivals) + sum(len(u) for u in donors) >= deficit
            others = [k for k in state.members if k != key and k[0] == key[0] and state.members[k]]
            room = sum(self.inp.max_size - len(state.members[k]) for k in others)
            can_dissolve = room >= len(members) and not any(self._is_pinned(a, r) for a in members)
            fewer_moves = not fills or len(members) < deficit - len(arrivals)
            if can_dissolve and fewer_moves and self._dissolve(r, key, others):
                continue
            for person in arrivals:
                homeless.remove(person)
                self._move([person], r, key, MoveReason.LATE_ARRIVAL)
            for unit in donors:
                self._move(unit, r, key, MoveReason.FILLS_GROUP)
        # 2. Everyone present without a group: a group with room, the planned theme first; nobody else moves.
        for person in homeless:
            if person in state.where:
                continue
            unit = [person]
            mate = self.partners.get(person)
            if self.together and mate in self.people and mate not in state.where:
                unit.append(mate)
            pin = self.pinned.get((person, r))
            planned = pin[0] if pin else planned_theme(self.people[person], r, self.inp.preference_mode)
            keys = sorted(k for k in state.members if state.members[k])
            if pin and pin[1] is not None:
                keys = [k for k in keys if k == (pin[0], pin[1])] or keys
            preferred = [k for k in keys if k[0] == planned] if planned else []
            # Rules outrank preferences: the planned theme only among groups where no rule breaks; a group
            # one over the largest size (one more chair) before a group where someone meets a person twice.
            target = (self._best_target(unit, r, preferred, len(unit), clean=True)
                      or self._best_target(unit, r, keys, len(unit), clean=True)
                      or self._best_target(unit, r, keys, len(unit) - self.inp.max_size, clean=True)
                      or self._best_target(unit, r, keys, len(unit))
                      or min(keys, key=lambda k: (len(state.members[k]), k), default=None))
            if target is None:  # no group at all in this round: open the plan's first theme's group 1
                target = (pin[0] if pin else self.inp.themes[0], 1)
            self._move(unit, r, target, MoveReason.LATE_ARRIVAL)

    def _donors(self, r: int, key: _Key, needed: int) -> list[list[int]]:
        """Units that groups of the same theme can spare (they stay at or above the minimum), no rule broken
        at the target, most diverse first; pinned people never."""
        if needed <= 0:
            return []
        state = self.rounds[r]
        candidates: list[tuple[float, int, list[int]]] = []
        for source, members in state.members.items():
            if source == key or source[0] != key[0] or len(members) <= self.inp.min_size:
                continue
            for person in members:
                unit = self._unit(person, r)
                if unit[0] != person or any(self._is_pinned(p, r) or self.published[r].get(p) != source
                                            for p in unit):
                    continue  # pinned, or already moved here in this round: never moved twice
                if any(self._clashes(p, r, key, frozenset(unit)) for p in unit):
                    continue
                candidates.append((-sum(self._gain(p, r, key) for p in unit), person, unit))
        spare: dict[_Key, int] = {k: len(m) - self.inp.min_size for k, m in state.members.items()}
        chosen: list[list[int]] = []
        for _, _, unit in sorted(candidates, key=lambda c: (c[0], c[1])):
            source = state.where[unit[0]]
            if any(self._pair_clashes(p, q, r) for p in unit for taken in chosen for q in taken):
                continue  # two donors who may not share a group either
            if spare[source] >= len(unit) and sum(len(u) for u in chosen) + len(unit) <= needed:
                chosen.append(unit)
                spare[source] -= len(unit)
            if sum(len(u) for u in chosen) >= needed:
                break
        return chosen

    def _dissolve(self, r: int, key: _Key, others: list[_Key]) -> bool:
        """Spread the group over the theme's other groups, each unit where it breaks no rule; if some unit
        has no such place, nothing moves (a group too small breaks one rule; moving into a clash another)."""
        state = self.rounds[r]
        done: list[list[int]] = []
        for person in sorted(state.members[key]):
            if state.where.get(person) != key:
                continue
            unit = self._unit(person, r)
            target = self._best_target(unit, r, others, len(unit), clean=True)
            if target is None:
                for moved in done:  # roll back
                    for p in moved:
                        state.move(p, key)
                del self.moves[len(self.moves) - sum(len(u) for u in done):]
                return False
            self._move(unit, r, target, MoveReason.GROUP_DISSOLVED)
            done.append(unit)
        return True

    def result(self) -> Regrouping:
        groups = list(self.history)
        for r, state in sorted(self.rounds.items()):
            for (theme, number), members in sorted(state.members.items()):
                if members:
                    groups.append(Group(r, theme, number, tuple(sorted(members))))
        assignment = Assignment(tuple(groups))
        # The report is about the people here: the past rounds count with those of them who were there.
        present_inp = replace(self.inp, attendees=tuple(a for a in self.inp.attendees if a.id in self.people),
                              pins=tuple(p for p in self.inp.pins if p.attendee_id in self.people))
        seen = Assignment(tuple(
            replace(g, members=tuple(a for a in g.members if a in self.people)) if g.round_index < self.from_round
            else g for g in groups))
        report = evaluate(present_inp, seen, history_rounds=self.from_round)
        return Regrouping(assignment, tuple(self.moves), tuple(sorted(self.no_shows)), report)


def regroup_for_attendance(
    inp: GroupingInput, published: Assignment, present: frozenset[int] | set[int], from_round: int = 0
) -> Regrouping:
    """The remaining rounds (``from_round`` on) for the people ``present``, keeping everyone present in their
    published group wherever the rules allow; see the module docstring for the whole contract."""
    regrouper = _Regrouper(inp, published, frozenset(present), from_round)
    for r in range(regrouper.from_round, inp.rounds):
        regrouper.regroup_round(r)
    return regrouper.result()
