"""Password hashing with argon2 (callers hash and verify in a worker thread, so the event loop never waits), and
the two stored values that are no hash of a password."""

from __future__ import annotations

from argon2 import PasswordHasher

HASHER = PasswordHasher()


# Verifying against this when the e-mail is unknown keeps sign-in time the same for both cases.
DUMMY_HASH = HASHER.hash("not-a-real-password-0")


# What an anonymised account keeps as its password hash: matches no password (argon2 refuses it), and the
# password-reset code recognises it.
ANONYMISED_PASSWORD_HASH = "!"
