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

DETAILS: dict[str, tuple[str, dict[str, str]]] = {
    "match_global": (
        N_("World balance"),
        {
            "before-demo-adjust": N_("before births and deaths, in whole people (as migest)"),
            "after-demo-adjust": N_("after births and deaths, not rounded"),
            "none": N_("not made"),
        },
    ),
    "birth_method": (
        N_("Births"),
        {
            "native": N_("native-born of their country of residence"),
            "proportion": N_("spread in proportion to the end stocks"),
        },
    ),
    "birth_non_negative": (
        N_("Births above the native-born spread in proportion"),
        {"true": N_("yes"), "false": N_("no")},
    ),
    "death_method": (
        N_("Deaths"),
        {
            "proportion": N_("spread in proportion to the start stocks"),
            "accounting": N_("fitted to the deaths the accounts imply"),
        },
    ),
    "blend_weight": (N_("Weight of minimum migration in the blend"), {}),
    "tol": (N_("Tolerance of the fitting"), {}),
}
"""The estimate's other options (``FfsOptions.describe``) -> (name, value -> name); a value
without a name (a number) is shown as it is."""

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
    """The methods an estimate was made with, by name and description, and its other options
    by name (the identifier, ``key=value``, as ``code``, shown on hover)."""
    out = []
    for key, value in options.items():
        option = DESCRIBED.get(key)
        code = f"{key}={value}"
        if option is not None and value in METHODS[option]:
            name, text = METHODS[option][value]
            label, description = OPTION_NAMES[option], gettext_(text, lang)
        elif key in DETAILS and value:
            label, values = DETAILS[key]
            name, description = values.get(value, value), ""
        else:
            continue
        out.append(
            {
                "label": gettext_(label, lang),
                "name": gettext_(name, lang) if name else name,
                "description": description,
                "code": code,
            }
        )
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
