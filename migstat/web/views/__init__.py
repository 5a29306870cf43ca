"""What the portal's pages and its JSON API show, computed once and shared by both.

Each module builds the view model of one page (plain dataclasses and dicts) from a
:class:`~migstat.web.deps.Reader`; a route renders it as HTML, the JSON API returns it as
JSON. Nothing here reads the store except through the reader, so a page never shows more than
the request's principal may see. :mod:`.data` caches what is costly to read, keyed by the
store's data version, so a page is quick from its second view on.
"""
