"""Who may do what: one table row per route (method, path template, body) and the status each role gets.

Roles: `anon` (nobody signed in), `member` (an account, no ticket), `holder` (holds a live ticket for the
`{open}` event), `door` (the door role at `{open}`), `fac` (facilitator of `{open}`, and of no other event),
`other` (an organiser of other events), `admin` (an administrator, not an organiser), `owner` (the organiser of
every event below). The setup (`World`) creates free published events with a paid duo order of `holder` each, a
draft, a feed token and a ticket code; path placeholders are filled from it:

    {open} {draft}      a published event / a draft, both of `owner`
    {fresh_draft}       a new draft of `owner` for each request (for publish/cancel rows)
    {fresh_open}        a new published event of `owner` for each request
    {order} {code}      `holder`'s order and ticket code for {open}
    {b} {order_b}       another event with an order of `holder` (organiser-cancel rows)
    {c} {order_c}       another event with an order of `holder` (buyer-cancel rows)
    {feed}              `holder`'s personal feed token
    {full} {entry}      a sold-out event (`holder`'s order took its one place) and `fac`'s place on its waiting list
    {invoice}           the invoice of {order} (issued as if it had been paid)
    {member_id}         `member`'s account id, {door_role} "door" (team rows: revoking a role nobody holds)

Adding a route: add a row here. `test_every_route_has_a_row` fails for any route in the OpenAPI document
without one (routes still being built may be listed in PENDING with a reason, which keeps them visible).

Besides the statuses, every response is checked for other people's personal data: no role ever receives
another member's e-mail address or birth date, except the organiser of the event (attendee lists, order
logs, the event's team) and administrators (role holders, the role log, every event's organiser, any event's
team) — and they see e-mail addresses only: a birth date reaches nobody but its owner (the organiser sees the
companion rule's outcome).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.invoicing import billing_body, invoice_as_if_paid, seller_body
from tests.support.members import Members

ROLES = ("anon", "member", "holder", "door", "fac", "other", "admin", "owner")  # in this order: the owner acts last
_counter = itertools.count(1)


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    return {**every(status), "anon": 401, **overrides}


def organisers(owner: int, other: int | None = None, **overrides: int) -> dict[str, int]:
    """Behind requires_organiser: 401 anonymous, 403 for members, holders, the event's door and facilitator, and
    administrators (who are no organiser)."""
    return {"anon": 401, "member": 403, "holder": 403, "door": 403, "fac": 403, "admin": 403, "owner": owner,
            "other": owner if other is None else other, **overrides}


def facilitators(owner: int, fac: int | None = None, other: int = 403, **overrides: int) -> dict[str, int]:
    """Behind requires_facilitator: the event's own facilitators and organiser (the door role and administrators
    are refused)."""
    return {"anon": 401, "member": 403, "holder": 403, "door": 403, "fac": owner if fac is None else fac,
            "other": other, "admin": 403, "owner": owner, **overrides}


def admins(status: int) -> dict[str, int]:
    """Behind requires_admin: administrators only."""
    return {**every(403), "anon": 401, "admin": status}


def team(owner: int, *, hidden: bool = False) -> dict[str, int]:
    """An event's team: its organiser and administrators; anyone else 403, or 404 for a draft (`hidden`)."""
    return {**every(404 if hidden else 403), "anon": 401, "owner": owner, "admin": owner}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    fresh_token: bool = False  # the request ends the session it uses (logout)
    personal_data_ok: frozenset[str] = field(default_factory=frozenset)  # roles that may see others' data


def _companion() -> dict[str, Any]:
    n = next(_counter)
    return {"companion": {"name": f"Partner {n}", "email": f"partner{n}@example.nl", "industry": "retail",
                          "birth_date": None, "organisation": "Bakkerij"}}


def _event(**extra: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=60)).replace(hour=12, minute=0, second=0, microsecond=0)
    return {"title": f"Matrix {next(_counter)}", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=6)).isoformat(), "capacity_duos": 20, "price_cents": 0, **extra}


def _signup() -> dict[str, Any]:
    n = next(_counter)
    return {"email": f"nieuw{n}@example.nl", "password": "een-goed-wachtwoord-42", "name": f"Nieuw {n}"}


RANKING = {"themes": ["keurmerk", "imago", "mens-in-klantcontact"]}
IDEA = {"theme": "keurmerk", "title": "Een keurmerk dat klanten zien"}
ORGANISER_SEES = frozenset({"owner"})
TEAM_SEES = frozenset({"owner", "admin"})
ADMIN_SEES = frozenset({"admin"})

MATRIX: list[Row] = [
    # meta and members
    Row("GET", "/healthz", every(200)),
    Row("GET", "/api/v1/industries", every(200)),
    Row("GET", "/api/v1/experience-levels", every(200)),
    Row("POST", "/api/v1/auth/signup", every(202), body=_signup),
    Row("POST", "/api/v1/auth/login", every(401), body={"email": "x@example.nl", "password": "niet-goed-123"}),
    Row("POST", "/api/v1/auth/logout", signed_in(204), fresh_token=True),
    # The token is the credential (anyone holding the mailed link may verify): a forged one is 400 for all.
    Row("POST", "/api/v1/auth/verify-email", every(400), body={"token": "vervalst-" + "x" * 40}),
    # Anyone may ask (the same 202 with or without an account); a new address each time (3 per address per hour).
    Row("POST", "/api/v1/auth/password-reset", every(202),
        body=lambda w: {"email": f"vergeten{next(_counter)}@example.nl"}),
    # As with verification, the mailed token is the credential: a forged one is 400 for all.
    Row("POST", "/api/v1/auth/password-reset/confirm", every(400),
        body={"token": "vervalst-" + "x" * 40, "password": "een-nieuw-wachtwoord-7"}),
    # Every matrix account is made like the CLI makes one (verified at creation): nothing to resend.
    Row("POST", "/api/v1/me/verify-email/resend", signed_in(409)),
    Row("GET", "/api/v1/me", signed_in(200)),
    Row("PATCH", "/api/v1/me", signed_in(200), body={"organisation": "Klantcontact BV"}),
    Row("DELETE", "/api/v1/me", signed_in(403), body={"password": "niet-het-goede-1"}),
    Row("GET", "/api/v1/me/export", signed_in(200)),
    # Granting `other` the organiser role it holds: changes nothing, so later rows see the same world.
    Row("POST", "/api/v1/members/roles", admins(200), personal_data_ok=ADMIN_SEES,
        body=lambda w: {"email": w.emails["other"], "role": "organiser", "enabled": True}),
    Row("GET", "/api/v1/admin/roles", admins(200), personal_data_ok=ADMIN_SEES),
    Row("GET", "/api/v1/admin/role-log", admins(200), personal_data_ok=ADMIN_SEES),
    Row("GET", "/api/v1/admin/events", admins(200), personal_data_ok=ADMIN_SEES),
    # events
    Row("GET", "/api/v1/events", every(200)),
    Row("POST", "/api/v1/events", organisers(201), body=_event),
    Row("GET", "/api/v1/events/mine", organisers(200)),
    Row("GET", "/api/v1/events/{open}", every(200)),
    Row("GET", "/api/v1/events/{draft}", {**every(404), "owner": 200, "admin": 200}),
    Row("PATCH", "/api/v1/events/{open}", organisers(200, 403), body={"description": "Bijgewerkt"}),
    Row("PATCH", "/api/v1/events/{draft}", organisers(200, 404), body={"description": "Bijgewerkt"}),
    Row("POST", "/api/v1/events/{open}/publish", organisers(200, 403)),
    Row("POST", "/api/v1/events/{fresh_draft}/publish", organisers(200, 404)),
    Row("POST", "/api/v1/events/{fresh_open}/cancel", organisers(200, 403), body={"reason": "Zaal dicht"}),
    # the banner: a JSON body is no image (422 image_type for the owner); removing one that is not there is fine
    Row("PUT", "/api/v1/events/{open}/image", organisers(422, 403), body={"image": "geen"}),
    Row("DELETE", "/api/v1/events/{open}/image", organisers(204, 403)),
    Row("GET", "/media/e/{open}/0000000000000000.jpg", every(404)),
    Row("GET", "/media/e/{draft}/0000000000000000.webp", every(404)),
    Row("POST", "/api/v1/events/{fresh_draft}/cancel", organisers(200, 404), body={"reason": ""}),
    # the event's team (granting `fac` the role it holds, and revoking a role `member` does not hold: both change
    # nothing, so later rows see the same world)
    Row("GET", "/api/v1/events/{open}/team", team(200), personal_data_ok=TEAM_SEES),
    Row("GET", "/api/v1/events/{draft}/team", team(200, hidden=True), personal_data_ok=TEAM_SEES),
    Row("POST", "/api/v1/events/{open}/team", team(201), personal_data_ok=TEAM_SEES,
        body=lambda w: {"email": w.emails["fac"], "role": "facilitator"}),
    Row("DELETE", "/api/v1/events/{open}/team/{member_id}/{door_role}", team(204)),
    # theme rankings: before the order rows below, after which every signed-in role holds a ticket for {open}
    Row("GET", "/api/v1/events/{open}/ranking", signed_in(403, holder=200)),  # no_ticket
    Row("PUT", "/api/v1/events/{open}/ranking", signed_in(403, holder=200), body=RANKING),
    # ideas: the matrix events have no agenda, so the window is the event itself (not yet open: 409 for a holder)
    Row("GET", "/api/v1/events/{open}/ideas", every(200)),
    Row("GET", "/api/v1/events/{draft}/ideas", {**every(404), "owner": 200, "admin": 200}),
    Row("POST", "/api/v1/events/{open}/ideas", signed_in(403, holder=409), body=IDEA),  # no_ticket, window
    Row("GET", "/api/v1/events/{open}/ideas/1", every(404)),  # idea_not_found
    Row("PATCH", "/api/v1/events/{open}/ideas/1", signed_in(404), body={"title": "Anders"}),
    Row("GET", "/api/v1/events/{open}/ideas/1/versions", every(404)),
    Row("GET", "/api/v1/events/{open}/ideas/settings", organisers(200, 403)),
    Row("PUT", "/api/v1/events/{open}/ideas/settings", organisers(200, 403), body={"wall": "public"}),
    Row("PUT", "/api/v1/events/{draft}/ideas/settings", signed_in(404, owner=200, admin=403), body={}),
    Row("GET", "/api/v1/events/{open}/ideas/votes", every(200)),
    Row("POST", "/api/v1/events/{open}/ideas/votes", signed_in(403, owner=409), body={"method": "approval"}),
    Row("GET", "/api/v1/events/{open}/ideas/votes/1", every(404)),  # vote_not_found
    Row("POST", "/api/v1/events/{open}/ideas/votes/1/close", signed_in(403, owner=404)),
    Row("POST", "/api/v1/events/{open}/ideas/votes/1/ballot", signed_in(404), body={"choices": []}),
    Row("PUT", "/api/v1/events/{open}/ideas/votes/1/ballot", signed_in(404), body={"receipt": "X", "choices": []}),
    Row("POST", "/api/v1/events/{open}/ideas/votes/1/receipt", every(404), body={"receipt": "X"}),
    Row("GET", "/api/v1/events/{open}/ideas/votes/1/results", every(404)),
    # the jury: the facilitator account is appointed juror by the owner (the owner acts last in each row)
    Row("GET", "/api/v1/events/{open}/ideas/jury", every(200)),
    Row("POST", "/api/v1/events/{open}/ideas/jury/jurors", signed_in(403, owner=201),
        body=lambda w: {"email": w.emails["fac"]}),
    Row("DELETE", "/api/v1/events/{open}/ideas/jury/jurors/999999", signed_in(403, owner=404)),
    Row("GET", "/api/v1/events/{open}/ideas/jury/scores", signed_in(403, fac=200)),
    Row("PUT", "/api/v1/events/{open}/ideas/jury/scores", signed_in(403, fac=422),
        body={"scores": [{"idea": 1, "criterion": "impact", "score": 5}]}),
    # ticketing
    Row("POST", "/api/v1/events/{open}/orders", signed_in(201, holder=409), body=lambda w: _companion()),
    Row("POST", "/api/v1/events/{open}/eligibility-check", every(200),
        body={"industry": "retail", "birth_date": None}),
    Row("GET", "/api/v1/events/{open}/attendees", organisers(200, 403), personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/events/{open}/attendees.csv", organisers(200, 403), personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/events/{open}/attendees?state=cancelled", organisers(200, 403),
        personal_data_ok=ORGANISER_SEES),
    Row("POST", "/api/v1/events/{open}/overrides", organisers(201, 403),
        body=lambda w: {"email": f"uitzondering{next(_counter)}@example.nl", "reason": "Stagiair"}),
    Row("POST", "/api/v1/events/{open}/overrides/999999/revoke", organisers(404, 403)),  # override_not_found
    Row("POST", "/api/v1/events/{b}/orders/{order_b}/cancel", organisers(200, 403), body={"reason": "Dubbel"},
        personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/orders", signed_in(200)),
    Row("GET", "/api/v1/me/tickets", signed_in(200)),  # own places only: the partner by name, no e-mail
    Row("GET", "/api/v1/orders/{order}", signed_in(404, holder=200, owner=200), personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/orders/{order}/log", signed_in(404, holder=200, owner=200),
        personal_data_ok=ORGANISER_SEES),
    # The organiser sees the order (403: only its buyer acts on it); anyone else does not know it exists (404).
    Row("PUT", "/api/v1/orders/{order}/companion", signed_in(404, holder=200, owner=403),
        body=lambda w: _companion()["companion"]),
    Row("POST", "/api/v1/orders/{order}/payment", signed_in(404, holder=409, owner=403)),
    Row("POST", "/api/v1/orders/{order_c}/cancel", signed_in(404, holder=200, owner=403)),
    # the waiting list: {open} has places free (409 seats_available, or duplicate_attendee for the holder)
    Row("POST", "/api/v1/events/{open}/waiting-list", signed_in(409), body=lambda w: _companion()),
    Row("GET", "/api/v1/events/{full}/waiting-list/summary", every(200)),
    Row("GET", "/api/v1/events/{full}/waiting-list", organisers(200, 403), personal_data_ok=ORGANISER_SEES),
    Row("PATCH", "/api/v1/events/{full}/waiting-list", organisers(200, 403), body={"offer_hours": 12},
        personal_data_ok=ORGANISER_SEES),
    Row("POST", "/api/v1/events/{full}/waiting-list/offers", organisers(409, 403)),  # no place free
    Row("GET", "/api/v1/me/waiting-list", signed_in(200)),
    Row("GET", "/api/v1/me/waiting-list/{entry}", signed_in(404, fac=200)),
    Row("POST", "/api/v1/me/waiting-list/{entry}/leave", signed_in(404, fac=200)),
    Row("POST", "/api/v1/stripe/webhook", every(400), body={"id": "evt_forged", "type": "payment_intent.succeeded"}),
    # invoicing: seller details (each organiser their own: `other` has none yet; `owner` has them for {invoice})
    Row("GET", "/api/v1/me/seller-details", organisers(200, 404)),
    Row("PUT", "/api/v1/me/seller-details", organisers(200), body=lambda w: seller_body()),
    Row("GET", "/api/v1/me/seller-details", organisers(200)),
    # invoicing: an order's billing details and invoices (its buyer; the organiser reads them), one invoice's PDF
    Row("GET", "/api/v1/orders/{order}/billing", signed_in(404, holder=200, owner=200)),
    Row("PUT", "/api/v1/orders/{order_c}/billing", signed_in(404, holder=200, owner=403),
        body=lambda w: billing_body()),
    Row("DELETE", "/api/v1/orders/{order_c}/billing", signed_in(404, holder=200, owner=403)),
    Row("GET", "/api/v1/orders/{order}/invoices", signed_in(404, holder=200, owner=200)),
    Row("GET", "/api/v1/invoices/{invoice}/pdf", signed_in(404, holder=200, owner=200),
        personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/events/{open}/invoices", organisers(200, 403), personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/events/{open}/invoices.csv", organisers(200, 403), personal_data_ok=ORGANISER_SEES),
    Row("GET", "/api/v1/events/{open}/invoices.zip", organisers(200, 403), personal_data_ok=ORGANISER_SEES),
    # theme rankings and breakouts
    Row("GET", "/api/v1/events/{open}/themes/ranking", every(200)),
    Row("GET", "/api/v1/tickets/{code}/ranking", every(200)),
    Row("PUT", "/api/v1/tickets/{code}/ranking", every(200), body=RANKING),
    Row("GET", "/api/v1/events/{open}/my-breakout", signed_in(404)),
    Row("GET", "/api/v1/me/breakouts?event={open}", signed_in(404)),  # nothing published yet
    Row("GET", "/api/v1/events/{open}/breakouts", facilitators(404)),
    Row("POST", "/api/v1/events/{open}/breakouts/generate", facilitators(422), body={}),
    Row("POST", "/api/v1/events/{open}/breakouts/regenerate", facilitators(404), body={}),
    Row("POST", "/api/v1/events/{open}/breakouts/move", facilitators(404),
        body={"attendee": 1, "round": 1, "theme": "imago", "group": 1}),
    Row("POST", "/api/v1/events/{open}/breakouts/swap", facilitators(404),
        body={"attendee": 1, "other": 2, "round": 1}),
    Row("POST", "/api/v1/events/{open}/breakouts/pins", facilitators(404),
        body={"attendee": 1, "round": 1, "theme": "imago"}),
    Row("DELETE", "/api/v1/events/{open}/breakouts/pins/1/1", facilitators(404)),
    Row("PUT", "/api/v1/events/{open}/breakouts/rooms", facilitators(404),
        body={"rooms": [{"theme": "imago", "group": 1, "room": "Zaal 2"}]}),
    Row("POST", "/api/v1/events/{open}/breakouts/publish", facilitators(404)),
    Row("POST", "/api/v1/events/{open}/breakouts/regroup/preview", facilitators(404), body={}),  # plan_not_found
    Row("POST", "/api/v1/events/{open}/breakouts/regroup/publish", facilitators(404), body={"fingerprint": "x"}),
    # the door (check-in): the event's organiser and facilitators (and, per event, its door role)
    Row("POST", "/api/v1/events/{open}/checkins", facilitators(200, door=200),
        body=lambda w: {"device": "Deur A", "code": w.values["code"]}),
    Row("POST", "/api/v1/events/{open}/checkins/batch", facilitators(200, door=200),
        body=lambda w: {"device": "Deur B", "items": [{"code": w.values["code"], "client_id": "1"}]}),
    Row("GET", "/api/v1/events/{open}/checkins", facilitators(200, door=200)),
    Row("GET", "/api/v1/events/{open}/checkins/door-list", facilitators(200, door=200)),
    Row("GET", "/api/v1/events/{open}/checkins/missing.csv", facilitators(200, door=200)),
    Row("DELETE", "/api/v1/events/{open}/checkins/999999", facilitators(404, door=404)),  # checkin_not_found
    # a draft: nobody else's (an administrator sees the draft, but works no door)
    Row("GET", "/api/v1/events/{draft}/checkins", {**signed_in(404), "admin": 403, "owner": 200}),
    # calendars
    Row("GET", "/calendar.ics", every(200)),
    Row("HEAD", "/calendar.ics", every(200)),
    Row("GET", "/events/{open}.ics", every(200)),
    Row("HEAD", "/events/{open}.ics", every(200)),
    Row("GET", "/events/{draft}.ics", every(404)),
    Row("GET", "/feeds/{feed}.ics", every(200)),
    Row("HEAD", "/feeds/{feed}.ics", every(200)),
    Row("GET", "/feeds/niet-een-echte-token.ics", every(404)),
    Row("GET", "/api/v1/me/calendar", signed_in(200)),
    Row("PATCH", "/api/v1/me/calendar", signed_in(200), body={"reminder_minutes": 30}),
    Row("POST", "/api/v1/me/calendar/rotate", signed_in(200)),
    Row("DELETE", "/api/v1/me/calendar/personal", signed_in(204)),
]

# Routes in the OpenAPI document that may go without a row for now, each with the reason. Keep it empty.
PENDING: dict[tuple[str, str], str] = {}


def _template(path: str) -> str:
    """The OpenAPI path template a concrete row path belongs to (placeholders and ids become {…})."""
    parts = []
    for part in path.split("?", 1)[0].split("/"):
        if part.startswith("{") or part.isdigit():
            parts.append("{}")
        elif part.endswith(".ics") and part != "calendar.ics":
            parts.append("{}")
        else:
            parts.append(part)
    return "/".join(parts)


def _openapi_template(path: str) -> str:
    return "/".join("{}" if p.startswith("{") else p for p in path.split("/"))


class World:
    """Members of every role, events, orders and tokens the rows refer to."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.headers: dict[str, dict[str, str]] = {"anon": {}}
        self.emails: dict[str, str] = {}
        self.birth_dates: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        self.values: dict[str, str] = {}

    async def build(self, members: Members) -> None:
        from members.feed_tokens import rotate_feed_token
        from tests.support.members import give_event_role

        specs = {"member": (), "holder": (), "door": (), "fac": (), "owner": ("organiser",), "other": ("organiser",),
                 "admin": ("admin",)}
        for i, (role, roles) in enumerate(specs.items()):
            birth = date(1960 + i, 1 + i, 10 + i)
            made = await members.create(*roles, email=f"{role}@matrix.example.nl", birth_date=birth)
            self.headers[role], self.emails[role] = made["headers"], made["email"]
            self.birth_dates[role], self.ids[role] = birth.isoformat(), made["id"]
        self.values["open"] = await self.published()
        await give_event_role(self.values["open"], self.emails["fac"], "facilitator")
        await give_event_role(self.values["open"], self.emails["door"], "door")
        self.values["member_id"], self.values["door_role"] = str(self.ids["member"]), "door"
        self.values["draft"] = await self.draft()
        self.values["order"], self.values["code"] = await self.order(self.values["open"])
        self.values["b"] = await self.published()
        self.values["order_b"], _ = await self.order(self.values["b"])
        self.values["c"] = await self.published()
        self.values["order_c"], _ = await self.order(self.values["c"])
        self.values["feed"] = await rotate_feed_token(self.ids["holder"])
        self.values["full"] = await self.published(capacity_duos=1)
        await self.order(self.values["full"])
        joined = await self.client.post(f"/api/v1/events/{self.values['full']}/waiting-list", json=_companion(),
                                        headers=self.headers["fac"])
        assert joined.status_code == 201, joined.text
        self.values["entry"] = str(joined.json()["id"])
        self.values["invoice"] = str(await invoice_as_if_paid(self.ids["owner"], int(self.values["order"])))
        other_event = await self.client.post("/api/v1/events", json=_event(), headers=self.headers["other"])
        assert other_event.status_code == 201, other_event.text

    async def draft(self, **extra: Any) -> str:
        created = await self.client.post("/api/v1/events", json=_event(**extra), headers=self.headers["owner"])
        assert created.status_code == 201, created.text
        return created.json()["slug"]

    async def published(self, **extra: Any) -> str:
        slug = await self.draft(**extra)
        published = await self.client.post(f"/api/v1/events/{slug}/publish", headers=self.headers["owner"])
        assert published.status_code == 200, published.text
        return slug

    async def order(self, slug: str) -> tuple[str, str]:
        from ticketing.tables import Ticket

        response = await self.client.post(f"/api/v1/events/{slug}/orders", json=_companion(),
                                          headers=self.headers["holder"])
        assert response.status_code == 201, response.text
        order = response.json()
        assert order["status"] == "paid", order  # a free event is paid at once, with tickets
        tickets = await Ticket.select(Ticket.code).where(Ticket.order == order["id"])
        return str(order["id"]), tickets[0]["code"]

    async def fresh_token(self, role: str) -> dict[str, str]:
        from members.sessions import issue_token as _issue

        token, _ = await _issue(self.ids[role], "api", timedelta(days=1))
        return {"Authorization": f"Bearer {token}"}

    async def path(self, template: str) -> str:
        path = template
        if "{fresh_draft}" in path:
            path = path.replace("{fresh_draft}", await self.draft())
        if "{fresh_open}" in path:
            path = path.replace("{fresh_open}", await self.published())
        for key, value in self.values.items():
            path = path.replace("{" + key + "}", value)
        return path


def _body(row: Row, world: World) -> Any:
    if callable(row.body):
        try:
            return row.body(world)
        except TypeError:
            return row.body()
    return row.body


@pytest.mark.anyio
async def test_authorisation_matrix(client: httpx.AsyncClient, members: Members) -> None:
    world = World(client)
    await world.build(members)
    mismatches: list[str] = []
    leaks: list[str] = []
    for row in MATRIX:
        for role in ROLES:
            headers = world.headers[role]
            if row.fresh_token and role != "anon":
                headers = await world.fresh_token(role)
            path = await world.path(row.path)
            body = _body(row, world)
            kwargs: dict[str, Any] = {"headers": headers}
            if body is not None:
                kwargs["json"] = body
            response = await client.request(row.method, path, **kwargs)
            want = row.expected[role]
            if response.status_code != want:
                mismatches.append(f"{row.method} {row.path} as {role}: {response.status_code} (expected {want}) "
                                  f"{response.text[:160]}")
            text = response.text
            for other, email in world.emails.items():
                if other == role:
                    continue
                if role not in row.personal_data_ok and email in text:
                    leaks.append(f"{row.method} {row.path} as {role} shows {other}'s personal data")
                if world.birth_dates[other] in text:  # not even the organiser: only the rule's outcome
                    leaks.append(f"{row.method} {row.path} as {role} shows {other}'s birth date")
    assert not leaks, "\n".join(leaks)
    assert not mismatches, f"{len(mismatches)} of {len(MATRIX) * len(ROLES)} cells differ:\n" + "\n".join(mismatches)


@pytest.mark.anyio
async def test_drafts_and_other_peoples_things_stay_out_of_lists(client: httpx.AsyncClient,
                                                                 members: Members) -> None:
    world = World(client)
    await world.build(members)
    public = [e["slug"] for e in (await client.get("/api/v1/events")).json()]
    assert world.values["draft"] not in public
    assert world.values["open"] in public
    others = [e["slug"] for e in (await client.get("/api/v1/events/mine", headers=world.headers["other"])).json()]
    assert world.values["draft"] not in others
    assert world.values["open"] not in others
    member_orders = (await client.get("/api/v1/orders", headers=world.headers["member"])).json()
    assert member_orders == []
    community = (await client.get("/calendar.ics")).text
    for role, email in world.emails.items():
        assert email not in community
        assert world.birth_dates[role].replace("-", "") not in community


def test_every_route_has_a_row(settings: Any) -> None:
    from app import create_app

    documented = {(method.upper(), _openapi_template(path))
                  for path, item in create_app(settings).openapi_schema.to_schema()["paths"].items()
                  for method in item if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}}
    covered = {(row.method, _template(row.path)) for row in MATRIX}
    missing = sorted(documented - covered - set(PENDING))
    assert not missing, (
        "Routes without a row in tests/api/test_authz_matrix.py MATRIX (add one per route, with the status each "
        "role gets; or, while the route is being built, list it in PENDING with a reason):\n"
        + "\n".join(f"  {m} {p}" for m, p in missing)
    )
    stale = sorted(set(PENDING) & covered)
    assert not stale, f"PENDING lists routes that now have rows: {stale}"
