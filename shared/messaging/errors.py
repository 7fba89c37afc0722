"""How a handler says a message can never succeed (anything else is retried)."""


class PermanentFailure(Exception):
    """Retrying cannot help (bad data, a refused request): dead-letter the message now."""
