"""Platform code every Origin process needs: settings, database, messaging, observability, web."""

__version__ = "0.1.0"
