"""Code lists and the hierarchies along which totals add up.

A code list is data (see ``migstat/definitions/codelists``): codes with English and Russian
names, optional validity dates (historical states), optional ``[lower, upper)`` bounds (age
groups), aliases (M49 numeric, alpha-2, publishers' spellings) and hierarchies. A hierarchy
rule says ``total = sum(parts)``; it may be valid only for a period, which is how
date-effective memberships of regional aggregates (CIS, EU) are expressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

LabelText = dict[str, str]
"""A text in several languages, keyed by language code (``{"en": ..., "ru": ...}``)."""


def pick(text: LabelText | None, lang: str) -> str:
    """The text in ``lang``, falling back to English, then to any language given."""
    if not text:
        return ""
    return text.get(lang) or text.get("en") or next(iter(text.values()), "")


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a code list."""

    id: str
    name: LabelText
    parent: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    lower: int | None = None
    """Inclusive lower bound (age groups: years)."""
    upper: int | None = None
    """Exclusive upper bound; ``None`` for an open-ended group such as 80+."""
    aliases: tuple[str, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def label(self, lang: str = "en") -> str:
        return pick(self.name, lang)

    def valid_on(self, when: date | None) -> bool:
        """Whether the code exists on ``when`` (always true for ``None``)."""
        if when is None:
            return True
        if self.valid_from and when < self.valid_from:
            return False
        return not (self.valid_to and when > self.valid_to)


@dataclass(frozen=True, slots=True)
class HierarchyRule:
    """``total`` equals the sum of ``parts`` (on dates within the rule's validity)."""

    total: str
    parts: tuple[str, ...]
    valid_from: date | None = None
    valid_to: date | None = None
    partial: bool = False
    """The parts listed do not exhaust the total (e.g. membership known only in part):
    the check becomes ``total >= sum(parts)``."""

    def valid_on(self, when: date | None) -> bool:
        if when is None:
            return self.valid_to is None
        if self.valid_from and when < self.valid_from:
            return False
        return not (self.valid_to and when > self.valid_to)


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A named set of rules over one code list (``SEX``, ``AGE_5Y``, ``WORLD`` ...)."""

    id: str
    codelist: str
    name: LabelText
    rules: tuple[HierarchyRule, ...]

    def rules_on(self, when: date | None) -> list[HierarchyRule]:
        return [rule for rule in self.rules if rule.valid_on(when)]

    def expand(self, code: str, when: date | None = None) -> tuple[str, ...] | None:
        """The parts of ``code`` in this hierarchy, or ``None`` when it is not a total here."""
        for rule in self.rules_on(when):
            if rule.total == code:
                return rule.parts
        return None


@dataclass(slots=True)
class CodeList:
    """An ordered, versioned set of codes, with hierarchies and an alias index."""

    id: str
    name: LabelText
    version: str = "1.0"
    codes: dict[str, Code] = field(default_factory=dict)
    hierarchies: dict[str, Hierarchy] = field(default_factory=dict)
    description: LabelText = field(default_factory=dict)
    subsets: dict[str, list[str]] = field(default_factory=dict)
    """Named, ordered selections of codes (``partner``: the rows of a questionnaire)."""
    _aliases: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, code: Code) -> None:
        self.codes[code.id] = code
        for alias in code.aliases:
            self._aliases.setdefault(alias.casefold(), code.id)

    def __contains__(self, code_id: object) -> bool:
        return code_id in self.codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, code_id: str) -> Code:
        return self.codes[code_id]

    def get(self, code_id: str) -> Code | None:
        return self.codes.get(code_id)

    def label(self, code_id: str, lang: str = "en") -> str:
        code = self.codes.get(code_id)
        return code.label(lang) if code else code_id

    def resolve(self, text: str) -> str | None:
        """The code id for ``text``: a code id itself or one of its aliases (case-insensitive)."""
        text = text.strip()
        if text in self.codes:
            return text
        return self._aliases.get(text.casefold())

    def ids(self, when: date | None = None) -> list[str]:
        return [code.id for code in self.codes.values() if code.valid_on(when)]

    def subset(self, ids: Iterable[str]) -> list[Code]:
        return [self.codes[i] for i in ids if i in self.codes]
