"""Email (Amazon SES), for sign-up verification: what this feature adds to the gateway.

- worker: `flows.py`, sending a queued `email_messages` row once.

The bff writes the row and `email.requested` (`shared/email/`); nothing here
has a webhook or a job.
"""

from __future__ import annotations

from gateway.email.flows import consumers

__all__ = ["consumers"]
