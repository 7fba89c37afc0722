"""How the bff declares its endpoints: one `Endpoint` per route, with access rules and models.

Every route goes through `add_endpoints`, which wraps the handler with the access
checks (session, CSRF on unsafe methods, admin role) and records the endpoint so
the OpenAPI generator (`contracts/openapi_bff.py`) and the access-matrix test can
walk them all. Handlers read input through `read_body` / `read_query` (pydantic,
so bad input answers 422 naming the field) and answer with `json_model`.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from bff.web.cross_site import cross_site_reason
from bff.web.keys import CURRENT_USER
from bff.web.session_auth import CSRF_HEADER, authenticate
from shared.identity.passwords import HashingBusy
from shared.identity.sessions import Owed, SessionUser
from shared.storable_text import is_storable
from shared.web.client_limits import read_body_bytes
from shared.web.keys import SETTINGS
from shared.web.problems import problem_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A handler that authenticates inside its own statement; None sends the request the usual way.
FastPath = Callable[[web.Request], Awaitable[web.StreamResponse | None]]
M = TypeVar("M", bound=BaseModel)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON_CONTENT_TYPE = "application/json"


class Access(StrEnum):
    """Who may call an endpoint."""

    PUBLIC = "public"  # no session (sign-in, sign-up)
    # Any live session, even one that still owes a password change or MFA enrollment:
    # only what settles those (`/me`, sign-out, the password change, MFA enrollment).
    SESSION = "session"
    USER = "user"  # any signed-in advisor or admin that owes nothing
    ADMIN = "admin"  # admins only


# Problem types (RFC 9457 `type`) the console acts on.
PROBLEM_TYPES = "https://origin.example/problems/"
PASSWORD_CHANGE_REQUIRED = PROBLEM_TYPES + "password-change-required"
MFA_ENROLLMENT_REQUIRED = PROBLEM_TYPES + "mfa-enrollment-required"
MFA_REQUIRED = PROBLEM_TYPES + "mfa-required"
MFA_CHALLENGE_EXPIRED = PROBLEM_TYPES + "mfa-challenge-expired"


@dataclass(frozen=True)
class Endpoint:
    """One route: what it takes, what it answers, and who may call it.

    `member_scoped` routes take a `{member_id}`; an advisor asking for a member who
    is not theirs gets 404, exactly as for an id that does not exist.

    `fast_path` (GET, signed-in users only) answers in one round trip when the session
    is live and the answer is found; whenever it answers None the request takes the
    usual checks and handler, so every refusal is exactly the usual one.
    """

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    access: Access = Access.USER
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: Mapping[int, type[BaseModel] | None] = field(default_factory=dict)
    rate_limited: bool = False
    fast_path: FastPath | None = None
    media_type: str = "application/json"  # of the 2xx bodies (`text/event-stream` for streams)

    @property
    def member_scoped(self) -> bool:
        """True when the path names a member."""
        return "{member_id}" in self.path


# Every endpoint the app registered, in order (for the OpenAPI document and the access-matrix test).
ENDPOINTS: web.AppKey[list[Endpoint]] = web.AppKey("endpoints")


class ApiProblem(Exception):
    """Raised anywhere under a handler to answer with a problem+json response."""

    def __init__(
        self,
        status: int,
        title: str,
        *,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extensions = extensions

    def response(self) -> web.Response:
        """The problem as a response."""
        return problem_response(
            self.status, self.title, detail=self.detail, headers=self.headers, **self.extensions
        )


def too_many_requests(detail: str, *, retry_after: int, **extensions: Any) -> ApiProblem:
    """429 with the seconds to wait in `Retry-After` (at least 1)."""
    return ApiProblem(
        429,
        "Too Many Requests",
        detail=detail,
        headers={"Retry-After": str(max(1, retry_after))},
        **extensions,
    )


def sign_in_busy() -> ApiProblem:
    """503 when too many passwords wait to be hashed: the caller tries again in a second."""
    return ApiProblem(
        503,
        "Service Unavailable",
        detail="Too many sign-ins at once. Try again in a moment.",
        headers={"Retry-After": str(HashingBusy.retry_after)},
    )


def not_found() -> ApiProblem:
    """The one answer for a missing resource and for one the caller may not see."""
    return ApiProblem(404, "Not Found", detail="No such resource.")


def invalid_password(field: str, message: str) -> ApiProblem:
    """422 naming the password field and what is wrong with it."""
    return ApiProblem(
        422,
        "Invalid request",
        detail=f"Invalid fields: {field}",
        errors=[{"field": field, "message": message, "type": "password"}],
    )


def refuse_owed(user: SessionUser, *, mfa_required_for_everyone: bool, access: Access) -> None:
    """Raise the problem of what the session still owes before this endpoint's data."""
    owed = user.owes(mfa_required_for_everyone=mfa_required_for_everyone)
    if Owed.MFA_SIGN_IN in owed:
        raise ApiProblem(
            401, "Unauthorized", type=MFA_REQUIRED, detail="Sign in again with your second factor."
        )
    if access is Access.SESSION or not owed:
        return
    if owed[0] is Owed.PASSWORD_CHANGE:
        raise ApiProblem(
            403,
            "Password change required",
            type=PASSWORD_CHANGE_REQUIRED,
            detail="Choose a new password before anything else (POST /api/v1/auth/password).",
        )
    raise ApiProblem(
        403,
        "MFA enrollment required",
        type=MFA_ENROLLMENT_REQUIRED,
        detail="Set up multi-factor sign-in first (POST /api/v1/auth/mfa/enrollment).",
    )


def _guarded(endpoint: Endpoint) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        try:
            if endpoint.fast_path is not None:
                response = await endpoint.fast_path(request)
                if response is not None:
                    return response
            if endpoint.access is Access.PUBLIC and request.method not in SAFE_METHODS:
                reason = cross_site_reason(request)
                if reason is not None:
                    raise ApiProblem(
                        403, "Forbidden", detail=f"Cross-site request refused: {reason}."
                    )
            if endpoint.access is not Access.PUBLIC:
                user = await authenticate(request)
                if user is None:
                    raise ApiProblem(401, "Unauthorized", detail="Sign in first.")
                if request.method not in SAFE_METHODS and not hmac.compare_digest(
                    request.headers.get(CSRF_HEADER, "").encode(), user.csrf_token.encode()
                ):
                    raise ApiProblem(
                        403, "Forbidden", detail=f"Missing or wrong {CSRF_HEADER} header."
                    )
                refuse_owed(
                    user,
                    mfa_required_for_everyone=request.app[SETTINGS].mfa_required_for_everyone,
                    access=endpoint.access,
                )
                if endpoint.access is Access.ADMIN and not user.is_admin:
                    raise ApiProblem(403, "Forbidden", detail="Admins only.")
                request[CURRENT_USER] = user
            return await endpoint.handler(request)
        except ApiProblem as problem:
            return problem.response()
        except HashingBusy:
            return sign_in_busy().response()

    return handle


_PARAMETER = re.compile(r"^{(\w+)}$")


def routed_path(path: str, paths: list[str]) -> str:
    """`path` as registered: a `{name}` segment does not match a literal sibling of `paths`.

    aiohttp tries every resource whose pattern matches, so without this
    `.../{file_id}` (GET) would also match `.../upload-url` (POST only): a GET there
    would reach the wrong handler and a 405 would advertise that GET in `Allow`.
    """
    segments = path.split("/")
    routed = []
    for index, segment in enumerate(segments):
        match = _PARAMETER.match(segment)
        if match is None:
            routed.append(segment)
            continue
        literals = sorted(
            {
                other[index]
                for other in (candidate.split("/") for candidate in paths)
                if len(other) > index
                and other[:index] == segments[:index]
                and not other[index].startswith("{")
            }
        )
        if not literals:
            routed.append(segment)
            continue
        excluded = "|".join(re.escape(literal) for literal in literals)
        routed.append(f"{{{match.group(1)}:(?!(?:{excluded})$)[^/]+}}")
    return "/".join(routed)


def add_endpoints(app: web.Application, endpoints: list[Endpoint]) -> None:
    """Register routes with their access checks, and remember them for docs and tests."""
    app.setdefault(ENDPOINTS, [])
    paths = [endpoint.path for endpoint in (*app[ENDPOINTS], *endpoints)]
    for endpoint in endpoints:
        if endpoint.fast_path is not None and (
            endpoint.method != "GET" or endpoint.access is not Access.USER
        ):
            raise ValueError(f"{endpoint.path}: a fast path is for GET routes of signed-in users")
        route = routed_path(endpoint.path, paths)
        app.router.add_route(endpoint.method, route, _guarded(endpoint))
        app[ENDPOINTS].append(endpoint)


async def read_body(request: web.Request, model: type[M]) -> M:
    """The JSON body validated as `model`.

    415 when a body is sent without `Content-Type: application/json` (a cross-site
    form can only send form or text types), 400 when it is not JSON or is nested
    past Python's recursion limit, 422 naming bad fields.
    """
    raw = await read_body_bytes(request)
    if raw and request.content_type != JSON_CONTENT_TYPE:
        raise ApiProblem(
            415,
            "Unsupported Media Type",
            detail=f"Send the body as {JSON_CONTENT_TYPE}.",
        )
    try:
        data = json.loads(raw) if raw else None
        _refuse_unstorable_text(data)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "Bad Request", detail="The request body is not valid JSON.") from None
    except RecursionError:
        raise ApiProblem(
            400, "Bad Request", detail="The request body is nested too deeply."
        ) from None
    return model.model_validate(data)


def _refuse_unstorable_text(value: object, where: str = "body") -> None:
    """422 for text Postgres cannot store (NUL characters, lone surrogates)."""
    if isinstance(value, str):
        if is_storable(value):
            return
        raise ApiProblem(
            422,
            "Invalid request",
            detail=f"Invalid fields: {where}",
            errors=[{"field": where, "message": "contains characters that cannot be stored"}],
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable_text(key, where)
            _refuse_unstorable_text(item, f"{where}.{key}" if where != "body" else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable_text(item, f"{where}.{index}")


def read_query(request: web.Request, model: type[M]) -> M:
    """The query string validated as `model` (422 naming bad parameters)."""
    query = dict(request.query)
    for name, value in query.items():
        _refuse_unstorable_text(value, name)
    return model.model_validate(query)


def path_uuid(request: web.Request, name: str) -> uuid.UUID:
    """A UUID path segment; anything else is simply not found."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise not_found() from None


def json_model(model: BaseModel, *, status: int = 200) -> web.Response:
    """Serialise a response model (Decimals as strings, times as ISO 8601)."""
    return web.Response(
        status=status, body=model.model_dump_json().encode(), content_type="application/json"
    )
