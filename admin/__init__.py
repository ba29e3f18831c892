"""Administration and reports: configure the MPP without editing files, and see how it serves."""

from . import notify as _notify  # noqa: F401  (its routes join the blueprints)
from .views import api, blueprints, bp

__all__ = ["api", "blueprints", "bp"]
