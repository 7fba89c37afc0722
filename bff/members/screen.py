"""The member screen in one statement: everything the screen shows, read in one round trip.

The statements only find a member when the user may see them, and a screen is
never sent before its view is in the audit log. The hot path (`GET` of the screen by
session cookie) serves concurrent requests with one statement that
checks each session, renders each screen and audits each view (group commit,
`screens_by_session`); other callers audit through `bff.web.audit.record_view`.
Money leaves Postgres as text so it never passes through a float; the wellness
score is computed here from the stored profile.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bff.web.audit import views_sql
from shared.database import Cursor
from shared.domain.wellness import WellnessAssessment, assess_valid_figures
from shared.group_commit import BatchWrite
from shared.identity.sessions import (
    CLEARED_SESSION_CONDITIONS,
    LIVE_SESSION_CONDITIONS,
    TOUCH_EVERY_SECONDS,
    TOUCH_STALE_LIVE_SESSIONS,
    SessionUser,
)
from shared.prepared_statements import PreparedStatement, bytea_array, constant, text_array

RECENT_MESSAGES = 20
RECENT_NOTES = 50
UPCOMING_APPOINTMENTS = 20
BALANCE_POINTS = 30  # per account, for the balance chart

# Every item here (the member, profile, notes, ...) is built a second time, key for key, by
# the live page's trigger (`member_change()`, migration 0015): a change carries the item as
# the screen shows it. They stay two texts because the trigger's is in an applied migration
# and a shared SQL function would mean re-issuing the whole trigger function in a new one
# and a function call in this hot statement; the integration test
# `test_every_change_carries_its_item_exactly_as_the_screen_shows_it` fails when they drift.
#
# Lists with a LIMIT are sorted once, in their subquery: a plain json_agg over an ordered
# subquery keeps that order (PostgREST relies on the same), and a second ORDER BY inside
# the aggregate would sort again on every view.
_DOCUMENT = """
json_build_object(
    'member', json_build_object(
        'id', m.id, 'full_name', m.full_name, 'email', m.email, 'phone_e164', m.phone_e164,
        'country', m.country, 'sms_opt_in', m.sms_opt_in, 'access_type', m.access_type,
        'status', m.status,
        'employer', CASE WHEN m.employer_id IS NULL THEN NULL
                         ELSE json_build_object('id', m.employer_id, 'name', m.employer_name) END,
        'advisor', CASE WHEN m.advisor_id IS NULL THEN NULL
                        ELSE json_build_object('id', m.advisor_id, 'full_name', m.advisor_name)
                   END),
    'profile', CASE WHEN p.member_id IS NULL THEN NULL ELSE json_build_object(
            'age', p.age, 'dependents', p.dependents,
            'annual_income', p.annual_income::text, 'monthly_costs', p.monthly_costs::text,
            'marital_status', p.marital_status, 'houses', p.houses, 'vehicles', p.vehicles,
            'risk_answers', p.risk_answers) END,
    'risk_profile', (
        SELECT json_build_object(
            'id', r.id, 'computed_at', r.computed_at, 'profile', r.result, 'lines', r.explanation)
          FROM risk_profiles r WHERE r.member_id = m.id
         ORDER BY r.computed_at DESC, r.id LIMIT 1),
    'linked_items', coalesce((
        SELECT json_agg(json_build_object(
            'id', li.id, 'institution_name', li.institution_name, 'status', li.status,
            'sync_status', li.sync_status, 'last_synced_at', li.last_synced_at,
            'accounts', coalesce((
                SELECT json_agg(json_build_object(
                    'id', ac.id, 'name', ac.name, 'mask', ac.mask, 'type', ac.type,
                    'subtype', ac.subtype, 'current_balance', ac.current_balance::text,
                    'available_balance', ac.available_balance::text, 'currency', ac.currency,
                    'history', coalesce((
                        SELECT json_agg(json_build_object(
                            'at', h.recorded_at, 'current_balance', h.current_balance::text,
                            'available_balance', h.available_balance::text)
                            ORDER BY h.recorded_at, h.id)
                          FROM (SELECT * FROM account_balance_history bh
                                 WHERE bh.account_id = ac.id
                                 ORDER BY bh.recorded_at DESC, bh.id DESC
                                 LIMIT %(balances)s) h), '[]'::json))
                    ORDER BY ac.name, ac.id)
                  FROM accounts ac WHERE ac.linked_item_id = li.id), '[]'::json))
            ORDER BY li.created_at, li.id)
          FROM linked_items li WHERE li.member_id = m.id), '[]'::json),
    'appointments', coalesce((
        SELECT json_agg(x) FROM (
            SELECT ap.id, ap.starts_at, ap.ends_at, ap.status, ap.source FROM appointments ap
             WHERE ap.member_id = m.id AND ap.status = 'booked' AND ap.ends_at > now()
             ORDER BY ap.starts_at, ap.id LIMIT %(appointments)s) x), '[]'::json),
    'messages', coalesce((
        SELECT json_agg(x) FROM (
            SELECT s.id, s.body, s.status, s.error_code, s.created_at, s.updated_at
              FROM sms_messages s WHERE s.member_id = m.id
             ORDER BY s.created_at DESC, s.id LIMIT %(messages)s) x), '[]'::json),
    'notes', coalesce((
        SELECT json_agg(json_build_object(
            'id', x.id, 'body', x.body, 'created_at', x.created_at,
            'author', json_build_object('id', x.author_id, 'full_name', x.author_name)))
          FROM (
            SELECT n.id, n.body, n.created_at, n.author_id, u.full_name AS author_name
              FROM member_notes n JOIN users u ON u.id = n.author_id
             WHERE n.member_id = m.id
             ORDER BY n.created_at DESC, n.id LIMIT %(notes)s) x), '[]'::json)
)::text,
    p.annual_income::text,
    p.monthly_costs::text
"""
_MEMBER_COLUMNS = """
    m.id, m.full_name, m.email, m.phone_e164, m.country, m.sms_opt_in, m.access_type, m.status,
    e.id AS employer_id, e.name AS employer_name, a.id AS advisor_id, a.full_name AS advisor_name
"""
_MEMBER_JOINS = """
    LEFT JOIN employers e ON e.id = m.employer_id
    LEFT JOIN users a ON a.id = m.advisor_id
"""
_WITH_PROFILE = "FROM m LEFT JOIN member_profiles p ON p.member_id = m.id"

# The audit rows of the screens CTE `m` renders (one view per row).
AUDIT_VIEWS_OF_M = views_sql(
    actor="viewer_id", member="id", request_id="request_id", source="m", resource="member_screen"
)

_LIMIT_TYPES = {"appointments": "int", "messages": "int", "notes": "int", "balances": "int"}
_LIMITS = {
    "appointments": UPCOMING_APPOINTMENTS,
    "messages": RECENT_MESSAGES,
    "notes": RECENT_NOTES,
    "balances": BALANCE_POINTS,
}

# One member for a user the caller already authenticated (the view is audited by the caller).
_PREPARED_SCREEN = PreparedStatement(
    "bff_member_screen",
    f"""
    WITH m AS (
        SELECT {_MEMBER_COLUMNS} FROM members m {_MEMBER_JOINS}
         WHERE m.id = %(member)s AND (%(admin)s OR m.advisor_id = %(user)s::uuid)
    )
    SELECT {_DOCUMENT} {_WITH_PROFILE}
    """,  # noqa: S608 - constant SQL
    {"member": "uuid", "admin": "boolean", "user": "uuid", **_LIMIT_TYPES},
)

# Many requests at once, each a session cookie and a member: for every live session that may
# see its member, the screen, in request order (`position`), with its audit row written and a
# stale session touched by the same statement. One round trip and one commit serve them all.
_PREPARED_SCREENS_BY_SESSION = PreparedStatement(
    "bff_member_screens_by_session",
    f"""
    WITH request AS (
        SELECT * FROM unnest(%(hashes)s, %(members)s::uuid[], %(request_ids)s)
          WITH ORDINALITY AS r(token_hash, member_id, request_id, position)
    ), live AS (
        SELECT r.position, r.token_hash, r.member_id, r.request_id, u.id AS viewer_id,
               u.role = 'admin' AS is_admin, s.last_seen_at < now() - %(touch)s AS stale
          FROM request r
          JOIN user_sessions s ON s.token_hash = r.token_hash
          JOIN users u ON u.id = s.user_id
         WHERE {LIVE_SESSION_CONDITIONS} AND {CLEARED_SESSION_CONDITIONS}
    ), touched AS ({TOUCH_STALE_LIVE_SESSIONS}), m AS (
        SELECT live.position, live.request_id, live.viewer_id, {_MEMBER_COLUMNS}
          FROM live JOIN members m ON m.id = live.member_id {_MEMBER_JOINS}
         WHERE live.is_admin OR m.advisor_id = live.viewer_id
    ), audit AS ({AUDIT_VIEWS_OF_M})
    SELECT m.position, {_DOCUMENT} {_WITH_PROFILE}
    """,  # noqa: S608 - constant SQL
    {
        "hashes": "bytea[]",
        "members": "text[]",
        "request_ids": "text[]",
        "idle": "interval",
        "absolute": "interval",
        "touch": "interval",
        "mfa_required": "boolean",
        **_LIMIT_TYPES,
    },
)


def wellness_of(annual_income: str | None, monthly_costs: str | None) -> WellnessAssessment | None:
    """The wellness score when the profile has both figures above zero, else None."""
    if annual_income is None or monthly_costs is None:
        return None
    income, costs = Decimal(annual_income), Decimal(monthly_costs)
    if income <= 0 or costs <= 0:
        return None
    # numeric(14, 2) columns, above zero: what `WellnessInput` accepts.
    return assess_valid_figures(income, costs)


@functools.lru_cache(maxsize=4096)
def _wellness_json(annual_income: str | None, monthly_costs: str | None) -> str:
    """The score as JSON; a pure function of the two figures, so kept for repeated profiles."""
    wellness = wellness_of(annual_income, monthly_costs)
    return wellness.model_dump_json() if wellness is not None else "null"


@dataclass(frozen=True)
class ScreenRequest:
    """One request for a member's screen by session cookie (see `screens_by_session`)."""

    token_hash: bytes
    member_id: str  # a UUID's text form
    request_id: str


async def load_screen_json(cur: Cursor, member_id: uuid.UUID, user: SessionUser) -> bytes | None:
    """The `MemberScreen` document of a member the user may see, or None.

    Postgres renders the JSON; only the wellness score is computed here and spliced in,
    so the hot path never parses and re-serialises the whole screen.
    """
    await _PREPARED_SCREEN.execute(
        cur,
        {"member": str(member_id), "admin": user.is_admin, "user": str(user.id), **_LIMITS},
    )
    row = await cur.fetchone()
    return None if row is None else _screen(*row)


def screens_by_session(
    *, idle: timedelta, absolute: timedelta, mfa_required: bool
) -> BatchWrite[ScreenRequest, bytes | None]:
    """The group-commit write of the member page's hot path: many requests, one statement.

    Each request gets its screen, or None when its session is not live, still owes a
    password change or MFA (`mfa_required`: for every user, not only admins), or may not
    see the member (the caller then answers 401, 403 or 404 the usual way). Every
    screen's view is in the audit log when the statement commits.
    """

    # The same for every batch: quoted once (psycopg2 adapting them was a fifth of sending).
    constants = {
        name: constant(value)
        for name, value in {
            "idle": idle,
            "absolute": absolute,
            "touch": timedelta(seconds=TOUCH_EVERY_SECONDS),
            "mfa_required": mfa_required,
            **_LIMITS,
        }.items()
    }

    async def write(cur: Cursor, requests: Sequence[ScreenRequest]) -> list[bytes | None]:
        await _PREPARED_SCREENS_BY_SESSION.execute(
            cur,
            {
                "hashes": bytea_array(request.token_hash for request in requests),
                "members": text_array(request.member_id for request in requests),
                "request_ids": text_array(request.request_id for request in requests),
                **constants,
            },
        )
        found = {position: _screen(*row) for position, *row in await cur.fetchall()}
        return [found.get(position) for position in range(1, len(requests) + 1)]

    return write


def _screen(screen: str, annual_income: str | None, monthly_costs: str | None) -> bytes:
    """The screen JSON with the wellness score spliced in, from a screen statement's row."""
    wellness_json = _wellness_json(annual_income, monthly_costs)
    return f'{screen.rstrip().removesuffix("}")}, "wellness": {wellness_json}}}'.encode()
