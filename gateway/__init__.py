"""Integration gateway: provider webhooks, internal API, and the worker and scheduler roles."""
