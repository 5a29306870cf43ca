"""The SDMX 2.1 REST API's parts: structures from the registry, request parsing, errors.

:mod:`migstat.web.routes.sdmx` holds the endpoints; the modules here make their answers:
:mod:`.data` (data and availability answers), :mod:`.structures` (code lists, the data
providers' list, which artefacts a request asks for, structure answers), :mod:`.cache`
(answers kept for a while),
:mod:`.request` (flow references, keys, periods, parameters and content negotiation) and
:mod:`.errors` (SDMX-ML error messages with SDMX error codes and HTTP statuses).
"""
