"""Password hashing with argon2 (callers hash and verify in a worker thread, so the event loop never waits), and
the two stored values that are no hash of a password."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher

HASHER = PasswordHasher()


@cache
def dummy_hash() -> str:
    """What a sign-in with an unknown e-mail verifies against, so it takes as long as one with a known e-mail.

    Made on first use (in the thread that verifies), not at import: with the production parameters the hash costs
    ~90 ms, which every process importing the app paid (each worker, each CLI command), most never signing anyone
    in."""
    return HASHER.hash("not-a-real-password-0")


# What an anonymised account keeps as its password hash: matches no password (argon2 refuses it), and the
# password-reset code recognises it.
ANONYMISED_PASSWORD_HASH = "!"
