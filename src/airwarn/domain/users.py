"""Operators and their roles; who may do what in the alerting act."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OBSERVER = "observer"
    SENSOR = "sensor"  # a machine account: posts its own detections, decides nothing else
    OPERATOR = "operator"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"observer": 0, "sensor": 0, "operator": 1, "approver": 2, "admin": 3}[self.value]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class User:
    name: str
    role: Role


def new_token() -> str:
    """A fresh API token (shown once; only its hash is stored)."""
    return "aw_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are 256-bit random, so one SHA-256 is enough (no password stretching needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
