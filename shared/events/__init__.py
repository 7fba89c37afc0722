"""The catalogue of events between processes: each type's data model, at each version.

One module per area adds its `EVENT_TYPES`. Producers build envelopes through
`REGISTRY.build(...)`; consumers validate through `REGISTRY.parse(...)`. Every
type has a committed JSON Schema in `contracts/events/` (regenerate with
`python -m contracts.event_schemas`); a contract test fails when they drift.
"""

from shared.events import accounts, appointments, appointments_sync, eligibility, email, sms
from shared.events.accounts import AccountsSyncRequested
from shared.events.email import EmailRequested
from shared.events.sms import SmsRequested, SmsStatusChanged
from shared.messaging.envelope import EventRegistry

REGISTRY = EventRegistry(
    *sms.EVENT_TYPES,
    *accounts.EVENT_TYPES,
    *appointments_sync.EVENT_TYPES,
    *appointments.EVENT_TYPES,
    *eligibility.EVENT_TYPES,
    *email.EVENT_TYPES,
)

__all__ = [
    "REGISTRY",
    "AccountsSyncRequested",
    "EmailRequested",
    "SmsRequested",
    "SmsStatusChanged",
]
