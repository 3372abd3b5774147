"""The project's commands on Litestar's CLI: `litestar --app app:app create-admin …`, `create-organiser …`,
`seed-demo`, `reconcile-payments`. A fresh install needs no SQL.

`NieuwGeluidCLI` is the Litestar CLI plugin `create_app` registers; each command is a plain click command that
runs its work through `run_with_database`: the database opened and closed by `core.db.connected`, as in the
app's lifespan (and Stripe, for the commands that need it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import TypeVar

import anyio
import click
from litestar.plugins import CLIPluginProtocol

from core import db
from core.errors import DomainError
from members.accounts import NewMember, ensure_member, member_id_for_email
from settings import get_settings
from ticketing import stripe_gateway
from ticketing.payments import reconcile_payments as reconcile

T = TypeVar("T")

# A command does one thing at a time: one connection is enough, and leaves the pool to the running workers.
CLI_POOL_SIZE = 1


@asynccontextmanager
async def database(*, stripe: bool = False) -> AsyncIterator[None]:
    """The database (and, with `stripe`, the Stripe client of the settings) for the length of a command."""
    async with db.connected(CLI_POOL_SIZE):
        payments = stripe_gateway.install(get_settings()) if stripe else None
        try:
            yield
        finally:
            if payments is not None:
                await stripe_gateway.uninstall(payments)


def run_with_database(work: Callable[[], Awaitable[T]], *, stripe: bool = False) -> T:
    """Run `work()` on its own event loop with the database open; the command's synchronous code stays outside."""

    async def run() -> T:
        async with database(stripe=stripe):
            return await work()

    return anyio.run(run)


def grant_role(role: str, email: str, name: str, password: str | None, organisation: str) -> None:
    """Make an account with `role`, or give an existing account the role (its password left unchanged)."""
    existing = run_with_database(lambda: member_id_for_email(email))
    if existing is None and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    elif existing is not None and password is not None:
        # The account may be someone else's: an operator granting a role must not take it over.
        click.echo("This account exists: its password is left unchanged.")
    new_member = NewMember(email=email, password=password or "", name=name, organisation=organisation)
    try:
        profile, created = run_with_database(lambda: ensure_member(new_member, roles=(role,)))
    except DomainError as exc:
        field = f" ({exc.field})" if exc.field else ""
        raise click.ClickException(f"{exc.message}{field}") from exc
    label = "administrator" if role == "admin" else role
    click.echo(f"{'Created' if created else 'Updated'} {label} {profile.email} (id {profile.id}).")


def _account_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed([
        click.option("--email", required=True),
        click.option("--name", required=True),
        click.option("--password", default=None, help="For a new account; asked for when left out."),
        click.option("--organisation", default=""),
    ]):
        command = option(command)
    return command


@click.command(name="create-organiser", help="Create an organiser (or make a member one).")
@_account_options
def create_organiser(email: str, name: str, password: str | None, organisation: str) -> None:
    grant_role("organiser", email, name, password, organisation)


@click.command(name="create-admin", help="Create the first administrator (beheerder), or make a member one.")
@_account_options
def create_admin(email: str, name: str, password: str | None, organisation: str) -> None:
    grant_role("admin", email, name, password, organisation)


@click.command(name="seed-demo", help="Create the demo hackathon and accounts when the database is empty.")
def seed_demo() -> None:
    # devtools/ is a development folder, outside the installed distribution: imported only when this runs.
    from devtools.demo import DEMO_FACILITATOR, DEMO_ORGANISER
    from devtools.demo import seed_demo as seed

    created = run_with_database(lambda: seed(date.today()))
    click.echo("Demo data created." if created else "Database already has events; demo data skipped.")
    click.echo("Development accounts (never use in production):")
    click.echo(f"  organiser and administrator: {DEMO_ORGANISER[0]} / {DEMO_ORGANISER[1]}")
    click.echo(f"  facilitator of the demo hackathon: {DEMO_FACILITATOR[0]} / {DEMO_FACILITATOR[1]}")


@click.command(name="reconcile-payments", help="Settle open orders from Stripe (for webhooks that never came).")
def reconcile_payments() -> None:
    # By hand: every open order, however young, and no batch limit worth the name.
    counts = run_with_database(lambda: reconcile(min_age=timedelta(0), every=timedelta(0), limit=10_000),
                               stripe=True)
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


COMMANDS = (create_admin, create_organiser, seed_demo, reconcile_payments)


class NieuwGeluidCLI(CLIPluginProtocol):
    """Adds the project's commands to `litestar --app app:app …`."""

    def on_cli_init(self, cli: click.Group) -> None:
        for command in COMMANDS:
            cli.add_command(command)
