"""What the grouping engine (`pairing.grouping`, pure) gets for one event, read once per request.

For each ticket holder:
- the buyer: experience level, industry and organisation from their member profile (matched by e-mail,
  else the order's buyer account);
- a companion: industry and organisation from their place on the order (what the buyer entered, checked
  by the companion rule), experience level from their member account once its e-mail address is verified
  (an unverified account could be anyone's), else as given on the order, else UNKNOWN (None: the engine
  keeps it unknown and scores it as the middle level, docs/breakout-groups.md; never a starter);
- once a companion gave their experience and organisation on their own page (ticketing.companion_links), their
  word wins over the buyer's and over a profile;
- the duo partner: the other place of the same order; the ranking: their stored ranking (empty = neutral).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from members.rules import normalise_email
from members.tables import Member
from pairing import grouping
from pairing.access import EventRef, ThemeRef, breakout_sessions, event_themes
from pairing.holders import Holder, ticket_holders
from pairing.rankings import current_ranking, stored_rankings
from ticketing.rules import PlaceRole


@dataclass(frozen=True, slots=True)
class EventContext:
    """Everything about one event the engine and the views need."""

    event: EventRef
    themes: list[ThemeRef]
    holders: dict[int, Holder]
    people: tuple[grouping.Attendee, ...]
    experience: dict[int, int | None]
    industry: dict[int, str]
    organisation: dict[int, str]
    partner: dict[int, int | None]
    sessions: dict[tuple[int, int], dict[str, Any]]

    @property
    def theme_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.themes)

    @property
    def theme_titles(self) -> dict[str, str]:
        return {t.key: t.title for t in self.themes}


def _level(value: int | None) -> int | None:
    return None if value is None else min(4, max(0, int(value)))


def _normalise_organisation(value: str) -> str:
    return " ".join(value.split()).casefold()


async def load_context(event: EventRef) -> EventContext:
    themes = await event_themes(event.id)
    known = [t.key for t in themes]
    holders = await ticket_holders(event_id=event.id)
    emails = sorted({h.email for h in holders})
    buyer_ids = sorted({h.buyer_id for h in holders})
    profiles: dict[str, dict[str, Any]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    columns = (Member.id, Member.email, Member.experience_level, Member.industry, Member.organisation)
    for start in range(0, len(emails), 5000):
        # Only verified accounts speak for an address: an unverified one could be anyone's.
        for row in await Member.select(*columns).where(Member.email.is_in(emails[start:start + 5000])
                                                       & Member.email_verified_at.is_not_null()):
            profiles[normalise_email(row["email"])] = row
    for start in range(0, len(buyer_ids), 5000):
        for row in await Member.select(*columns).where(Member.id.is_in(buyer_ids[start:start + 5000])):
            by_id[row["id"]] = row
    rankings = await stored_rankings([h.id for h in holders])
    places_of_order: dict[int, list[int]] = defaultdict(list)
    for h in holders:
        places_of_order[h.order_id].append(h.id)
    people, experience, industry, organisation = [], {}, {}, {}
    for h in holders:
        is_buyer = h.role == PlaceRole.BUYER
        profile = profiles.get(h.email) or (by_id.get(h.buyer_id) if is_buyer else None)
        if is_buyer and profile is not None:
            ind, org = profile["industry"], profile["organisation"]
        elif h.details_confirmed:
            ind, org = h.industry or (profile["industry"] if profile else ""), h.organisation
        else:
            ind = h.industry or (profile["industry"] if profile else "")
            org = h.organisation or (profile["organisation"] if profile else "")
        if h.details_confirmed:  # the companion's own word, on their page, wins over everything else
            exp = _level(h.experience_level)
        else:
            exp = _level(profile["experience_level"]) if profile else _level(h.experience_level)
        partner = next((p for p in places_of_order[h.order_id] if p != h.id), None)
        experience[h.id], industry[h.id], organisation[h.id] = exp, ind, org
        people.append(grouping.Attendee(
            id=h.id, ranking=current_ranking(rankings.get(h.id, ()), known), experience=exp, industry=ind,
            organisation=_normalise_organisation(org), duo_partner=partner,
        ))
    sessions = await breakout_sessions([event.id])
    return EventContext(event, themes, {h.id: h for h in holders}, tuple(people), experience, industry,
                        organisation, {p.id: p.duo_partner for p in people}, sessions)


def grouping_input(ctx: EventContext, plan: Mapping[str, Any],
                   pins: Sequence[Mapping[str, Any]]) -> grouping.GroupingInput:
    """The engine's input from the plan's settings (a stored plan, or the values about to be stored)."""
    return grouping.GroupingInput(
        attendees=ctx.people,
        themes=ctx.theme_keys,
        rounds=plan["rounds"],
        min_size=plan["min_size"],
        max_size=plan["max_size"],
        duo_policy=grouping.DuoPolicy(plan["duo_policy"]),
        preference_mode=grouping.PreferenceMode(plan["preference_mode"]),
        pins=tuple(
            grouping.Pin(p["attendee"], p["round_number"] - 1, p["theme_key"], p["group_number"]) for p in pins
        ),
        seed=plan["seed"],
    )
