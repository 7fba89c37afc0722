"""Sign-up that proves the email address before a member exists (issue 15, finding 1).

`POST /api/v1/signup` answers the same 202 for every well-formed request and emails
the address: a single-use verification link (24 h) for a new address, or "you already
have an account" for a member's. `POST /api/v1/signup/verify` with the link's token
and the password chosen at sign-up creates the member (with the employer roster's
data when eligible). Nothing about the roster or the address is told before that.
"""

from bff.signup.routes import setup

__all__ = ["setup"]
