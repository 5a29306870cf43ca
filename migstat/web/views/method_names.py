"""The estimation methods by name, with a one-line description, in the page's language: the
flows-from-stocks options and the mirror's duration-of-stay coefficient sets.

The options are identifiers (``rescale``, ``open-dr``, ``mipfp``, ``imem_model``: the names the
command line, the download's query and migest use); a page shows what each one does instead,
with the identifier kept on hover and in the form's values. The methods are described in
docs/methods/flows_from_stocks.md and docs/methods/harmonisation.md.
"""

from __future__ import annotations

from typing import Any

from migstat.i18n import N_, gettext_

METHODS: dict[str, dict[str, tuple[str, str]]] = {
    "totals": {
        "rescale": (
            N_("Closed world"),
            N_(
                "Both tables are fitted to the same number born in each place, keeping every "
                "country's residents (Abel & Sander 2014)."
            ),
        ),
        "open": (
            N_("Open system"),
            N_(
                "A difference in the number born in a place leaves or enters the region, spread "
                "like the other table's row."
            ),
        ),
        "open-dr": (
            N_("Open system, own row"),
            N_(
                "The same, spread like the table's own row, as in Abel's published "
                "estimates (Abel 2013)."
            ),
        ),
    },
    "model": {
        "minimum": (
            N_("Minimum migration"),
            N_(
                "As many people as possible stay: the fewest moves that turn the first table "
                "into the second."
            ),
        ),
        "independence": (
            N_("Independence"),
            N_("Where people live at the end does not depend on where they lived at the start."),
        ),
        "pseudo-bayesian": (
            N_("Pseudo-Bayesian blend"),
            N_("A weighted mean of minimum migration and independence (Abel & Cohen 2019)."),
        ),
    },
    "fit": {
        "mipfp": (
            N_("As in migest"),
            N_(
                "Iterative proportional fitting stopped where the R package migest stops it, "
                "to give its published numbers."
            ),
        ),
        "newton": (
            N_("Newton's method"),
            N_("The same fit solved to convergence: faster on large tables."),
        ),
    },
}
"""Each option of the form -> each of its values -> (name, one-line description)."""

OPTION_NAMES = {
    "totals": N_("Birthplace totals"),
    "model": N_("Model"),
    "fit": N_("Fitting"),
}
DESCRIBED = {"birthplace_totals": "totals", "model": "model", "fit": "fit"}
"""The estimate's own option names (``FfsOptions.describe``) -> the form's."""


def choices(option: str, lang: str) -> list[dict[str, str]]:
    """The values of one option of the form, each with its name and description in ``lang``."""
    return [
        {"value": value, "name": gettext_(name, lang), "description": gettext_(text, lang)}
        for value, (name, text) in METHODS[option].items()
    ]


def form(lang: str) -> list[dict[str, Any]]:
    """The form's three method options in ``lang``, in order."""
    return [
        {
            "id": option,
            "label": gettext_(OPTION_NAMES[option], lang),
            "choices": choices(option, lang),
        }
        for option in METHODS
    ]


def described(options: dict[str, str], lang: str) -> list[dict[str, str]]:
    """The methods an estimate was made with, by name and description (the identifier as
    ``code``); the technical options without a name (``tol``, ``death_method``) as they are."""
    out = []
    for key, value in options.items():
        option = DESCRIBED.get(key)
        if option is not None and value in METHODS[option]:
            name, text = METHODS[option][value]
            out.append(
                {
                    "label": gettext_(OPTION_NAMES[option], lang),
                    "name": gettext_(name, lang),
                    "description": gettext_(text, lang),
                    "code": f"{key}={value}",
                }
            )
        elif value:
            out.append({"label": key, "name": value, "description": "", "code": f"{key}={value}"})
    return out


DURATION_SETS: dict[str, tuple[str, str]] = {
    "imem_model": (
        N_("IMEM model"),
        N_(
            "The duration effects of the Integrated Modelling of European Migration "
            "(Raymer et al. 2013)."
        ),
    ),
    "willekens2019_expert": (
        N_("Willekens 2019, expert opinion"),
        N_("Coefficients from experts' judgement (Willekens 2019)."),
    ),
    "willekens2019_poisson": (
        N_("Willekens 2019, Poisson model"),
        N_("Coefficients fitted by a Poisson model (Willekens 2019)."),
    ),
    "willekens2019_mixture": (
        N_("Willekens 2019, mixture model"),
        N_("Coefficients fitted by a mixture model (Willekens 2019)."),
    ),
}
"""The published duration-of-stay coefficient sets (``analysis.duration_of_stay``) by name."""


def duration_sets(lang: str) -> list[dict[str, str]]:
    """The coefficient sets the mirror's harmonised estimates offer, by name in ``lang``."""
    return [
        {"value": value, "name": gettext_(name, lang), "description": gettext_(text, lang)}
        for value, (name, text) in DURATION_SETS.items()
    ]
