"""Employer eligibility files: what the bff and the worker share (repository, object URLs)."""
