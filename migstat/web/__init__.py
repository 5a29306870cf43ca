"""The web app: the portal, the JSON API it uses and the SDMX REST API, in one ASGI app.

Layout:

* :mod:`migstat.web.app` builds the app (:func:`create_app`), which installs the one
  templating set-up (:func:`~migstat.web.app.install_templating`); ``migstat serve`` runs it.
* :mod:`migstat.web.deps` holds what every route needs: the store, the reader's language and
  the principal. Every read of data goes through :func:`migstat.web.deps.reader`, which binds
  the store's one access gate (:mod:`migstat.store.access`) to the request's principal, so a
  page, a download and an API answer can never see more than the principal may.
* :mod:`migstat.web.routes` has one module per group of pages or endpoints; each exposes a
  FastAPI ``router`` and is found by :func:`create_app` on its own (no central list to edit).
  A route parses the request; :mod:`migstat.web.views` builds the page (and
  :mod:`migstat.web.sdmx` the SDMX API's answers).
* ``templates/`` (Jinja2) and ``static/`` (CSS, and the chart and map libraries served from the
  package, never from an outside host).
"""
