"""aiduty: China's AI regulatory duties as RDF and SHACL, and an engine that checks services against them."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .description import DescriptionError, ServiceDescription, load_description
    from .engine import Engine
    from .report import Report

__all__ = ["Engine", "Report", "ServiceDescription", "DescriptionError", "load_description"]
__version__ = "0.2.0"
_EXPORTS = {"Engine": "engine", "Report": "report", "ServiceDescription": "description",
            "DescriptionError": "description", "load_description": "description"}


def __getattr__(name: str):
    # Lazy: `aiduty schema` or `aiduty show` should not pay for importing the engine and pyshacl.
    if name in _EXPORTS:
        from importlib import import_module

        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
