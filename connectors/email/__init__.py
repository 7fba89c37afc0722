"""Email through Amazon SES (boto3), gated so only staging and production email real people.

Public API:

- `EmailConfig(from_address, region="us-east-1", endpoint_url=None, stand_in_urls=(...),
  policy=PolicySettings(rate_limit=14/s), ...)`
- `SesEmailSender(config, *, app_env, policy=None)`: `await open()` / `await close()` (or
  `async with`), then `await send(OutgoingEmail(...)) -> SentEmail`.
- `EmailSender`: the Protocol the gateway depends on (fakes implement `send`).
- `EmailGate(app_env, stand_in_urls).check(endpoint_url)`: the environment rule, raises
  `connectors.errors.EmailGateError`.

Templates are product copy and live with the feature that owns them (sign-up's in
`bff/signup/templates/`); this package sends what it is given.
"""

from connectors.email.config import DEFAULT_STAND_IN_URLS, EmailConfig
from connectors.email.errors import PROVIDER
from connectors.email.gate import EmailGate
from connectors.email.models import OutgoingEmail, SentEmail
from connectors.email.sender import EmailSender
from connectors.email.ses import SesEmailSender

__all__ = [
    "DEFAULT_STAND_IN_URLS",
    "PROVIDER",
    "EmailConfig",
    "EmailGate",
    "EmailSender",
    "OutgoingEmail",
    "SentEmail",
    "SesEmailSender",
]
