"""One module per group of pages or endpoints, each exposing a FastAPI ``router``.

:func:`migstat.web.app.create_app` includes every module here that has a ``router``; a new
page group is a new module, with no central list to edit. A module that adds a link to the
portal's navigation also exposes ``NAV = (order, msgid, path)``.
"""
