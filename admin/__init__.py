"""Administration and reports: configure the MPP without editing files, and see how it serves."""

from . import notify as _notify  # noqa: F401  (its routes join the blueprint)
from .views import bp

__all__ = ["bp"]
