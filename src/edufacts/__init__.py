"""edufacts: checked, source-grounded facts from Chinese education reports."""

from .errors import EdufactsError

__version__ = "0.1.0"

__all__ = ["EdufactsError", "__version__"]
