"""Answers kept for a short while, so that many clients asking the same thing cost one query.

An answer is keyed by the request (path, parameters, format, language), the principal's
*sight* (:func:`~migstat.store.permissions.sight`: what decides what it may read, not who it
is, so accounts that see alike share answers and those that see differently never do) and
the store's *visibility version* (:meth:`~migstat.store.Store.visibility_version`): a row
that every write of a submission, a release, an agreement or a round bumps in its own
transaction, and the number of embargo ends the clock has passed. So a kept answer is valid
exactly until something it may depend on changes, in whichever worker process the change is
made, or until an embargo ends; it needs no time limit (:data:`TTL` is ``None``) and is
dropped only to keep the cache within :data:`BUDGET` bytes.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from migstat.store.permissions import sight
from migstat.web.deps import Reader

TTL: float | None = None
"""Seconds an answer is kept at most: by default no limit (see the module)."""
BUDGET = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    media_type: str
    status: int
    etag: str
    headers: tuple[tuple[str, str], ...] = ()
    audited: bool = False
    """Whether giving it to a signed-in account leaves an audit record (a download of data)."""


def made(body: str, media_type: str) -> Answer:
    """A 200 answer of ``body`` (UTF-8) with its entity tag."""
    encoded = body.encode("utf-8")
    return Answer(encoded, media_type, 200, etag(encoded))


def state(reader: Reader, version: tuple[Any, ...] | None = None) -> str:
    """A digest of the reader's sight (:func:`~migstat.store.permissions.sight`) and the
    store's visibility version (``version``: :meth:`Reader.version`'s value, the principal
    and the version, when the caller has it already). The version moves with every release,
    withdrawal, agreement and submission, and with every embargo end at the store's clock,
    so what one sight may read cannot change under a kept answer."""
    principal, *rest = reader.version() if version is None else version
    return hashlib.sha256(repr((sight(principal), *rest)).encode()).hexdigest()[:20]


class AnswerCache:
    """A small thread-safe LRU of answers within a size budget (and a time limit, ``ttl``
    seconds, when one is given; ``0`` keeps nothing)."""

    def __init__(self, ttl: float | None = TTL, budget: int = BUDGET) -> None:
        self.ttl = ttl
        self.budget = budget
        self._items: OrderedDict[str, tuple[float, Answer]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._making: dict[str, threading.Lock] = {}
        self.made = 0
        """How many answers this cache has had made (what a kept answer saves)."""
        self.early = 0
        """How many kept answers were given before routing (``answers.KeptAnswers``)."""
        self.paths: dict[str, int] = {}
        """How many kept answers each address path has (the text of a key up to its first
        ``|``): a request to a path with none need not work out its key."""

    def get(self, key: str) -> Answer | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            stored, answer = hit
            if self.ttl is not None and time.monotonic() - stored > self.ttl:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return answer

    def get_or_make(self, key: str, make: Callable[[], Answer]) -> Answer:
        """The kept answer, or ``make()``'s, made once however many ask for it at once.

        Requests for the same key wait for the one that makes the answer (a burst of
        identical queries costs one read of the store); an error is raised to each of them.
        """
        if not self.on:
            return make()
        answer = self.get(key)
        if answer is not None:
            return answer
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            answer = self.get(key)
            if answer is None:
                answer = make()
                self.put(key, answer, made=True)
        with self._lock:
            self._making.pop(key, None)
        return answer

    @property
    def on(self) -> bool:
        """Whether answers are kept at all (``ttl`` 0 switches the cache off)."""
        return self.ttl is None or self.ttl > 0

    def put(self, key: str, answer: Answer, *, made: bool = False) -> None:
        size = len(answer.body)
        with self._lock:
            self.made += made
        if size > self.budget // 4:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (time.monotonic(), answer)
            self._size += size
            path = key.partition("|")[0]
            self.paths[path] = self.paths.get(path, 0) + 1
            while self._size > self.budget and self._items:
                self._drop(next(iter(self._items)))

    def _drop(self, key: str) -> None:
        _stored, answer = self._items.pop(key)
        self._size -= len(answer.body)
        path = key.partition("|")[0]
        left = self.paths.get(path, 1) - 1
        if left > 0:
            self.paths[path] = left
        else:
            self.paths.pop(path, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.paths.clear()
            self._size = 0


def etag(body: bytes) -> str:
    """A strong entity tag of an answer's bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def ttl_from_env(name: str) -> float | None:
    """A time limit in seconds from the environment variable ``name``: unset or empty is
    :data:`TTL` (no limit), ``0`` switches the cache off."""
    given = os.environ.get(name, "").strip()
    return float(given) if given else TTL


__all__ = ["BUDGET", "TTL", "Answer", "AnswerCache", "etag", "state", "ttl_from_env"]
