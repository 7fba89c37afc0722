"""SMS through a Twilio-shaped provider, gated so only staging and production reach members.

Public API:

- `SmsConfig(account_sid, auth_token: SecretStr, from_number | messaging_service_sid,
  base_url="https://api.twilio.com", status_callback_url=None, simulator_urls=(...),
  http=HttpSettings(), policy=PolicySettings())`
- `TwilioSmsClient(http: httpx.AsyncClient, config, *, app_env: AppEnv, policy=None)`
  with `await send(to, body, *, status_callback_url=None, progress=None) -> SentMessage` and
  `await list_messages(to=, sent_on_or_after=) -> list[ListedMessage]` (every page);
  `open_sms_client(config, *, app_env, transport=None)` builds one with its own
  HTTP client and closes it on exit.
- `SmsSender`, `SmsLedger`: the Protocols the gateway depends on (fakes implement them).
- `SmsGate(app_env, simulator_urls).check(url)`: the environment rule, raises `SmsGateError`.
- `TwilioSignatureValidator(auth_token).verify(url, params, signature)` and
  `compute_twilio_signature(auth_token, url, params)` for `X-Twilio-Signature`
  (`SIGNATURE_HEADER`).
- Models: `SentMessage`, `ListedMessage`, `MessageStatus`, `StatusCallback.from_form(params)`.
"""

from connectors.sms.client import PROVIDER, TwilioSmsClient, open_sms_client
from connectors.sms.config import DEFAULT_SIMULATOR_URLS, SmsConfig
from connectors.sms.gate import SmsGate
from connectors.sms.models import ListedMessage, MessageStatus, SentMessage, StatusCallback
from connectors.sms.sender import SmsLedger, SmsSender
from connectors.sms.signature import (
    SIGNATURE_HEADER,
    TwilioSignatureValidator,
    compute_twilio_signature,
)

__all__ = [
    "DEFAULT_SIMULATOR_URLS",
    "PROVIDER",
    "SIGNATURE_HEADER",
    "ListedMessage",
    "MessageStatus",
    "SentMessage",
    "SmsConfig",
    "SmsGate",
    "SmsLedger",
    "SmsSender",
    "StatusCallback",
    "TwilioSignatureValidator",
    "TwilioSmsClient",
    "compute_twilio_signature",
    "open_sms_client",
]
