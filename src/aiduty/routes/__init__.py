"""The API's routers. To add endpoints, write a module with an ``APIRouter`` named ``router`` (dependencies
from ``common``: ``get_kb``, ``get_settings``, ``get_tasks``; errors as ``Problem``) and add it to ROUTERS."""

from . import catalogue, check, interview, labels, meta, pages, sparql

ROUTERS = [pages.router, meta.router, check.router, interview.router, labels.router, catalogue.router, sparql.router]

from . import pages_docs  # noqa: E402  Swagger UI at /docs, ReDoc at /redoc (vendored assets)

ROUTERS.append(pages_docs.router)
