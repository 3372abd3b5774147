"""Transitional: every name members/service.py had, from the use-case modules it was split into (issue 12).

Nothing in this repository imports it any more; it is kept so that branches begun before the split still import.
New code imports from the module that holds the use case (docs/architecture.md, "members/"). Delete this file
once no open branch needs it.
"""

from __future__ import annotations

from members.accounts import (  # noqa: F401
    SIGNUP_ACCEPTED_MESSAGE,
    SIGNUP_PER_EMAIL,
    NewMember,
    check_name,
    check_profile,
    create_member,
    ensure_member,
    get_profile,
    member_id_for_email,
    signup,
    update_profile,
)
from members.errors import (  # noqa: F401
    AccountExists,
    AccountHasLiveTicket,
    AccountNotFound,
    AddressNotVerified,
    AdminOnly,
    EmailAlreadyVerified,
    LastAdministrator,
    PasswordIncorrect,
    PasswordResetTokenExpired,
    PasswordResetTokenInvalid,
    PasswordResetTokenUsed,
    VerificationTokenExpired,
    VerificationTokenInvalid,
    VerificationTokenUsed,
)
from members.feed_tokens import (  # noqa: F401
    MAX_FEED_REMINDER_MINUTES,
    FeedOwner,
    feed_settings,
    member_for_feed_token,
    new_feed_token,
    note_feed_items,
    revoke_feed_token,
    rotate_feed_token,
    set_feed_reminder,
)
from members.mailed_links import (  # noqa: F401
    MAILED_LINKS_KEPT,
    prune_mailed_links,
)
from members.password_reset import (  # noqa: F401
    PASSWORD_RESET_LIFETIME,
    RESET_PER_EMAIL,
    RESET_PER_IP,
    RESET_REQUESTED_MESSAGE,
    check_password_reset,
    confirm_password_reset,
    issue_password_reset_token,
    request_password_reset,
)
from members.passwords import (  # noqa: F401
    ANONYMISED_PASSWORD_HASH,
    DUMMY_HASH,
    HASHER,
)
from members.personal_data import (  # noqa: F401
    delete_account,
    export_member_data,
)
from members.principal import (  # noqa: F401
    Principal,
)
from members.sessions import (  # noqa: F401
    IssuedToken,
    authenticate,
    issue_token,
    login,
    principal_for_token,
    register_event_role_probe,
    revoke,
)
from members.sessions import issue_token as _issue  # noqa: F401  (the old private name, used by tests)
from members.tokens import (  # noqa: F401
    hash_token,
    new_token,
)
from members.verification import (  # noqa: F401
    VERIFICATION_LIFETIME,
    VERIFY_RESEND_PER_MEMBER,
    issue_verification_token,
    queue_verification_mail,
    resend_verification,
    verified_email,
    verify_email,
)
