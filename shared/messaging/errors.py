"""How a handler says a message can never succeed, or must wait (anything else is retried)."""


class PermanentFailure(Exception):
    """Retrying cannot help (bad data, a refused request): dead-letter the message now."""


class Deferred(Exception):
    """Not now, and not a failure: try again after `retry_after` seconds, attempts not counted.

    For work held back by our own outbound rate limit: a backlog waits its turn without
    using up its retries and ending in the dead-letter queue.
    """

    def __init__(self, retry_after: float, reason: str = "deferred") -> None:
        super().__init__(reason)
        self.retry_after = retry_after
