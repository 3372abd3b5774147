"""Which part of a plan the facilitator's board page shows, and the rows of its rooms form: frozen values built
from the plan (pairing.schemas.PlanOut) without changing it. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import msgspec

from pairing.schemas import GroupOut, PlanOut, RoundOut

# A board page shows at most this many person cards (about 20 KB gzipped with their organisations and the rooms
# form), so that with the stylesheet and scripts it stays within the 60 KB page budget. A larger plan is shown a
# round at a time, and a round that is itself larger one theme at a time, with links to the others.
CARDS_PER_PAGE = 800


def _cards(groups: Sequence[GroupOut]) -> int:
    return sum(g.size for g in groups)


class RoundLink(msgspec.Struct, frozen=True):
    """A link to one round of a board shown a round at a time."""

    round: int
    people: int
    current: bool


class ThemeLink(msgspec.Struct, frozen=True):
    """A link to one theme of a round shown a theme at a time."""

    theme: str
    title: str
    people: int
    current: bool


class BoardView(msgspec.Struct, frozen=True):
    """The part of a plan a board page shows (`board_view`): the rounds as shown (a round cut to one theme is a new
    value, the plan itself is left as it is), which round and theme, and the links to the other parts."""

    rounds: Sequence[RoundOut]
    round: int | None = None
    theme: str | None = None
    round_links: tuple[RoundLink, ...] = ()
    theme_links: tuple[ThemeLink, ...] = ()


def board_view(plan: PlanOut, round_param: str = "", theme_param: str = "",
               limit: int = CARDS_PER_PAGE) -> BoardView:
    """Which part of the plan a board page shows: every round when the plan fits, else one round (``?ronde=``),
    else one theme of that round (``&thema=``); unknown values fall back to the first. Pure."""
    rounds = plan.rounds
    total = sum(_cards(r.groups) for r in rounds)
    numbers = [r.round for r in rounds]
    wanted = int(round_param) if round_param.isdigit() and int(round_param) in numbers else None
    if (total <= limit and wanted is None) or not rounds:
        return BoardView(rounds=rounds)
    current = next(r for r in rounds if r.round == (wanted if wanted is not None else numbers[0]))
    round_links = tuple(RoundLink(round=r.round, people=_cards(r.groups), current=r is current) for r in rounds)
    people: dict[str, int] = {}  # theme → people in this round, in the board's theme order
    titles: dict[str, str] = {}
    for g in current.groups:
        people[g.theme] = people.get(g.theme, 0) + g.size
        titles.setdefault(g.theme, g.theme_title)
    theme = None
    if _cards(current.groups) > limit or theme_param in people:
        theme = theme_param if theme_param in people else next(iter(people), None)
    groups = [g for g in current.groups if theme is None or g.theme == theme]
    theme_links = tuple(ThemeLink(theme=key, title=titles[key], people=n, current=key == theme)
                        for key, n in people.items()) if theme is not None else ()
    return BoardView(rounds=[msgspec.structs.replace(current, groups=groups)], round=current.round, theme=theme,
                     round_links=round_links, theme_links=theme_links)


def part_query(round_number: int | str | None, theme: str | None) -> str:
    """The query string that shows one part of the board: a round, or a theme of it (empty: the whole board)."""
    parts = []
    if round_number is not None:
        parts.append(f"ronde={round_number}")
    if theme:
        parts.append(f"thema={quote(theme)}")
    return "?" + "&".join(parts) if parts else ""


def view_query(view: BoardView) -> str:
    """The query string that shows the same part of the board again (after a redirect)."""
    return part_query(view.round, view.theme)


def room_field(round_number: int, group: int, theme: str) -> str:
    return f"room:{round_number}:{group}:{theme}"


def room_default_field(group: int, theme: str) -> str:
    """The field for a theme's group number in every round (the usual case: one room per theme group all day)."""
    return f"room-all:{group}:{theme}"


class RoomInRound(msgspec.Struct, frozen=True):
    round: int
    room: str


class RoomRow(msgspec.Struct, frozen=True):
    """A theme group number on the rooms form: its room in every round (`room`; "" and `mixed` when the rounds
    differ), and its room per round."""

    theme: str
    title: str
    number: int
    rounds: tuple[RoomInRound, ...]
    room: str
    mixed: bool


def room_rows(plan: PlanOut, view: BoardView | None = None) -> list[RoomRow]:
    """One row per theme group number (in the board's theme order): its room in every round when the rounds agree
    (else "" and `mixed`), and its room per round for the rounds that have that group — the per-round overrides.
    `view` (board_view): only the theme groups the page shows (a large plan is shown a round, or a theme of it,
    at a time). Pure."""
    shown = {(g.theme, g.number) for r in view.rounds for g in r.groups} if view else None
    found: dict[tuple[str, int], tuple[str, list[RoomInRound]]] = {}  # (theme, number) → (title, its rounds)
    for round_ in plan.rounds:
        for group in round_.groups:
            if shown is not None and (group.theme, group.number) not in shown:
                continue
            found.setdefault((group.theme, group.number), (group.theme_title, []))[1].append(
                RoomInRound(round=round_.round, room=group.room))
    rows = []
    for (theme, number), (title, rounds) in found.items():
        rooms = {r.room for r in rounds}
        rows.append(RoomRow(theme=theme, title=title, number=number, rounds=tuple(rounds),
                            room=next(iter(rooms)) if len(rooms) == 1 else "", mixed=len(rooms) > 1))
    order = {g.theme: i for r in plan.rounds for i, g in enumerate(r.groups)}
    return sorted(rows, key=lambda r: (order.get(r.theme, 0), r.theme, r.number))
