"""Pages for people, as Litestar controllers that call the same service functions as the API.

Wiring (app.py)::

    from frontend.pages import create_page_router
    Litestar(route_handlers=[..., create_page_router()], ...)

How a later journey plugs in (ticketing's order page and "my tickets", the facilitator board, "my calendar"):

1. write ``frontend/pages/<journey>.py`` with a ``Controller`` (thin: parse form -> one service call with the
   ``member: NamedDependency[Principal]`` dependency -> ``common.page(request, "<journey>/....html", ...)``;
   catch ``DomainError`` and re-render with ``errors[field] = common.page_message(exc, lang)``, never the raw
   Dutch ``exc.message``; redirect to a named route with ``common.redirect(common.path_for(request, name,
   ...), notice)``) and its templates under ``frontend/templates/<journey>/``;
2. add the controller to ``PAGE_CONTROLLERS`` below, and its menu item to ``common.NAV_LINKS``
   (``NavLink("tickets", _("My tickets"), "my_tickets", lambda user: user is not None)``: the route's name);
   templates link with ``url_for('route_name', param=value)``, never a typed path
   (``tests/unit/frontend/test_links.py``);
3. browser tests in ``tests/browser/test_<journey>.py`` with the ``site`` fixture of tests/browser/conftest.py.

The order page is already routed at ``/e/{slug}/bestellen`` (``public.PublicPages.order``): it signs the
visitor in first and shows "ticket sales follow" until the ticketing journey replaces its body.
"""

from __future__ import annotations

from litestar import Router
from litestar.types import ControllerRouterHandler

from frontend.pages.account import AccountPages
from frontend.pages.board import BoardPages
from frontend.pages.calendar import CalendarPages
from frontend.pages.common import PAGE_HEADERS
from frontend.pages.companion import CompanionPages
from frontend.pages.door import DoorPages
from frontend.pages.ideas import IdeaPages
from frontend.pages.ideas_organiser import IdeaOrganiserPages
from frontend.pages.invoicing import InvoicingPages
from frontend.pages.legal import LegalPages
from frontend.pages.organiser import OrganiserPages
from frontend.pages.organiser_sales import OrganiserSalesPages
from frontend.pages.public import PublicPages
from frontend.pages.roles import RolePages
from frontend.pages.tickets import TicketPages
from frontend.pages.waitlist import OrganiserWaitingListPages, WaitingListPages

PAGE_CONTROLLERS: list[ControllerRouterHandler] = [PublicPages, AccountPages, OrganiserPages, OrganiserSalesPages,
                                                   BoardPages]
PAGE_CONTROLLERS += [TicketPages, CalendarPages]  # the attendee and member journeys
PAGE_CONTROLLERS += [CompanionPages]  # the companion's own page, without an account (issue 15)
PAGE_CONTROLLERS += [InvoicingPages]  # seller details, invoice PDFs, the organiser's invoice export
PAGE_CONTROLLERS += [IdeaPages, IdeaOrganiserPages]  # the idea wall, votes and results (issue 17)
PAGE_CONTROLLERS += [WaitingListPages, OrganiserWaitingListPages]  # the waiting list (frontend/pages/waitlist.py)
PAGE_CONTROLLERS += [LegalPages]  # privacy statement, terms, contact (every page's footer)
PAGE_CONTROLLERS += [DoorPages]  # the door's scanner (check-in)
PAGE_CONTROLLERS += [RolePages]  # an event's Team tab and the administrator's page (issue 11)


def create_page_router() -> Router:
    """Every page, with the page security headers (a strict CSP, no caching of personal pages)."""
    return Router(path="/", route_handlers=list(PAGE_CONTROLLERS), response_headers=PAGE_HEADERS,
                  include_in_schema=False)
