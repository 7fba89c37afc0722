"""A stand-in for the SMS, aggregation and bookings providers, for local runs and tests.

`python -m connectors.simulator` (port 8090, `PORT` overrides; other settings
are `SIMULATOR_*`, see `config.py`) serves a subset of the Twilio, Plaid and
Calendly APIs with deterministic seeded data, calls the gateway back with
correctly signed webhooks, and takes fault injection at run time.

Admin endpoints (never faulted):

- `GET|POST|DELETE /_admin/faults`: read, replace (`{"rules": [FaultRule...], "seed": n}`)
  or clear the fault rules (see `faults.py`);
- `GET /_admin/sms[?to=]`: every SMS it was asked to send;
- `GET /_admin/webhooks[?provider=]`: every webhook it tried to deliver, with the status;
- `POST /_admin/calendly/invitees`: send a signed `invitee.created` / `invitee.canceled`;
- `POST /_admin/plaid/rotate_key`, `POST /_admin/plaid/items/{item_id}/mutation_during_pagination`.

The signatures are computed here independently of the connectors' verifiers,
so a test that verifies one with the other checks both against the providers'
documented schemes.
"""

from connectors.simulator.app import create_app
from connectors.simulator.config import SimulatorConfig

__all__ = ["SimulatorConfig", "create_app"]
