"""Random tokens and their stored form: only a SHA-256 of a token is ever stored (sessions, API tokens, mailed
links, feed tokens)."""

from __future__ import annotations

import hashlib
import secrets


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits
