"""The member screen in one statement: everything the screen shows, read in one round trip.

The statement only finds the member when the user may see them. Its caller audits
the view before sending the screen (`bff.audit.record_view`). Money leaves Postgres
as text so it never passes through a float; the wellness score is computed here
from the stored profile.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bff.prepared import PreparedStatement
from shared.database import Cursor
from shared.domain.wellness import WellnessAssessment, WellnessInput, assess_wellness
from shared.identity.sessions import LIVE_SESSION_CTE, LIVE_SESSION_TYPES, SessionUser

RECENT_MESSAGES = 20
RECENT_NOTES = 50
UPCOMING_APPOINTMENTS = 20

# Lists with a LIMIT are sorted once, in their subquery: a plain json_agg over an ordered
# subquery keeps that order (PostgREST relies on the same), and a second ORDER BY inside
# the aggregate would sort again on every view.
#
# The screen statement names its viewer through markers: where the viewer comes from
# (nothing, or the session CTEs), whether they are an admin, and their user id.
_SESSION = "/*session*/"
_IS_ADMIN = "/*is_admin*/"
_VIEWER = "/*viewer*/"
_STALE = "/*stale*/"  # whether the viewer's session is due a touch

_SCREEN = """
WITH /*session*/ m AS (
    SELECT m.id, m.full_name, m.email, m.phone_e164, m.country, m.sms_opt_in, m.access_type,
           m.status, e.id AS employer_id, e.name AS employer_name,
           a.id AS advisor_id, a.full_name AS advisor_name
      FROM members m
      LEFT JOIN employers e ON e.id = m.employer_id
      LEFT JOIN users a ON a.id = m.advisor_id
     WHERE m.id = %(member)s AND (/*is_admin*/ OR m.advisor_id = /*viewer*/)
)
SELECT json_build_object(
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
                    'available_balance', ac.available_balance::text, 'currency', ac.currency)
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
    p.monthly_costs::text,
    /*viewer*/,
    /*stale*/
FROM m LEFT JOIN member_profiles p ON p.member_id = m.id
"""


_SCREEN_PARAMS = {
    "member": "uuid",
    "appointments": "int",
    "messages": "int",
    "notes": "int",
}
_LIMITS = {
    "appointments": UPCOMING_APPOINTMENTS,
    "messages": RECENT_MESSAGES,
    "notes": RECENT_NOTES,
}

# The viewer is a user the caller already authenticated.
_PREPARED_SCREEN = PreparedStatement(
    "bff_member_screen",
    _SCREEN.replace(_SESSION, "")
    .replace(_IS_ADMIN, "%(admin)s")
    .replace(_VIEWER, "%(user)s::uuid")
    .replace(_STALE, "false"),
    {**_SCREEN_PARAMS, "admin": "boolean", "user": "uuid"},
)

# The viewer is the live session of a cookie: authentication, visibility, the screen and
# its audit row in one round trip (the hot path of the advisor's polling member page).
_PREPARED_SESSION_SCREEN = PreparedStatement(
    "bff_member_screen_by_session",
    _SCREEN.replace(_SESSION, LIVE_SESSION_CTE + ",")
    .replace(_IS_ADMIN, "(SELECT role = 'admin' FROM live)")
    .replace(_VIEWER, "(SELECT id FROM live)")
    .replace(_STALE, "(SELECT stale FROM live)"),
    {**_SCREEN_PARAMS, **LIVE_SESSION_TYPES},
)


def wellness_of(annual_income: str | None, monthly_costs: str | None) -> WellnessAssessment | None:
    """The wellness score when the profile has both figures above zero, else None."""
    if annual_income is None or monthly_costs is None:
        return None
    income, costs = Decimal(annual_income), Decimal(monthly_costs)
    if income <= 0 or costs <= 0:
        return None
    return assess_wellness(WellnessInput(annual_income=income, monthly_costs=costs))


@functools.lru_cache(maxsize=4096)
def _wellness_json(annual_income: str | None, monthly_costs: str | None) -> str:
    """The score as JSON; a pure function of the two figures, so kept for repeated profiles."""
    wellness = wellness_of(annual_income, monthly_costs)
    return wellness.model_dump_json() if wellness is not None else "null"


@dataclass(frozen=True)
class Screen:
    """A rendered member screen and who it was read for (to audit the view)."""

    document: bytes
    viewer_id: uuid.UUID
    session_stale: bool  # read by session: that session is due `touch_session`


async def load_screen_json(cur: Cursor, member_id: uuid.UUID, user: SessionUser) -> Screen | None:
    """The `MemberScreen` document of a member the user may see, or None.

    Postgres renders the JSON; only the wellness score is computed here and spliced in,
    so the hot path never parses and re-serialises the whole screen.
    """
    await _PREPARED_SCREEN.execute(
        cur,
        {"member": str(member_id), "admin": user.is_admin, "user": str(user.id), **_LIMITS},
    )
    return _screen(await cur.fetchone())


async def load_screen_json_by_session(
    cur: Cursor, member_id: uuid.UUID, session: Mapping[str, Any]
) -> Screen | None:
    """The screen when `session` (`live_session_params`) is live and may see the member.

    None covers every other case (no live session, a member not theirs or missing);
    the caller then authenticates the usual way to answer 401 or 404. The statement
    only reads: the caller touches the session when the screen says it is stale.
    """
    await _PREPARED_SESSION_SCREEN.execute(cur, {"member": str(member_id), **_LIMITS, **session})
    return _screen(await cur.fetchone())


def _screen(row: tuple[Any, ...] | None) -> Screen | None:
    """The screen JSON with the wellness score spliced in, from a screen statement's row."""
    if row is None:
        return None
    screen, annual_income, monthly_costs, viewer_id, session_stale = row
    wellness_json = _wellness_json(annual_income, monthly_costs)
    document = f'{screen.rstrip().removesuffix("}")}, "wellness": {wellness_json}}}'
    return Screen(document.encode(), uuid.UUID(str(viewer_id)), bool(session_stale))
