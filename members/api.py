"""HTTP API for members: thin controllers over the members use cases (accounts, sessions, verification, …)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody

from core.auth import requires_admin, requires_member
from core.principal import Principal
from core.security import client_ip, expired_session_cookie
from members import accounts, password_reset, personal_data, roles, sessions, verification
from members.rules import EXPERIENCE_LEVELS, INDUSTRIES
from members.schemas import (
    AccountDeleted,
    DeleteAccountRequest,
    EmailVerifiedOut,
    ExperienceLevelOut,
    Industry,
    LoginRequest,
    MemberExport,
    MemberOut,
    PasswordResetConfirm,
    PasswordResetOut,
    PasswordResetRequest,
    PasswordResetRequestedOut,
    ProfileUpdate,
    RoleChange,
    RoleGrantOut,
    RoleHolderOut,
    RoleLogEntryOut,
    SignupAcceptedOut,
    SignupRequest,
    TokenOut,
    VerificationQueuedOut,
    VerifyEmailRequest,
)
from settings import Settings

NO_STORE = CacheControlHeader(no_store=True)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/signup", summary="Create an account (confirmed by a mailed link)", operation_id="signup",
          status_code=202, opt={"problems": [429]})
    async def signup(self, request: Request[Any, Any, Any], data: JSONBody[SignupRequest]) -> SignupAcceptedOut:
        """The same 202 whether or not the address already has an account: a new account gets a confirmation
        link by mail (sign-in works once it is confirmed), an existing account's owner gets a mail saying someone
        tried, with a link to set a new password. Invalid input is 422 either way; rate-limited per client
        address and per e-mail address (`rate_limited`, 429)."""
        await accounts.signup(accounts.NewMember(**msgspec.structs.asdict(data)), client_ip=client_ip(request))
        return SignupAcceptedOut(accounts.SIGNUP_ACCEPTED_MESSAGE)

    @post("/login", summary="Sign in and get a bearer token", operation_id="login", status_code=200,
          opt={"problems": [401, 429]})
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginRequest]) -> TokenOut:
        """Only once the address is confirmed: an unconfirmed account gets the same 401 as a wrong password (and a
        new confirmation mail when the password was right)."""
        issued = await sessions.login(
            data.email, data.password, kind="api", lifetime=timedelta(days=90), label=data.label,
            client_ip=client_ip(request),
        )
        return TokenOut(issued.token, "Bearer", issued.expires_at, issued.member)

    @post("/verify-email", summary="Verify your e-mail address with the token from the mailed link",
          operation_id="verify_email", status_code=200, opt={"problems": [400, 409, 410]})
    async def verify_email(self, data: JSONBody[VerifyEmailRequest]) -> EmailVerifiedOut:
        """Single use, valid 48 hours. Signs nobody in: the token only proves the mailbox.
        `verification_token_invalid` (400: unknown, forged, or for another address), `verification_token_used`
        (409), `verification_token_expired` (410)."""
        return await verification.verify_email(data.token)

    @post("/password-reset", summary="Ask for a mail with a link to set a new password",
          operation_id="request_password_reset", status_code=202, opt={"problems": [429]})
    async def request_password_reset(self, request: Request[Any, Any, Any],
                                     data: JSONBody[PasswordResetRequest]) -> PasswordResetRequestedOut:
        """The same 202 whether or not the address has an account. The mailed link
        (`/wachtwoord-herstellen/{token}`) works for one hour, once. Rate-limited per e-mail address and per client
        address (`rate_limited`, 429 with Retry-After)."""
        await password_reset.request_password_reset(data.email, client_ip=client_ip(request))
        return PasswordResetRequestedOut(password_reset.RESET_REQUESTED_MESSAGE)

    @post("/password-reset/confirm", summary="Set a new password with the token from the mailed link",
          operation_id="confirm_password_reset", status_code=200, opt={"problems": [400, 409, 410, 422]})
    async def confirm_password_reset(self, data: JSONBody[PasswordResetConfirm]) -> PasswordResetOut:
        """Signs nobody in, and revokes every session and API token of the account.
        `password_reset_token_invalid` (400: unknown, forged, or for another address), `password_reset_token_used`
        (409), `password_reset_token_expired` (410), `validation_error` (422: the password is too weak; the link
        keeps working)."""
        return await password_reset.confirm_password_reset(data.token, data.password)

    @post("/logout", summary="Revoke the token or session used for this request", operation_id="logout",
          status_code=204, guards=[requires_member])
    async def logout(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Response[None]:
        token = request.scope.get("auth")
        if token:
            await sessions.revoke(token)
        # Cleared with the attributes it was set with (HttpOnly, SameSite, Secure): core.security.
        return Response(None, status_code=204, cookies=[expired_session_cookie(settings)])


class MemberController(Controller):
    path = "/api/v1"
    tags = ["members"]

    @get("/me", summary="The signed-in member", operation_id="me", guards=[requires_member])
    async def me(self, member: NamedDependency[Principal]) -> MemberOut:
        return await accounts.get_profile(member.id)

    @patch("/me", summary="Update your profile", operation_id="update_me", guards=[requires_member])
    async def update_me(self, member: NamedDependency[Principal], data: JSONBody[ProfileUpdate]) -> MemberOut:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        return await accounts.update_profile(member.id, changes)

    @post("/me/verify-email/resend", summary="Send the e-mail verification link again",
          operation_id="resend_verification",
          guards=[requires_member], status_code=202, opt={"problems": [409, 429]})
    async def resend_verification(self, member: NamedDependency[Principal]) -> VerificationQueuedOut:
        """Three per hour per account (`rate_limited`); `email_already_verified` (409) once verified."""
        await verification.resend_verification(member.id)
        return VerificationQueuedOut()

    @get("/me/export", summary="Download everything stored about you (JSON)", operation_id="export_me",
         name="export_me", guards=[requires_member])
    async def export_me(self, member: NamedDependency[Principal]) -> Response[MemberExport]:
        return Response(await personal_data.export_member_data(member.id), headers={
            "Content-Disposition": 'attachment; filename="nieuw-geluid-mijn-gegevens.json"',
            "Cache-Control": "no-store",
        })

    @delete("/me", summary="Delete your account (re-enter your password)", operation_id="delete_me",
            guards=[requires_member], status_code=200, opt={"problems": [429]})
    async def delete_me(self, member: NamedDependency[Principal], data: JSONBody[DeleteAccountRequest],
                        settings: NamedDependency[Settings]) -> Response[AccountDeleted]:
        outcome = await personal_data.delete_account(member.id, data.password)
        return Response(AccountDeleted(outcome), cookies=[expired_session_cookie(settings)])

    @post("/members/roles", summary="Grant or revoke the organiser or administrator role (administrators only)",
          operation_id="set_role", guards=[requires_admin], status_code=200, opt={"problems": [404, 409]})
    async def set_role(self, member: NamedDependency[Principal], data: JSONBody[RoleChange]) -> RoleGrantOut:
        """The account and its roles; never its birth date or other profile details. Problems: `admin_only` (403),
        `account_not_found` (404), `address_not_verified` (409: a role only for a confirmed address), `last_admin`
        (409: the last administrator keeps the role). Every change is in the role log."""
        return await roles.set_role(member, data.email, data.role, data.enabled)

    @get("/admin/roles", summary="Every administrator and organiser (administrators only)",
         operation_id="list_role_holders", guards=[requires_admin], cache_control=NO_STORE)
    async def role_holders(self, member: NamedDependency[Principal]) -> list[RoleHolderOut]:
        return await roles.role_holders(member)

    @get("/admin/role-log", summary="Every grant and revoke of a role, newest first (administrators only)",
         operation_id="role_log", guards=[requires_admin], cache_control=NO_STORE)
    async def role_log(self, member: NamedDependency[Principal]) -> list[RoleLogEntryOut]:
        """The latest 200: who granted or revoked which role of whom, when, at which event: global roles
        (administrators, the command line) and the roles of each event (its organiser, administrators)."""
        return await roles.role_log(member)

    @get("/industries", summary="The industries a member or companion can work in", operation_id="industries")
    async def industries(self) -> list[Industry]:
        return [Industry(i.code, i.label_nl, i.label_en) for i in INDUSTRIES]

    @get("/experience-levels", summary="Experience levels in customer contact", operation_id="experience_levels")
    async def experience_levels(self) -> list[ExperienceLevelOut]:
        return [ExperienceLevelOut(level, code, nl, en) for level, (code, nl, en) in EXPERIENCE_LEVELS.items()]
