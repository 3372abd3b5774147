"""Invoicing tables: the organiser's seller details, the buyer's billing details for an order, the invoice
counters and the issued invoices and credit notes.

Invoices are bookkeeping records the organiser must keep for seven years (art. 52 AWR), so they refer to
orders, events and organisers by id, without foreign keys: deleting an account or an order never deletes or
blocks an issued invoice, whose own `document` (JSON) holds everything it says.

Constraints (raw migration): one counter per (organiser, series, year); one invoice per (organiser, series, year,
sequence) and one per (order, kind).
"""

from piccolo.columns import JSON, Date, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from invoicing.rules import InvoiceKind
from members.tables import Member
from ticketing.tables import TicketOrder


class SellerProfile(Table, tablename="invoice_seller"):
    """What an organiser's invoices say about the seller, entered once in the back office."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    organiser = ForeignKey(references=Member, on_delete=OnDelete.cascade, unique=True)
    legal_name = Varchar(length=160)
    address = Varchar(length=200)
    postcode = Varchar(length=20)
    town = Varchar(length=100)
    country = Varchar(length=2, default="NL")
    kvk_number = Varchar(length=8)
    btw_number = Varchar(length=20, default="")
    iban = Varchar(length=34, default="")
    vat_rate = Varchar(length=8, default="21")  # invoicing.rules.VatRate: 21 | 9 | 0 | exempt
    exemption_text = Text(default="")
    updated_at = Timestamptz()


class BillingDetails(Table, tablename="invoice_billing"):
    """"Op factuur van mijn werkgever": who the invoice of an order is addressed to (absent: the buyer)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    order = ForeignKey(references=TicketOrder, on_delete=OnDelete.cascade, unique=True)
    company = Varchar(length=160)
    address = Varchar(length=200)
    postcode = Varchar(length=20)
    town = Varchar(length=100)
    country = Varchar(length=2, default="NL")
    vat_number = Varchar(length=20, default="")
    reference = Varchar(length=80, default="")
    invoice_email = Varchar(length=254, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class InvoiceCounter(Table, tablename="invoice_counter"):
    """The last number used in one series of one organiser in one year. Taken by one conditional UPDATE in the
    transaction that inserts the invoice: the row stays locked until that transaction ends, and a rollback
    gives the number back, so the series has no gaps and no duplicates however many workers pay at once."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    organiser_id = Integer()
    series = Varchar(length=2)  # F (invoices) | C (credit notes)
    year = Integer()
    last_number = Integer(default=0)


class Invoice(Table, tablename="invoice"):
    """An issued invoice or credit note, frozen: its PDF is rendered from `document` on demand."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    organiser_id = Integer(index=True)
    order_id = Integer(index=True)
    event_id = Integer(index=True)
    buyer_id = Integer(null=True, default=None, index=True)  # the member who ordered (for "Mijn tickets")
    kind = Varchar(length=12, choices=InvoiceKind)
    series = Varchar(length=2)
    year = Integer()
    sequence = Integer()
    number = Varchar(length=20)
    issued_on = Date()
    credits_invoice_id = Integer(null=True, default=None)  # a credit note: the invoice it corrects
    total_excl_cents = Integer()
    total_vat_cents = Integer()
    total_incl_cents = Integer()
    document = JSON()
    created_at = Timestamptz()
