"""Invoicing's background work, registered with core.jobs (run in every worker's lifespan): invoices for paid
orders whose organiser entered seller details only after the payment (`issuing.issue_missing_invoices`, safe with
N workers)."""

from __future__ import annotations

from core import jobs
from invoicing.issuing import issue_missing_invoices
from settings import Settings


@jobs.register("invoicing.issue_missing_invoices")
async def issue_missing_invoices_job(settings: Settings) -> int:
    return await issue_missing_invoices()
