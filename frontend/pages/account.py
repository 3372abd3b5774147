"""Sign in, sign up, sign out and the member's own profile."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_member
from core.db import utcnow
from core.errors import DomainError, InvalidFields
from core.principal import Principal
from core.security import client_ip, expired_session_cookie, session_cookie
from frontend.forms import FormError, _, optional_date
from frontend.i18n import gettext, next_query, render_message, request_language, safe_next_path
from frontend.pages.common import FormBody, field_errors, page, page_message, path_for, redirect, text
from members import accounts, password_reset, sessions, verification
from members.rules import EXPERIENCE_LEVELS, INDUSTRIES, MIN_PASSWORD_LENGTH, normalise_email, password_problem
from members.sessions import IssuedToken
from settings import Settings
from ticketing.tickets import companion_ticket_waits_for

PROFILE_FIELDS = ("name", "organisation", "industry", "experience_level", "birth_date", "language")
# Problem codes of e-mail verification -> what the page says (English msgids).
VERIFY_MESSAGES: dict[str, str] = {
    "verification_token_invalid": _("This confirmation link is not valid. Use the link from the most recent e-mail, "
                                    "or ask for a new one."),
    "verification_token_used": _("This confirmation link has already been used. If your address is confirmed, your "
                                 "tickets are under My tickets."),
    "verification_token_expired": _("This confirmation link has expired. Ask for a new one."),
    "email_already_verified": _("Your e-mail address is already confirmed."),
    "rate_limited": _("You asked for a new link several times already. Please wait an hour and check your spam "
                      "folder in the meantime."),
}
# Problem codes of the password-reset link -> what the page says (English msgids).
RESET_MESSAGES: dict[str, str] = {
    "password_reset_token_invalid": _("This link to set a new password is not valid. Use the link from the most "
                                      "recent e-mail, or ask for a new one."),
    "password_reset_token_used": _("This link to set a new password has already been used. Log in with your new "
                                   "password, or ask for a new link."),
    "password_reset_token_expired": _("This link to set a new password has expired: it works for one hour. Ask for "
                                      "a new one."),
}


async def verify_email_notice(member: Principal, next_path: str) -> dict[str, str] | None:
    """What _verify_email.html needs when confirming the signed-in member's e-mail would show them a ticket: the
    address is not verified yet and someone named it as their companion. Else None: above a buyer's own ticket the
    notice only confused (issue 20)."""
    if not await companion_ticket_waits_for(member.id):
        return None
    return {"email": member.email, "next": next_path}


def _no_referrer(response: Template) -> Template:
    """For pages whose URL holds a token: never sent on as a Referer, never cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def industry_options(lang: str) -> list[tuple[str, str]]:
    return [(i.code, i.label(lang)) for i in INDUSTRIES]  # type: ignore[arg-type]


def level_options(lang: str) -> list[tuple[str, str]]:
    return [(str(level), nl if lang == "nl" else en) for level, (_code, nl, en) in EXPERIENCE_LEVELS.items()]


async def start_session(request: Request[Any, Any, Any], email: str, password: str,
                        settings: Settings) -> IssuedToken:
    """A browser session; counts towards the sign-in limits per e-mail and per client address."""
    return await sessions.login(email, password, kind="session", lifetime=timedelta(days=settings.session_days),
                               label="browser", client_ip=client_ip(request))


def _profile_form(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """name, organisation, industry, experience_level, birth_date from a posted form."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": text(form, "name"),
        "organisation": text(form, "organisation"),
        "industry": text(form, "industry") or "customer_contact",
    }
    level = text(form, "experience_level")
    if not level.isdigit():
        errors["experience_level"] = _("Choose how much experience you have in customer contact.")
    else:
        values["experience_level"] = int(level)
    try:
        values["birth_date"] = optional_date(text(form, "birth_date"))
    except FormError as exc:
        errors["birth_date"] = exc.message
    if not values["name"]:
        errors["name"] = _("Enter your name.")
    return values, errors


class AccountPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/inloggen", name="login_page")
    async def login_form(self, request: Request[Any, Any, Any]) -> Template:
        target = safe_next_path(request.query_params.get("next"))
        return page(request, "login.html", next=target, form={}, errors={}, active_nav="login")

    @post("/inloggen", name="login_submit")
    async def login(self, request: Request[Any, Any, Any], data: FormBody,
                    settings: NamedDependency[Settings]) -> Template | Redirect:
        target = safe_next_path(text(data, "next"))
        try:
            issued = await start_session(request, text(data, "email"), str(data.get("password", "")), settings)
        except DomainError as exc:
            return page(request, "login.html", status_code=exc.status, next=target,
                        form={"email": text(data, "email")},
                        errors={"password": page_message(exc, request_language(request))},
                        active_nav="login")
        return redirect(target, None if target != "/" else "ingelogd",
                        cookies=[session_cookie(issued.token, settings)])

    @get("/aanmelden", name="signup_page")
    async def signup_form(self, request: Request[Any, Any, Any]) -> Template:
        lang = request_language(request)
        return page(request, "signup.html", next=safe_next_path(request.query_params.get("next")),
                    form={"industry": "customer_contact", "experience_level": ""}, errors={},
                    industries=industry_options(lang), levels=level_options(lang),
                    min_password=MIN_PASSWORD_LENGTH)

    @post("/aanmelden", name="signup_submit")
    async def signup(self, request: Request[Any, Any, Any], data: FormBody,
                     settings: NamedDependency[Settings]) -> Template | Redirect:
        lang = request_language(request)
        target = safe_next_path(text(data, "next"))
        values, errors = _profile_form(data)
        email, password = text(data, "email"), str(data.get("password", ""))
        status = 422
        # Every problem at once (issue 15): the service's checks of address, name and password too, not only
        # after the form's own are fixed.
        checked = accounts.NewMember(email=email, password=password, language=lang,
                                     **{**values, "experience_level": values.get("experience_level", 0)})
        problems = accounts.new_member_problems(checked, normalise_email(email), utcnow().date())
        if problems:
            errors = {**field_errors(InvalidFields(problems), lambda f: f or "", lang), **errors}
        if not errors:
            try:
                await accounts.signup(accounts.NewMember(email=email, password=password, language=lang, **values),
                                     client_ip=client_ip(request))
            except DomainError as exc:
                errors = field_errors(exc, lambda f: f or "", lang)
                status = exc.status  # 429 when rate-limited, not a form mistake
            else:
                # The same page for a new and an existing address; nobody is signed in until the address is
                # confirmed (members.sessions.login). The sign-in link keeps where they were going.
                login_href = path_for(request, "login_page") + (next_query(target) if target != "/" else "")
                return page(request, "signup_sent.html", email=email, login_href=login_href)
        form = {**{k: text(data, k) for k in ("name", "email", "organisation", "industry", "experience_level",
                                              "birth_date")}}
        return page(request, "signup.html", status_code=status, next=target, form=form, errors=errors,
                    industries=industry_options(lang), levels=level_options(lang), min_password=MIN_PASSWORD_LENGTH)

    @post("/aanmelden/wachtwoord", name="password_check")
    async def password_check(self, request: Request[Any, Any, Any], data: FormBody) -> Template:
        """htmx: the strength message under the password field while the person types."""
        problem = password_problem(str(data.get("password", "")), text(data, "email"), text(data, "name"))
        shown = render_message(problem, request_language(request)) if problem else None
        return Template("_password_check.html", context={"problem": shown, "typed": bool(data.get("password"))})

    @post("/uitloggen", name="logout")
    async def logout(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                     settings: NamedDependency[Settings]) -> Redirect:
        token = request.scope.get("auth")
        if token and viewer is not None and viewer.token_kind == "session":
            await sessions.revoke(token)
        return redirect(path_for(request, "agenda_page"), "uitgelogd", cookies=[expired_session_cookie(settings)])

    @get("/e-mail-bevestigen/{token:str}", name="verify_email_page")
    async def verify_email(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                           token: FromPath[str]) -> Template:
        """The link from the verification mail: verifies the address, and signs nobody in (a session is made
        only by signing in). Open without a session, so the link works in any browser."""
        lang = request_language(request)
        try:
            await verification.verify_email(token)
        except DomainError as exc:
            message = VERIFY_MESSAGES.get(exc.code)
            can_resend = viewer is not None and await verification.verified_email(viewer.id) is None
            response = page(request, "verify_email.html", status_code=exc.status, verified=False,
                            problem=gettext(lang, message) if message else page_message(exc, lang),
                            can_resend=can_resend)
        else:
            response = page(request, "verify_email.html", verified=True)
        response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the token
        response.headers["Cache-Control"] = "no-store"
        return response

    @post("/mijn/e-mail-bevestigen/opnieuw", name="verify_email_resend", guards=[requires_member])
    async def resend_verification(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                                  data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        target = safe_next_path(text(data, "next") or path_for(request, "my_tickets"))
        try:
            await verification.resend_verification(member.id)
        except DomainError as exc:
            message = VERIFY_MESSAGES.get(exc.code)
            return page(request, "verify_email.html", status_code=exc.status, verified=False,
                        problem=gettext(lang, message) if message else page_message(exc, lang), can_resend=False)
        return redirect(target, "bevestiging-verstuurd")

    @get("/wachtwoord-vergeten", name="forgot_password_page")
    async def forgot_password(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "forgot_password.html", sent=False, form={}, errors={}, active_nav="login")

    @post("/wachtwoord-vergeten", name="forgot_password_submit")
    async def forgot_password_submit(self, request: Request[Any, Any, Any], data: FormBody) -> Template:
        """Always the same answer for a well-formed address, account or not (no account enumeration)."""
        email = text(data, "email")
        try:
            await password_reset.request_password_reset(email, client_ip=client_ip(request))
        except DomainError as exc:
            return page(request, "forgot_password.html", status_code=exc.status, sent=False, form={"email": email},
                        errors=field_errors(exc, lambda f: f or "", request_language(request)), active_nav="login")
        return page(request, "forgot_password.html", sent=True, form={}, errors={}, active_nav="login")

    @get("/wachtwoord-herstellen/{token:str}", name="reset_password_page")
    async def reset_password(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        """The link from the reset mail: the new-password form, or why the link no longer works. Open without a
        session, so the link works in any browser."""
        try:
            await password_reset.check_password_reset(token)
        except DomainError as exc:
            return _no_referrer(self._reset_problem(request, exc))
        return _no_referrer(page(request, "reset_password.html", token=token, problem=None, errors={},
                                 min_password=MIN_PASSWORD_LENGTH))

    @post("/wachtwoord-herstellen/{token:str}", name="reset_password_submit")
    async def reset_password_submit(self, request: Request[Any, Any, Any], token: FromPath[str], data: FormBody,
                                    settings: NamedDependency[Settings]) -> Template | Redirect:
        password, repeat = str(data.get("password", "")), str(data.get("password_repeat", ""))
        errors: dict[str, str] = {}
        if not password:
            errors["password"] = _("Enter a new password.")
        elif password != repeat:
            errors["password_repeat"] = _("The two passwords are not the same.")
        status = 422
        if not errors:
            try:
                await password_reset.confirm_password_reset(token, password)
            except DomainError as exc:
                if exc.code in RESET_MESSAGES:
                    return _no_referrer(self._reset_problem(request, exc))
                errors = field_errors(exc, lambda f: f or "", request_language(request))
                status = exc.status
            else:
                # Every session of the account was revoked, this browser's too: drop its cookie as well.
                return redirect(path_for(request, "login_page"), "wachtwoord-hersteld",
                                cookies=[expired_session_cookie(settings)])
        return _no_referrer(page(request, "reset_password.html", status_code=status, token=token, problem=None,
                                 errors=errors, min_password=MIN_PASSWORD_LENGTH))

    @staticmethod
    def _reset_problem(request: Request[Any, Any, Any], exc: DomainError) -> Template:
        lang = request_language(request)
        message = RESET_MESSAGES.get(exc.code)
        return page(request, "reset_password.html", status_code=exc.status, token="", errors={},
                    problem=gettext(lang, message) if message else page_message(exc, lang),
                    min_password=MIN_PASSWORD_LENGTH)

    @get("/profiel", name="profile_page", guards=[requires_member])
    async def profile(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Template:
        lang = request_language(request)
        profile = await accounts.get_profile(member.id)
        form = {k: ("" if getattr(profile, k) is None else str(getattr(profile, k))) for k in PROFILE_FIELDS}
        return page(request, "profile.html", profile=profile, form=form, errors={}, active_nav="profile",
                    industries=industry_options(lang), levels=level_options(lang))

    @post("/profiel", name="profile_submit", guards=[requires_member])
    async def profile_submit(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                             data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        member_id = member.id
        values, errors = _profile_form(data)
        language = text(data, "language")
        if language in ("nl", "en"):
            values["language"] = language
        if not errors:
            try:
                await accounts.update_profile(member_id, values)
            except DomainError as exc:
                errors = field_errors(exc, lambda f: f or "", lang)
            else:
                return redirect(path_for(request, "profile_page"), "opgeslagen")
        profile = await accounts.get_profile(member_id)
        form = {k: text(data, k) for k in PROFILE_FIELDS}
        return page(request, "profile.html", status_code=422, profile=profile, form=form, errors=errors,
                    active_nav="profile", industries=industry_options(lang), levels=level_options(lang))
