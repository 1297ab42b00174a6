"""The API's routers. To add endpoints, write a module with an ``APIRouter`` named ``router`` (dependencies
from ``common``: ``get_kb``, ``get_settings``, ``get_tasks``; errors as ``Problem``) and add it to ROUTERS."""

from . import catalogue, check, interview, labels, meta, pages, pages_catalogue, pages_check, pages_docs, pages_labels, sparql

ROUTERS = [pages.router, pages_check.router, pages_labels.router, pages_catalogue.router, pages_docs.router, meta.router,
           check.router, interview.router, labels.router, catalogue.router, sparql.router]
