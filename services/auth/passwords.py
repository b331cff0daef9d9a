"""argon2id password hashes (parameters from the settings) and the password policy."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from implflow.core.errors import InvalidInput
from implflow.core.settings import get_settings

MAX_LENGTH = 1024  # hashing cost grows with length: refuse novels


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hasher() -> PasswordHasher:
    """The argon2id hasher with the configured cost."""
    s = get_settings()
    return _hasher(s.argon2_time_cost, s.argon2_memory_kib)


@lru_cache(maxsize=4)
def _dummy(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash("implflow: no such account")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; the parameters are kept in the hash)."""
    return hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; without a stored hash, spend the same time anyway."""
    s = get_settings()
    try:
        ok = hasher().verify(stored or _dummy(s.argon2_time_cost, s.argon2_memory_kib), password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


def check_policy(password: str, handle: str) -> None:
    """Refuse a password that is too short, too long, or contains the handle."""
    minimum = get_settings().password_min_length
    if len(password) < minimum:
        raise InvalidInput(f"the password must have at least {minimum} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"the password must have at most {MAX_LENGTH} characters")
    if handle.lower() in password.lower():
        raise InvalidInput("the password must not contain the handle")
    if len(set(password)) < 4:
        raise InvalidInput("the password must use at least 4 different characters")
