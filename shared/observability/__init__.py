"""Logs, error reporting and APM: JSON to stdout, Sentry and New Relic when configured."""
