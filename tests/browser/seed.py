"""Setup for the organiser and facilitator journeys, through the services (never the tables).

Runs in a child process (``seed(kind, **options)`` → JSON), so it has a database engine of its own: the live
server owns the connection pool of this process (on PostgreSQL a pool cannot be shared across event
loops), and a child process works the same on both engines. One child serves every seeding of a test process
(started at the first, ended when the process exits): a fresh child per seeding spent about 1.5 CPU seconds
starting Python and importing the app (numba included), more than most seedings take themselves.
Buyers are created with ``members.accounts.create_member`` (no client address, so no sign-up rate limit), staff
sign in through ``members.sessions.login`` (a session cookie for the test's browser), orders with
``ticketing.orders.reserve_duo``, a card payment with the webhook's own use-case ``handle_stripe_event`` (as if
Stripe reported it).

    python -m tests.browser.seed board '{"title": "...", "duos": 20}'     # one seeding, by hand
    python -m tests.browser.seed --serve    # what seed() starts: one request a line on stdin, one reply a line
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import tempfile
import traceback
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
INDUSTRIES = ("retail", "finance", "healthcare", "government", "education", "it_telecom", "logistics")
ORGANISATIONS = ("Bol Klantenservice", "Zorgverzekeraar Midden", "Gemeente Utrecht", "Energie Direct", "Bank West",
                 "Webwinkel Oost", "Telecom Noord", "Reisbureau Zon", "Hogeschool Rijn", "Vervoer Zuid")
FIRST = ("Sanne", "Daan", "Fatima", "Lars", "Noor", "Jesse", "Ayla", "Sem", "Lotte", "Milan", "Yara", "Bram",
         "Iris", "Thijs", "Zoë", "Ruben", "Mila", "Stijn", "Eva", "Omar", "Fleur", "Koen", "Nina", "Joris")
LAST = ("de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
        "Bos", "Vos", "Peters", "Hendriks", "Yilmaz", "Dekker")


SEED_TIMEOUT = 300.0  # seconds for one seeding
_worker: subprocess.Popen[str] | None = None
_worker_log: Any = None  # the worker's stderr (a temporary file), shown when a seeding fails


def _stop_worker() -> None:
    global _worker
    worker, _worker = _worker, None
    if worker is None:
        return
    assert worker.stdin is not None
    assert worker.stdout is not None
    worker.stdin.close()  # end of input: the worker stops its database engine and exits
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    worker.stdout.close()


atexit.register(_stop_worker)


def _seed_worker() -> subprocess.Popen[str]:
    """The child process that runs this process's seedings (DATABASE_URL inherited), started when first needed."""
    global _worker, _worker_log
    if _worker is not None and _worker.poll() is None:
        return _worker
    if _worker_log is None:
        _worker_log = tempfile.TemporaryFile(mode="w+", prefix="ng-seed-")
    _worker = subprocess.Popen([sys.executable, "-m", "tests.browser.seed", "--serve"], cwd=ROOT,
                               env={**os.environ}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=_worker_log, text=True, bufsize=1)
    return _worker


def _worker_output() -> str:
    if _worker_log is None:
        return ""
    _worker_log.seek(0)
    return str(_worker_log.read()[-4000:])


def seed(kind: str, **options: Any) -> dict[str, Any]:
    """Run one seeding in this process's seed worker, on the test database; returns its JSON answer."""
    worker = _seed_worker()
    assert worker.stdin is not None
    assert worker.stdout is not None
    worker.stdin.write(json.dumps({"kind": kind, "options": options}) + "\n")
    worker.stdin.flush()
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdout, selectors.EVENT_READ)
        ready = selector.select(SEED_TIMEOUT)
    line = worker.stdout.readline() if ready else ""
    if not line:
        _stop_worker()
        raise AssertionError(f"the seed worker gave no answer to {kind} (exit code {worker.poll()}):\n"
                             + _worker_output())
    answer = json.loads(line)
    assert "error" not in answer, f"seeding {kind} failed:\n{answer['error']}"
    return dict(answer["result"])


def person(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"


async def _organiser() -> Any:
    from core.principal import Principal
    from devtools.demo import DEMO_ORGANISER
    from members.tables import Member

    row = await Member.select().where(Member.email == DEMO_ORGANISER[0]).first()
    assert row is not None, "the demo organiser is seeded by the site fixture"
    return Principal(row["id"], row["email"], row["name"], True, False, "cli")


async def _staff(role: str, tag: str, name: str, *, admin: bool = False) -> tuple[Any, str]:
    """A fresh organiser or facilitator and a browser session for them. Signing in through the page would
    count against the sign-in limit per client address, which every browser test shares (127.0.0.1); the
    sign-in form itself is walked in test_journeys.py."""
    from datetime import timedelta as days

    from core.principal import Principal
    from members.accounts import NewMember, ensure_member
    from members.sessions import login

    email, password = f"{role}.{tag}@example.nl", "seeded-koffie-bij-de-klantenservice"
    profile, _ = await ensure_member(NewMember(email=email, password=password, name=name,
                                               organisation="Stichting Nieuw Geluid", experience_level=3),
                                     roles=((role,) if role == "organiser" else ()) + (("admin",) if admin else ()))
    issued = await login(email, password, kind="session", lifetime=days(days=1), label="browser test")
    actor = Principal(profile.id, profile.email, profile.name, role == "organiser", admin, "session")
    return actor, issued.token


async def _event(title: str, price_cents: int, capacity: int, actor: Any = None) -> Any:
    from events import service as events

    actor = actor or await _organiser()
    day = date.today() + timedelta(days=45)
    tz = ZoneInfo("Europe/Amsterdam")

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)

    created = await events.create_event(actor, {
        "kind": "hackathon", "title": title, "starts_at": at(13), "ends_at": at(21), "timezone": "Europe/Amsterdam",
        "venue_name": "De Kennismakerij", "address": "Stationsplein 1, Utrecht", "capacity_duos": capacity,
        "price_cents": price_cents,
        "agenda": [
            {"title": "Aftrap", "starts_at": at(13), "ends_at": at(13, 30), "room": "Grote zaal"},
            {"title": "Ronde 1", "starts_at": at(13, 30), "ends_at": at(15), "is_breakout_round": True},
            {"title": "Ronde 2", "starts_at": at(15, 15), "ends_at": at(16, 45), "is_breakout_round": True},
            {"title": "Ronde 3", "starts_at": at(17), "ends_at": at(18, 30), "is_breakout_round": True},
        ],
    })
    return await events.publish_event(actor, created.slug)


async def _buyer(email: str, i: int) -> Any:
    from core.principal import Principal
    from members.accounts import NewMember, create_member

    profile = await create_member(NewMember(email=email, password="seeded-koffie-bij-de-klantenservice", name=person(i),
                                     organisation=ORGANISATIONS[i % len(ORGANISATIONS)],
                                     industry="customer_contact", experience_level=i % 5), verified=False)
    return Principal(profile.id, profile.email, profile.name, False, False, "cli")


def _companion(i: int, email: str, **changes: Any) -> Any:
    from ticketing.companions import CompanionIn

    values = {"name": person(i + 11), "email": email, "industry": INDUSTRIES[i % len(INDUSTRIES)],
              "organisation": ORGANISATIONS[(i + 5) % len(ORGANISATIONS)], "birth_date": None}
    values.update(changes)
    return CompanionIn(**values)


async def pay_as_stripe(order_id: int, amount: int) -> None:
    from ticketing.payments import handle_stripe_event

    intent = {"id": f"pi_seeded_{order_id}", "object": "payment_intent", "status": "succeeded", "amount": amount,
              "currency": "eur", "metadata": {"order_id": str(order_id)}}
    outcome = await handle_stripe_event({"id": f"evt_seeded_{order_id}", "type": "payment_intent.succeeded",
                                         "data": {"object": intent}})
    assert outcome == "paid", outcome


async def board(title: str, duos: int) -> dict[str, Any]:
    """A free hackathon with three breakout rounds and `duos` paid duos; most ticket holders ranked the themes."""
    from pairing.rankings import rank_themes_as_member
    from ticketing.orders import reserve_duo

    event = await _event(title, 0, max(duos, 10))
    keys = [t.key for t in event.themes]
    tag = event.slug[-12:]
    facilitator, session = await _staff("facilitator", tag, "Floor Facilitator")
    from tests.support.members import give_event_role

    await give_event_role(event.slug, facilitator.email)
    for i in range(duos):
        buyer = await _buyer(f"bord{i}.{tag}@example.nl", i)
        await reserve_duo(buyer, event.slug, _companion(i, f"maatje{i}.{tag}@example.nl"), hold_minutes=15)
        if i % 4 != 3:  # a few never rank: they count as neutral
            await rank_themes_as_member(buyer, event.slug, keys[i % len(keys):] + keys[:i % len(keys)])
    return {"slug": event.slug, "holders": 2 * duos, "session": session, "name": facilitator.name,
            "buyer": f"bord0.{tag}@example.nl", "companion": f"maatje0.{tag}@example.nl"}


async def regroup(title: str, duos: int, absent_duos: int) -> dict[str, Any]:
    """`board`, then the groups generated and published, and everyone checked in at the door but the people of the
    first `absent_duos` duos (the no-shows)."""
    from checkin.scans import sync_batch
    from checkin.schemas import BatchIn, BatchItemIn
    from members.sessions import principal_for_token
    from pairing import plans, publish
    from ticketing.tables import Ticket

    seeded = await board(title, duos)
    slug = seeded["slug"]
    facilitator = await principal_for_token(seeded["session"])
    assert facilitator is not None
    await plans.generate_plan(facilitator, slug, plans.BreakoutSettings(seed=5))
    await publish.publish_plan(facilitator, slug)
    tickets = await Ticket.select(Ticket.code, Ticket.attendee.name.as_alias("name")).where(
        Ticket.event.slug == slug).order_by(Ticket.id)
    absent, present = tickets[:2 * absent_duos], tickets[2 * absent_duos:]
    await sync_batch(facilitator, slug, BatchIn(device="Deur A", items=[BatchItemIn(code=t["code"]) for t in present]))
    return {**seeded, "absent": [t["name"] for t in absent]}


async def sales(title: str) -> dict[str, Any]:
    """A paid hackathon (€ 25 per duo): two paid duos, one held; one companion admitted by an exception."""
    from ticketing.companions import add_override
    from ticketing.orders import reserve_duo

    tag = "".join(ch for ch in title.lower() if ch.isalnum())[-16:]
    organiser, session = await _staff("organiser", tag, "Otto Organisator")
    event = await _event(title, 2500, 12, organiser)
    slug = event.slug
    too_old_in_customer_contact = _companion(2, f"overstapper.{tag}@example.nl", industry="customer_contact",
                                             birth_date=date(1980, 5, 1), name="Petra Overstapper")
    await add_override(organiser, slug, too_old_in_customer_contact.email,
                       "Stapt over uit de zorg; net begonnen in klantcontact.")
    orders = []
    for i, companion in enumerate((_companion(0, f"m0.{tag}@example.nl"), _companion(1, f"m1.{tag}@example.nl"),
                                   too_old_in_customer_contact)):
        buyer = await _buyer(f"koper{i}.{tag}@example.nl", i + 3)
        orders.append(await reserve_duo(buyer, slug, companion, hold_minutes=60))
    await pay_as_stripe(orders[0].id, 2500)
    await pay_as_stripe(orders[2].id, 2500)
    free = await _event(f"{title} (gratis)", 0, 12, organiser)
    free_orders = []
    for i in range(2):
        buyer = await _buyer(f"gratis{i}.{tag}@example.nl", i + 7)
        free_orders.append(await reserve_duo(buyer, free.slug, _companion(i + 4, f"g{i}.{tag}@example.nl"),
                                                       hold_minutes=60))
    return {"slug": slug, "free_slug": free.slug, "session": session, "name": organiser.name,
            "paid": [orders[0].id, orders[2].id],
            "held": orders[1].id, "free_orders": [o.id for o in free_orders],
            "buyers": [o.buyer.name for o in orders], "companions": [o.companion.name for o in orders]}


async def organiser(tag: str) -> dict[str, Any]:
    """A fresh organiser with a browser session and no events yet (the event journey makes its own)."""
    actor, session = await _staff("organiser", tag, "Olga Organisator")
    return {"session": session, "name": actor.name}


def install_mail_composers() -> None:
    """Register every domain's mail composers with the outbox, as app.create_app does at start-up: this child
    process sends the outbox without the app, and the outbox (notifications/) composes no domain's mail itself."""
    from members import mail as members_mail
    from pairing import mail as pairing_mail
    from ticketing import order_mails

    members_mail.install()
    order_mails.install()
    pairing_mail.install()


async def verification_link(to: str, mail_dir: str, prefix: str = "/e-mail-bevestigen/") -> dict[str, Any]:
    """Send the outbox (into `mail_dir`, as without SMTP_HOST) and return the path of the newest link starting
    with `prefix` (a verification link by default; `/wachtwoord-herstellen/` for a reset) mailed to `to`: what
    the person would click in their mailbox."""
    import email
    import email.policy
    import re
    from dataclasses import replace

    from notifications import outbox
    from settings import get_settings

    # Everything due, not just one batch of 50: the live server runs no jobs, so earlier journeys' mails
    # (confirmations for every seeded order) are still waiting in front of this one.
    install_mail_composers()
    for _ in range(1000):
        if not await outbox.send_outbox(replace(get_settings(), mail_dir=Path(mail_dir))):
            break

    def links_in_mailbox() -> list[str]:
        links = []
        for path in sorted(Path(mail_dir).glob("*.eml"), key=lambda p: p.stat().st_mtime):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to.lower() in str(message["To"]).lower():
                body = message.get_body(preferencelist=("plain",))
                found = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[A-Za-z0-9_-]+)", body.get_content())
                if found:
                    links.append(found.group(1))
        return links

    links = links_in_mailbox()
    assert links, f"no mail with a {prefix} link for {to}"
    return {"path": links[-1]}


async def mail_subjects(to: str, mail_dir: str) -> dict[str, Any]:
    """Send the outbox into `mail_dir` and return the subjects of every mail there to `to`, oldest first, with
    the path of a /partner/ link in each (or "")."""
    import email
    import email.policy
    import re
    from dataclasses import replace

    from notifications import outbox
    from settings import get_settings

    install_mail_composers()
    for _ in range(1000):
        if not await outbox.send_outbox(replace(get_settings(), mail_dir=Path(mail_dir))):
            break
    def in_mailbox() -> list[dict[str, str]]:
        found = []
        for path in sorted(Path(mail_dir).glob("*.eml"), key=lambda p: (p.stat().st_mtime, p.name)):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to.lower() in str(message["To"]).lower():
                text = message.get_body(preferencelist=("plain",)).get_content()
                link = re.search(r"https?://[^/\s]+(/partner/[A-Za-z0-9_-]+)", text)
                found.append({"subject": " ".join(str(message["Subject"]).split()),
                              "link": link.group(1) if link else ""})
        return found

    return {"mails": in_mailbox()}


async def unverified_session(email: str, name: str) -> dict[str, Any]:
    """A browser session for an account whose e-mail is NOT verified (made when missing): what a session from before
    sign-in required a confirmed address looks like. The seeded buyers are such accounts."""
    from datetime import timedelta as days

    from members.accounts import NewMember, create_member, member_id_for_email
    from members.sessions import issue_token

    member_id = await member_id_for_email(email)
    if member_id is None:
        member_id = (await create_member(NewMember(email=email, password="seeded-koffie-bij-de-klantenservice",
                                                   name=name), verified=False)).id
    token, _ = await issue_token(member_id, "session", days(days=1), "browser test")
    return {"session": token}


async def account(email: str, password: str, name: str) -> dict[str, Any]:
    """A plain member account (e-mail verified, as the CLI makes it), for a journey that signs in itself."""
    from members.accounts import NewMember, ensure_member

    profile, _ = await ensure_member(NewMember(email=email, password=password, name=name,
                                               organisation="Klantcontact BV", experience_level=2), roles=())
    return {"id": profile.id}


async def sweep(title: str) -> dict[str, Any]:
    """A fresh organiser with a published hackathon of their own (no orders, no groups yet) and a fresh
    facilitator, each with a browser session: the page sweep then signs in nobody through the form."""
    tag = title.lower().replace(" ", "-")[-12:]
    organiser, organiser_session = await _staff("organiser", tag, "Olga Organisator", admin=True)  # also /beheer
    facilitator, facilitator_session = await _staff("facilitator", tag, "Fenna Facilitator")
    event = await _event(title, 2500, 40, actor=organiser)
    from tests.support.members import give_event_role

    await give_event_role(event.slug, facilitator.email)
    return {"slug": event.slug, "organiser": organiser_session, "facilitator": facilitator_session}


async def door(title: str, mail_dir: str) -> dict[str, Any]:
    """A free hackathon of a fresh organiser (with a browser session) and three paid duos; the first buyer then
    names another companion, which voids the first companion's code. The outbox is sent into `mail_dir` and the
    QR code of each confirmation mail is saved there as `<code>.png`: what each person shows at the door."""
    from dataclasses import replace

    from notifications import outbox
    from settings import get_settings
    from ticketing.companions import change_companion
    from ticketing.orders import reserve_duo

    tag = "".join(ch for ch in title.lower() if ch.isalnum())[-16:]
    organiser, session = await _staff("organiser", tag, "Olga Organisator")
    event = await _event(title, 0, 12, organiser)
    duos = []
    for i in range(3):
        buyer = await _buyer(f"deur{i}.{tag}@example.nl", i)
        order = await reserve_duo(buyer, event.slug, _companion(i, f"deurmaatje{i}.{tag}@example.nl"),
                                  hold_minutes=15)
        duos.append({"buyer": person(i), "companion": person(i + 11), "buyer_email": buyer.email,
                     "companion_email": f"deurmaatje{i}.{tag}@example.nl", "order": order.id})
    async def send_mail() -> None:
        install_mail_composers()
        for _ in range(1000):
            if not await outbox.send_outbox(replace(get_settings(), mail_dir=Path(mail_dir))):
                break

    await send_mail()  # the first companion gets their ticket before it is replaced
    first_buyer = await _buyer_principal(duos[0]["buyer_email"])
    await change_companion(first_buyer, duos[0]["order"],
                           _companion(6, f"nieuw.{tag}@example.nl", name="Nina Nieuwenhuis"))
    duos[0]["new_companion"], duos[0]["new_companion_email"] = "Nina Nieuwenhuis", f"nieuw.{tag}@example.nl"
    await send_mail()
    codes = _mailed_qr_codes(Path(mail_dir))
    for duo in duos:
        for role in ("buyer", "companion", "new_companion"):
            if f"{role}_email" in duo:
                duo[f"{role}_code"] = codes[duo[f"{role}_email"].lower()]
    return {"slug": event.slug, "session": session, "duos": duos}


def _mailed_qr_codes(mail_dir: Path) -> dict[str, str]:
    """E-mail address → the code of the newest confirmation mailed to it; its QR image saved as `<code>.png`."""
    import email
    import email.policy

    codes: dict[str, str] = {}
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for part in message.walk():
            filename = part.get_filename() or ""
            if part.get_content_type() == "image/png" and filename.startswith("qr-NG-"):
                code = filename.removeprefix("qr-").removesuffix(".png")
                (mail_dir / f"{code}.png").write_bytes(part.get_payload(decode=True))
                codes[str(message["To"]).split("<")[-1].rstrip(">").lower()] = code
    return codes


async def _buyer_principal(email: str) -> Any:
    from core.principal import Principal
    from members.accounts import member_id_for_email

    member_id = await member_id_for_email(email)
    assert member_id is not None
    return Principal(member_id, email, "", False, False, "cli")



SEEDINGS = {"account": account, "board": board, "door": door, "organiser": organiser, "regroup": regroup,
            "sales": sales, "sweep": sweep, "verification_link": verification_link, "mail_subjects": mail_subjects,
            "unverified_session": unverified_session}


async def _main(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    from core import db

    async with db.connected(2):
        return await SEEDINGS[kind](**options)


async def _serve() -> None:
    """Answer seedings until stdin ends: one JSON request a line in, one JSON answer a line out. Anything else the
    seedings print goes to stderr, so stdout carries the answers alone."""
    from core import db

    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    async with db.connected(2):
        for line in sys.stdin:
            request = json.loads(line)
            try:
                answer = {"result": await SEEDINGS[request["kind"]](**request["options"])}
            except Exception:
                answer = {"error": traceback.format_exc()}
            replies.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    import anyio

    from tests.support.passwords import use_cheap_password_hashing

    use_cheap_password_hashing()  # like the test process: sign-ins verify these hashes

    if sys.argv[1:] == ["--serve"]:
        anyio.run(_serve)
    else:
        print(json.dumps(anyio.run(_main, sys.argv[1], json.loads(sys.argv[2])), default=str))
