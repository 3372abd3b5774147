"""The members' own mails: the link that confirms an address, the password-reset link, and the note to an account's
owner that someone signed up with their address.

`members.verification`, `members.password_reset` and `members.accounts` queue them in the outbox
(notifications.outbox.queue); `install()`, called by create_app, registers the composers that make each mail when
it is sent. The link's token is made then (only its hash is stored), so its lifetime starts when the mail goes out;
a mail that no longer applies (an account gone, verified or anonymised since) is skipped.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from members.accounts import ACCOUNT_EXISTS_MAIL
from members.password_reset import PASSWORD_RESET_LIFETIME, PASSWORD_RESET_MAIL, issue_password_reset_token
from members.tokens import MailedToken
from members.verification import EMAIL_VERIFICATION_MAIL, VERIFICATION_LIFETIME, issue_verification_token
from notifications import outbox
from notifications.layout import ORGANISATION, Language, plain_mail
from settings import Settings


def _language(member: MailedToken) -> Language:
    return "en" if member.language == "en" else "nl"


_VERIFICATION: dict[Language, tuple[str, str]] = {
    "nl": ("Bevestig je e-mailadres voor Nieuw Geluid",
           "Bevestig dat dit jouw e-mailadres is: open deze link (hij werkt {hours} uur en één keer):\n\n{url}\n\n"
           "Pas daarna zie je bij Mijn tickets de tickets die anderen voor je kochten, met je eigen code.\n\n"
           "Heb je geen account bij Nieuw Geluid gemaakt? Dan kun je deze mail negeren."),
    "en": ("Confirm your e-mail address for Nieuw Geluid",
           "Confirm that this is your e-mail address: open this link (it works for {hours} hours, once):\n\n{url}"
           "\n\nOnly then does My tickets show the tickets others bought for you, with your own code.\n\n"
           "Did you not make an account at Nieuw Geluid? Then you can ignore this e-mail."),
}


def build_email_verification(*, to_name: str, to_email: str, url: str, valid_hours: int,
                             language: Language = "nl", sender: Address | str, message_id: str,
                             organisation: str = ORGANISATION) -> EmailMessage:
    """The plain-text mail with the link that verifies an account's e-mail address (Dutch unless the member
    chose English). The link holds a secret: it is the only copy of the token."""
    subject, body = _VERIFICATION[language]
    return plain_mail(subject=subject, body=body.format(url=url, hours=valid_hours), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation=organisation)


_PASSWORD_RESET: dict[Language, tuple[str, str]] = {
    "nl": ("Stel een nieuw wachtwoord in voor Nieuw Geluid",
           "Je vroeg om een nieuw wachtwoord. Open deze link om het in te stellen (hij werkt {hours} uur en één "
           "keer):\n\n{url}\n\nDaarna ben je overal uitgelogd: log opnieuw in met je nieuwe wachtwoord.\n\n"
           "Heb je dit niet zelf gevraagd? Dan kun je deze mail negeren: je wachtwoord blijft hetzelfde."),
    "en": ("Set a new password for Nieuw Geluid",
           "You asked for a new password. Open this link to set it (it works for {hours} hour(s), once):\n\n{url}"
           "\n\nAfterwards you are signed out everywhere: sign in again with your new password.\n\n"
           "Did you not ask for this? Then you can ignore this e-mail: your password stays the same."),
}


def build_password_reset(*, to_name: str, to_email: str, url: str, valid_hours: int,
                         language: Language = "nl", sender: Address | str, message_id: str,
                         organisation: str = ORGANISATION) -> EmailMessage:
    """The plain-text mail with the link that sets a new password (Dutch unless the member chose English). The
    link holds a secret: it is the only copy of the token."""
    subject, body = _PASSWORD_RESET[language]
    return plain_mail(subject=subject, body=body.format(url=url, hours=valid_hours), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation=organisation)


_ACCOUNT_EXISTS: dict[Language, tuple[str, str]] = {
    "nl": ("Je hebt al een account bij Nieuw Geluid",
           "Iemand (misschien jij) wilde een nieuw account maken met dit e-mailadres, maar je hebt er al een. Er is "
           "niets veranderd.\n\nInloggen doe je hier: {login_url}\n\nWachtwoord vergeten? Met deze link stel je "
           "een nieuw in (hij werkt {hours} uur en één keer; daarna is je e-mailadres ook bevestigd):\n\n"
           "{reset_url}\n\nWas jij dit niet? Dan hoef je niets te doen: je account en je wachtwoord blijven zoals "
           "ze zijn."),
    "en": ("You already have an account at Nieuw Geluid",
           "Someone (perhaps you) tried to create a new account with this e-mail address, but you already have one. "
           "Nothing has changed.\n\nSign in here: {login_url}\n\nForgot your password? This link sets a new one "
           "(it works for {hours} hour(s), once; your e-mail address is then confirmed too):\n\n{reset_url}\n\n"
           "Was this not you? Then there is nothing to do: your account and password stay as they are."),
}


def build_account_exists(*, to_name: str, to_email: str, login_url: str, reset_url: str, valid_hours: int,
                         language: Language = "nl", sender: Address | str, message_id: str,
                         organisation: str = ORGANISATION) -> EmailMessage:
    """The plain-text mail to an account's owner when someone signs up with their address: the sign-up page
    answers the same for every address, so this mail is the only place that says the account exists. Nothing
    typed by the person who signed up travels in it (the greeting is the account's own name)."""
    subject, body = _ACCOUNT_EXISTS[language]
    return plain_mail(subject=subject, body=body.format(login_url=login_url, reset_url=reset_url,
                                                         hours=valid_hours),
                       to_name=to_name, to_email=to_email, language=language, sender=sender,
                       message_id=message_id, organisation=organisation)


async def _compose_account_exists(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    # With a fresh password-reset link (its hour starts now): the owner who forgot they had an account, or their
    # password, is one click from signing in; setting a password also confirms the address.
    issued = await issue_password_reset_token(mail["to_email"])
    if issued is None:
        return None
    return build_account_exists(
        to_name=issued.name, to_email=mail["to_email"], login_url=f"{settings.public_base_url}/inloggen",
        reset_url=f"{settings.public_base_url}/wachtwoord-herstellen/{issued.token}",
        valid_hours=max(1, int(PASSWORD_RESET_LIFETIME.total_seconds() // 3600)),
        language=_language(issued), sender=settings.mail_from, message_id=mail["message_id"],
    )


async def _compose_password_reset(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    # The token is made now (only its hash is stored), so its hour starts when the mail goes out. None once the
    # account is gone, anonymised or has another address.
    issued = await issue_password_reset_token(mail["to_email"])
    if issued is None:
        return None
    return build_password_reset(
        to_name=issued.name, to_email=mail["to_email"],
        url=f"{settings.public_base_url}/wachtwoord-herstellen/{issued.token}",
        valid_hours=max(1, int(PASSWORD_RESET_LIFETIME.total_seconds() // 3600)),
        language=_language(issued), sender=settings.mail_from, message_id=mail["message_id"],
    )


async def _compose_verification(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    # The token is made now (only its hash is stored): a retry after a failed send makes another one, and an
    # earlier one stays valid until it expires. None once the account is verified or has another address.
    issued = await issue_verification_token(mail["to_email"])
    if issued is None:
        return None
    return build_email_verification(
        to_name=issued.name, to_email=mail["to_email"],
        url=f"{settings.public_base_url}/e-mail-bevestigen/{issued.token}",
        valid_hours=int(VERIFICATION_LIFETIME.total_seconds() // 3600),
        language=_language(issued), sender=settings.mail_from, message_id=mail["message_id"],
    )


def install() -> None:
    """Register the members' composers with the outbox (create_app calls this; idempotent)."""
    outbox.register_composer(EMAIL_VERIFICATION_MAIL, _compose_verification)
    outbox.register_composer(PASSWORD_RESET_MAIL, _compose_password_reset)
    outbox.register_composer(ACCOUNT_EXISTS_MAIL, _compose_account_exists)
