"""`python -m shared.ops`: operator commands (migrations, outbox, dead letters, switches...)."""
