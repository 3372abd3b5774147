"""Random tokens and their stored form: only a SHA-256 of a token is ever stored (sessions, API tokens, mailed
links, feed tokens)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class MailedToken:
    """A single-use token just made for a mailed link (verification, password reset), with whom the mail greets:
    the token itself is in the mail only (its hash is stored)."""

    member_id: int
    name: str
    language: str
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits
