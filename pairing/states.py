"""The states pairing stores, in one place (pure: importable from anywhere above pairing).

Stored as the plain strings (`BreakoutPlan.status` is a Varchar); a StrEnum member equals its string, so rows read
back compare with these members directly. Ticketing's states that pairing reads (a valid ticket, a paid order, a
buyer's place) are ticketing's own constants in `ticketing.rules`; the event's in `events.rules`.
"""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """A breakout plan: a draft until its first publication, published from then on (re-publishing keeps it
    published; `changed_since_publish` says whether the draft has moved on since)."""

    DRAFT = "draft"
    PUBLISHED = "published"


__all__ = ["PlanStatus"]
