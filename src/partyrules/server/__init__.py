"""``partyrules serve``: an HTTP API and a workbench page in the browser, in one process.

:mod:`partyrules.server.service` holds what the endpoints do, with no web framework in it (a
:class:`~partyrules.server.service.Workspace` of compiled rulesets, cached by fingerprint);
:mod:`partyrules.server.app` is the Starlette application around it (routes, limits, the token);
:mod:`partyrules.server.openapi` its OpenAPI document; :mod:`partyrules.server.page` the
workbench page, whose script ``static/workbench.js`` ships inside the package (nothing is
fetched from the internet at run time). Starlette and uvicorn come with the ``serve`` extra.
"""
