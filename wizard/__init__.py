"""dockwright's core: plan, detection, generators, checks and services. No UI in here."""

__version__ = "0.1.0"
