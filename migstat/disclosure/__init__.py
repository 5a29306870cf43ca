"""Statistical disclosure control of tables: primary and secondary cell suppression.

``protect(observations, table, rule)`` marks the sensitive cells (confidential, or under a
minimum frequency) and hides complementary cells along every additive relation of the table so
that no hidden cell can be narrowed below its protection width; ``audit(observations, table)``
plays the attacker and gives the interval of every hidden cell of a published table;
``protect_all`` protects every table of a submission. The rule
(:class:`Rule`) is plain data for a submission's metadata. Method: docs/methods/disclosure.md.
"""

from migstat.disclosure.audit import Interval, audit
from migstat.disclosure.rule import METHOD, Rule
from migstat.disclosure.suppress import HiddenCell, Protected, protect, protect_all

__all__ = [
    "METHOD",
    "HiddenCell",
    "Interval",
    "Protected",
    "Rule",
    "audit",
    "protect",
    "protect_all",
]
