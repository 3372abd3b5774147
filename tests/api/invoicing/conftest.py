"""Invoicing's API tests pay through localstripe and read mails from an SMTP sink: ticketing's fixtures."""

from tests.api.ticketing.conftest import (  # noqa: F401  (fixtures)
    http,
    live_url,
    localstripe,
    settings,
    shop,
    smtp,
    smtp_port,
    stripe_client,
)
