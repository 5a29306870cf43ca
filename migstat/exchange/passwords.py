"""Passwords: argon2id hashes (argon2-cffi) and the rules a new password must meet.

A password is never stored, printed or recorded: only its argon2id hash (which carries its
own salt and cost parameters) is kept. :func:`verify` also says when a hash was made with
older parameters, so that it is replaced at the next sign-in. :data:`DUMMY_HASH` lets a
sign-in with an unknown login take as long as one with a known login.

The rules (:func:`check`): at least :data:`MIN_LENGTH` characters, at most :data:`MAX_LENGTH`
(argon2 would hash anything; a bound keeps a request small), not the login, not one of the
commonly used passwords and not a run of one or two characters.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from migstat.i18n import N_
from migstat.model.findings import InputError

MIN_LENGTH = 12
MAX_LENGTH = 1024
# Passwords that are tried first by anyone guessing (with letters, digits and keyboard rows
# padded to the minimum length in the usual ways).
_COMMON_TEXT = """
123456789012 1234567890123 12345678901234 123123123123 111111111111 000000000000
password1234 password123! passw0rd1234 password12345 p@ssw0rd1234 p@ssword1234
qwertyuiop12 qwertyuiop123 qwerty123456 qwerty12345678 1q2w3e4r5t6y 1qaz2wsx3edc
asdfghjkl123 zxcvbnm12345 abc123456789 abcdefghijkl iloveyou1234 letmein12345
welcome12345 admin1234567 administrator administrator1 changeme1234 secret123456
football1234 baseball1234 monkey123456 dragon123456 sunshine1234 princess1234
trustno11234 superman1234 starwars1234 whatever1234 master123456 qazwsxedcrfv
йцукенгшщзхъ пароль123456 пароль12345678 qwertyqwerty asdfasdfasdf 123qwe123qwe
migstat12345 migstat123456 statistics12 statistics123 migration123 coordinator1
"""
COMMON = frozenset(_COMMON_TEXT.split())


@cache
def hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, t=3)."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


@cache
def dummy_hash() -> str:
    """A hash no password matches, verified when a login is unknown (to take as long)."""
    return hasher().hash("not a password of anyone: " + "x" * 32)


def verify(stored: str, password: str) -> tuple[bool, bool]:
    """``(matches, needs_rehash)`` for ``password`` against the ``stored`` hash."""
    if len(password) > MAX_LENGTH:
        return False, False
    try:
        hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    return True, hasher().check_needs_rehash(stored)


def check(password: str, login: str) -> str:
    """``password`` if it meets the rules; :class:`InputError` saying which it breaks."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            N_("The password is {length} characters long; use at least {minimum}."),
            length=len(password),
            minimum=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        raise InputError(
            N_("The password is longer than {maximum} characters."), maximum=MAX_LENGTH
        )
    folded = password.casefold()
    if folded in COMMON or len(set(folded)) <= 2:
        raise InputError(N_("That password is one of the most commonly used ones: choose another."))
    if login and login.casefold() in folded:
        raise InputError(N_("The password must not contain the login."))
    return password


__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check", "dummy_hash", "hash_password", "verify"]
