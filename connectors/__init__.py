"""Typed async clients for third-party providers, with retries, breakers and simulators."""
