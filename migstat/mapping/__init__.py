"""Classification mappings: national categories mapped to migstat's international code lists.

A country's statistics speak its own classifications: reasons for a move such as
"учёба" or "по семейным обстоятельствам", national permit types, education levels, age
groups. A :class:`~migstat.mapping.model.Mapping` maps each national category of one code
list (``REASON``, ``PERMIT_TYPE``, ``EDU``, ``AGE`` ...) to one or more international codes
with shares (the shares of one national category sum to 1). Mappings are versioned: a change
is a new version, the old one stays, and every import or submission records the versions its
numbers went through.

* :mod:`.model`: the mapping, its checks, and its CSV form (``migstat mapping import/export``);
* :mod:`.apply`: applying mappings to a dataset, so that totals are preserved;
* :mod:`.stored`: the versions in the store.
"""
