"""aiduty: China's AI regulatory duties as RDF and SHACL, and an engine that checks services against them."""

from .description import DescriptionError, ServiceDescription, load_description
from .engine import Engine
from .report import Report

__all__ = ["Engine", "Report", "ServiceDescription", "DescriptionError", "load_description"]
__version__ = "0.1.0"
