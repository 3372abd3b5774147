"""Members' domain errors, each with a stable `code` (mapped once to problem+json in core/errors.py)."""

from __future__ import annotations

from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.i18n import lazy_gettext as _l


class AccountExists(Conflict):
    code = "account_exists"


class PasswordIncorrect(Forbidden):
    code = "password_incorrect"


class AccountHasLiveTicket(Conflict):
    code = "live_ticket"


class VerificationTokenInvalid(DomainError):
    """Unknown or forged token, or a link for an address the account no longer has."""

    code, status, title = "verification_token_invalid", 400, _l("Ongeldige bevestigingslink")


class VerificationTokenUsed(Conflict):
    code, title = "verification_token_used", _l("Bevestigingslink al gebruikt")


class VerificationTokenExpired(DomainError):
    code, status, title = "verification_token_expired", 410, _l("Bevestigingslink verlopen")


class EmailAlreadyVerified(Conflict):
    code, title = "email_already_verified", _l("E-mailadres al bevestigd")


class PasswordResetTokenInvalid(DomainError):
    """Unknown or forged token, or a link for an address the account no longer has (or a removed account)."""

    code, status, title = "password_reset_token_invalid", 400, _l("Ongeldige link om je wachtwoord te herstellen")


class PasswordResetTokenUsed(Conflict):
    code, title = "password_reset_token_used", _l("Link om je wachtwoord te herstellen al gebruikt")


class PasswordResetTokenExpired(DomainError):
    code, status, title = "password_reset_token_expired", 410, _l("Link om je wachtwoord te herstellen verlopen")


class AddressNotVerified(Conflict):
    """A role for an account whose e-mail address nobody confirmed: whoever signed up with someone else's address
    would get that person's role."""

    code = "address_not_verified"


class LastAdministrator(Conflict):
    code = "last_admin"


class AccountNotFound(NotFound):
    code = "account_not_found"
