"""Template helpers of the portal's pages, added to the app's Jinja environment."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from migstat.web.app import TEMPLATES
from migstat.web.views.data import number


def replace_param(params: Any, name: str, value: str) -> str:
    """The query string with ``name`` set to ``value`` and everything else kept."""
    pairs = [(k, v) for k, v in params.multi_items() if k != name]
    return urlencode([*pairs, (name, value)])


def _number(value: float | None, lang: str = "en") -> str:
    return number(value, lang)


TEMPLATES.env.filters["replace_param"] = replace_param
TEMPLATES.env.filters["number"] = _number
