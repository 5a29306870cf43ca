"""What the portal's pages and its JSON API show, computed once and shared by both.

Each module builds the view model of one page or group of pages (plain dataclasses and
dicts), or the file of a download, from a :class:`~migstat.web.deps.Reader`; a route parses the
request and renders the model as HTML, the JSON API returns it as JSON. :mod:`.dims` and
:mod:`.figures` are the explorer's parts, :mod:`.charts` the Vega-Lite specs every page draws.
Nothing here reads the store except through the reader, so a page never shows more than
the request's principal may see. :mod:`.data` caches what is costly to read, keyed by the
store's data version, so a page is quick from its second view on.
"""
