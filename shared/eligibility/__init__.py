"""Employer eligibility files: what the bff and the worker share (the files repository)."""
