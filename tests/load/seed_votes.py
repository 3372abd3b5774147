"""Seed a voting load database (already migrated): an organiser with a token, one published free hackathon with its
idea window open, `--ideas` ideas (by the first voter; authors may vote for their own idea), and `--voters` ticket
holders with tokens (each the buyer of a paid duo).

    DATABASE_URL=… python -m tests.load.seed_votes --voters 300 --ideas 6

Runs in its own process because Piccolo binds its engine to DATABASE_URL at import. Prints one JSON line:
{"slug", "organiser", "tokens": [...], "ideas": [...]}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from datetime import UTC, datetime, timedelta

THEMES = (("keurmerk", "Keurmerk"), ("imago", "Imago"), ("mens-in-klantcontact", "De mens in klantcontact"))
WORDS = ("klant medewerker gesprek luisteren ruimte aandacht team week leren vakwerk keurmerk beeld sector trots "
         "contact telefoon chat vraag antwoord oplossing tijd rust plezier werk collega coach feedback kwaliteit "
         "meten zichtbaar toetsbaar samen idee plan pilot proef stap doel resultaat").split()


def pitch_text(n: int, chars: int) -> str:
    """A different pitch per idea (as on a real wall, where pitches do not compress into each other)."""
    rng = random.Random(n)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS))
        if rng.random() < 0.08:
            words[-1] += ".\n"
    return " ".join(words)[:chars].strip()


async def seed(voters: int, ideas: int, pitch_chars: int) -> dict[str, object]:
    from core import db
    from events.tables import Event, Theme
    from ideas.tables import Idea, IdeaAuthor, IdeaSettings, IdeaVersion
    from members.tables import AuthToken, Member
    from members.tokens import hash_token, new_token
    from ticketing.tables import Attendee, Ticket, TicketOrder

    await db.start(2)
    try:
        now = datetime.now(UTC)
        organiser = (await Member.insert(Member(email="org@votes.local", name="Organisator", password_hash="!",
                                                is_organiser=True, email_verified_at=now, created_at=now,
                                                updated_at=now)).returning(Member.id))[0]["id"]
        start = (now - timedelta(hours=1)).replace(microsecond=0)
        event_id = (await Event.insert(Event(
            slug="stemmen", title="Stemmen onder druk", starts_at=start, ends_at=start + timedelta(hours=8),
            capacity_duos=voters + 10, seats_taken=voters, price_cents=0, status="published", published_at=now,
            organiser=organiser, created_at=now, updated_at=now)).returning(Event.id))[0]["id"]
        await Theme.insert(*[Theme(event=event_id, key=k, title=t, position=i) for i, (k, t) in enumerate(THEMES)])
        await IdeaSettings.insert(IdeaSettings(event=event_id, opens_at=now - timedelta(hours=1),
                                               closes_at=now + timedelta(hours=6), authors_may_vote_own=True,
                                               updated_at=now))
        people = await Member.insert(*[
            Member(email=f"stemmer{i}@votes.local", name=f"Stemmer {i}", password_hash="!", email_verified_at=now,
                   industry="customer_contact", created_at=now, updated_at=now) for i in range(voters)
        ]).returning(Member.id, Member.email)
        orders = await TicketOrder.insert(*[
            TicketOrder(event=event_id, buyer=p["id"], status="paid", amount_cents=0, paid_at=now, created_at=now,
                        updated_at=now) for p in people
        ]).returning(TicketOrder.id)
        places = await Attendee.insert(*[
            Attendee(order=o["id"], event=event_id, role="buyer", name=f"Stemmer {i}", email=p["email"],
                     industry="customer_contact", eligibility_basis="buyer", live=True, created_at=now)
            for i, (p, o) in enumerate(zip(people, orders, strict=True))
        ]).returning(Attendee.id, Attendee.order)
        await Ticket.insert(*[
            Ticket(order=r["order"], attendee=r["id"], event=event_id, code=f"NG-VOTE-{r['id']:07d}",
                   status="valid", issued_at=now) for r in places
        ])
        tokens = [new_token() for _ in range(voters + 1)]
        await AuthToken.insert(*[
            AuthToken(member=m, token_hash=hash_token(t), kind="api", created_at=now,
                      expires_at=now + timedelta(days=1))
            for m, t in zip([organiser, *[p["id"] for p in people]], tokens, strict=True)
        ])
        idea_rows = await Idea.insert(*[
            Idea(event=event_id, theme_key=THEMES[i % len(THEMES)][0], title=f"Idee {i + 1}: {pitch_text(-i, 60)}",
                 pitch=pitch_text(i, pitch_chars), link=f"https://example.nl/idee-{i + 1}", version=1,
                 created_by=people[0]["id"], created_at=now, updated_at=now) for i in range(ideas)
        ]).returning(Idea.id, Idea.theme_key, Idea.title, Idea.pitch, Idea.link)
        if idea_rows:
            await IdeaAuthor.insert(*[IdeaAuthor(idea=r["id"], attendee=places[0]["id"], position=0)
                                      for r in idea_rows])
            await IdeaVersion.insert(*[
                IdeaVersion(idea=r["id"], version=1, theme_key=r["theme_key"], title=r["title"], pitch=r["pitch"],
                            link=r["link"], authors='["Stemmer 0"]', edited_by=people[0]["id"],
                            edited_by_name="Stemmer 0", edited_at=now) for r in idea_rows
            ])
    finally:
        await db.stop()
    return {"slug": "stemmen", "organiser": tokens[0], "tokens": tokens[1:], "ideas": [r["id"] for r in idea_rows]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, required=True)
    parser.add_argument("--ideas", type=int, default=6)
    parser.add_argument("--pitch-chars", type=int, default=400)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(seed(args.voters, args.ideas, args.pitch_chars))))


if __name__ == "__main__":
    main()
