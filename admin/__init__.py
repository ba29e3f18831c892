"""Administration and reports: configure the MPP without editing files, and see how it serves."""

from .views import bp

__all__ = ["bp"]
