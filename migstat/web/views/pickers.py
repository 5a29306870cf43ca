"""Country pickers a journalist can use: the regional groups of the code list as one click,
and the names in both languages (and the code) for the type-ahead search.

The groups are the ``REGIONS`` hierarchy of the area code list (Central Asia, CIS, EAEU,
EU27 ...), with the members valid today; a group is offered when at least one member has
data, and its link chooses exactly those members, so it works without JavaScript. The
search box is added by ``static/forms.js`` and only filters the options in view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from migstat.model.codelists import CodeList

GROUPS_FIRST = (
    "M49_143",
    "SOUTH_CAUCASUS",
    "M49_151",
    "EECCA",
    "CIS",
    "EAEU",
    "M49_145",
    "EU27_2020",
)
"""The order groups are offered in: the region's own first."""


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    label: str
    members: tuple[str, ...]
    """The members that have data here, in the code list's order."""
    missing: tuple[str, ...]
    """The members without data here (the page says so)."""

    @property
    def value(self) -> str:
        return "+".join(self.members)


def groups(
    areas: CodeList, have: Iterable[str], lang: str, today: date | None = None
) -> list[Group]:
    """The regional groups of ``areas`` with at least one member among ``have``."""
    present = set(have)
    hierarchy = areas.hierarchies.get("REGIONS")
    if hierarchy is None:
        return []
    out = []
    seen = set()
    for rule in hierarchy.rules_on(today or date.today()):
        if rule.total in seen or rule.total not in areas:
            continue
        seen.add(rule.total)
        members = tuple(c for c in rule.parts if c in present)
        if members and len(rule.parts) > 1:
            missing = tuple(c for c in rule.parts if c not in present)
            out.append(Group(rule.total, areas.label(rule.total, lang), members, missing))
    rank = {code: i for i, code in enumerate(GROUPS_FIRST)}
    return sorted(out, key=lambda g: (rank.get(g.code, len(rank)), g.label))


def search_names(areas: CodeList, codes: Iterable[str]) -> dict[str, str]:
    """What the type-ahead matches for each code: the code and its names in English and
    Russian, so "Кыргызстан", "Kyrgyzstan" and "kgz" all find the same option."""
    out = {}
    for code in codes:
        if code in areas:
            out[code] = " ".join(
                dict.fromkeys((code, areas.label(code, "en"), areas.label(code, "ru")))
            )
        else:
            out[code] = code
    return out
