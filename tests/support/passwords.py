"""Cheaper argon2 for the tests, the production parameters for the app.

An argon2id hash with the library's default (production) parameters, 64 MiB and three passes, costs 0.1–0.25 s of
a core here, and so does every sign-in that verifies one: the suite made some thousand of them, minutes of CPU.
Under test every `argon2.PasswordHasher` made after `use_cheap_password_hashing()` uses the smallest parameters
argon2 allows (one pass over 8 KiB) — the same algorithm, code path and hash format, only cheaper. Verifying reads
the parameters from the stored hash, so a hash made with the production parameters (by a child process, such as
the CLI in tests/api/members/test_members.py, which checks them) still verifies as in production.

Call it before anything imports the module that makes the app's hasher (tests/conftest.py does, at import; the
browser tests' seeding child process does too).
"""

from __future__ import annotations

from typing import Any

import argon2

# What the app's hasher uses in production (argon2-cffi's defaults, RFC 9106's low-memory profile), as it
# appears in a stored hash; tests/api/members/test_members.py checks a hash made outside the test process.
PRODUCTION_HASH_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"


class CheapPasswordHasher(argon2.PasswordHasher):
    """argon2id, one pass over 8 KiB on one lane; explicit arguments still win."""

    cheap_for_tests = True

    def __init__(self, time_cost: int = 1, memory_cost: int = 8, parallelism: int = 1, *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(time_cost, memory_cost, parallelism, *args, **kwargs)


def use_cheap_password_hashing() -> None:
    argon2.PasswordHasher = CheapPasswordHasher  # type: ignore[misc]
