"""The bff's change feed: one LISTEN connection per process, fanned out to every open stream.

Writers never talk to the bff: triggers append `member_changes` rows in their own
transactions (migration 0014) and notify `member_changes` on commit. The feed wakes
on that notification, reads the new rows once on its own connection and hands each
row's ready-made SSE frame to the streams open on that member, in memory. While
nothing changes it runs no statement but a safety read every `SAFETY_READ_SECONDS`
(which also proves the connection alive) and one session sweep per `SWEEP_SECONDS`
for all streams together.

Ids are delivered in order and never skipped while a transaction could still commit
one: a sequence hands out ids before commit, so a gap in what the feed reads means
either a rolled-back writer or one still running. The feed then notes which
transactions hold the writers' shared advisory lock (`pg_locks`), and waits until
they have ended before giving up on the missing ids. That makes the feed's `cursor`
a position below which the database will never show a new change: a stream that
resumes from `Last-Event-ID` replays `(last, cursor]` from the table and takes live
changes above it, with nothing lost across reconnects or replicas.

`NOTIFY eligibility_files` carries a file id; watchers of that file are woken and
read its row themselves (admins only, a handful of streams).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

import aiopg
import psycopg2
from aiohttp import web
from psycopg2.extensions import Notify

from bff.members.screen import wellness_of
from bff.web.sse import sse_frame
from shared.database import Pool, connection_cursor
from shared.identity.sessions import LIVE_SESSION_CONDITIONS
from shared.tasks import cancel_and_wait
from shared.web.keys import POOL, SETTINGS

log = logging.getLogger(__name__)

CHANNEL = "member_changes"
FILE_CHANNEL = "eligibility_files"
# The shared advisory lock every writer of member changes holds (migration 0014).
WRITER_LOCK = (20140, 1)
READ_BATCH = 500
SAFETY_READ_SECONDS = 30.0
GAP_CHECK_SECONDS = 0.05
SWEEP_SECONDS = 60.0
# A stream this far behind (a client that stopped reading) is closed; it resumes by reconnecting.
MAX_PENDING = 1_000

_READ = (
    "SELECT id, member_id, kind, data::text FROM member_changes WHERE id > %s ORDER BY id LIMIT %s"
)
_HOLDERS = (
    "SELECT coalesce(array_agg(DISTINCT virtualtransaction), '{}') FROM pg_locks"
    " WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND objsubid = 2"
)
_STILL_RUNNING = "SELECT count(*) FROM pg_locks WHERE virtualtransaction = ANY(%s)"
# Of the streams' (session, member) pairs, those whose session is live and may still see
# the member (params `hashes`, `members`, `idle`, `absolute`).
_STILL_ALLOWED = f"""
    SELECT r.position FROM unnest(%(hashes)s::bytea[], %(members)s::uuid[])
      WITH ORDINALITY AS r(token_hash, member_id, position)
      JOIN user_sessions s ON s.token_hash = r.token_hash
      JOIN users u ON u.id = s.user_id
      JOIN members m ON m.id = r.member_id
     WHERE {LIVE_SESSION_CONDITIONS} AND (u.role = 'admin' OR m.advisor_id = u.id)
"""  # noqa: S608 - constant SQL


class EndReason:
    """Why the server ended a stream (sent as the `end` event's `reason`)."""

    SHUTDOWN = "shutdown"  # this replica stops: reconnect (the load balancer picks another)
    SESSION = "session"  # the session ended or the member is no longer visible: do not retry
    ACCESS = "access"  # the member was assigned to another advisor
    BEHIND = "behind"  # the stream fell too far behind: reconnect to resume


@dataclass(frozen=True)
class Change:
    """One committed change of a member, with the SSE frame every stream sends for it."""

    id: int
    member_id: uuid.UUID
    kind: str
    frame: bytes
    advisor_id: uuid.UUID | None = None  # for `member` changes: who may see the member now


def change_from_row(change_id: int, member_id: uuid.UUID, kind: str, data: str) -> Change:
    """A change as streams send it: `{"kind": K, K: item}`, plus wellness for a profile."""
    advisor_id = None
    extra = ""
    if kind == "profile":
        profile = json.loads(data)
        wellness = wellness_of(profile.get("annual_income"), profile.get("monthly_costs"))
        extra = ', "wellness": ' + (wellness.model_dump_json() if wellness else "null")
    elif kind == "member":
        advisor = json.loads(data).get("advisor")
        advisor_id = uuid.UUID(advisor["id"]) if advisor else None
    body = f'{{"kind": "{kind}", "{kind}": {data}{extra}}}'.encode()
    return Change(
        change_id, member_id, kind, sse_frame("change", body, change_id), advisor_id=advisor_id
    )


@dataclass(eq=False)
class Subscription:
    """One open member stream: the frames waiting to be written, and why it must end."""

    member_id: uuid.UUID
    viewer_id: uuid.UUID
    viewer_is_admin: bool
    token_hash: bytes
    start: int  # the feed's cursor when it opened: live changes above it arrive here
    skip_through: int = 0  # changes at or below this id were already sent (a resume)
    pending: collections.deque[bytes] = field(default_factory=collections.deque)
    ended: str | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, change: Change) -> None:
        """Queue a change (a no-op for ids the client already has)."""
        if self.ended is not None or change.id <= self.skip_through:
            return
        if change.kind == "member" and not self.viewer_is_admin:
            if change.advisor_id != self.viewer_id:
                self.end(EndReason.ACCESS)
                return
        if len(self.pending) >= MAX_PENDING:
            self.end(EndReason.BEHIND)
            return
        self.pending.append(change.frame)
        self._wake.set()

    def end(self, reason: str) -> None:
        """Ask the stream to close with `reason` (its writer loop sends the `end` event)."""
        if self.ended is None:
            self.ended = reason
            self._wake.set()

    async def wait(self, timeout: float) -> list[bytes]:
        """The frames queued so far, waiting up to `timeout` seconds for the first."""
        if not self.pending and self.ended is None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
        self._wake.clear()
        frames = list(self.pending)
        self.pending.clear()
        return frames


@dataclass(eq=False)
class FileWatch:
    """An open eligibility-file stream: woken when the file's row changes."""

    file_id: uuid.UUID
    ended: str | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def poke(self) -> None:
        self._wake.set()

    def end(self, reason: str) -> None:
        self.ended = reason
        self._wake.set()

    async def wait(self, timeout: float) -> bool:
        """True when the file changed (or the watch ended) within `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        woken = self._wake.is_set()
        self._wake.clear()
        return woken


@dataclass
class _Gap:
    through: int  # every id up to here was handed out before `holders` were read
    holders: list[str]


class FeedUnavailable(Exception):
    """The feed has not caught up with the database yet (it is down or starting)."""


class ChangeFeed:
    """Reads committed member changes in order and fans them out to subscriptions."""

    def __init__(
        self,
        dsn: str,
        pool: Pool,
        *,
        idle: timedelta,
        absolute: timedelta,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self._dsn = dsn
        self._pool = pool
        self._idle = idle
        self._absolute = absolute
        self._sweep_seconds = sweep_seconds
        self._members: dict[uuid.UUID, set[Subscription]] = {}
        self._files: dict[uuid.UUID, set[FileWatch]] = {}
        self._conn: aiopg.Connection | None = None
        self._cursor: int | None = None
        self._skip_through = 0
        self._gap: _Gap | None = None
        self._ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.delivered_total = 0

    @property
    def cursor(self) -> int:
        """Every change at or below this id is committed or never will be."""
        if self._cursor is None:
            raise FeedUnavailable
        return self._cursor

    @property
    def streams(self) -> int:
        """Open member streams."""
        return sum(len(subs) for subs in self._members.values())

    def start(self) -> None:
        """Listen and sweep in the background until `stop()`."""
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen_forever(), name="change-feed"),
            loop.create_task(self._sweep_forever(), name="change-feed-sweep"),
        ]

    async def stop(self) -> None:
        """End every stream (clients reconnect elsewhere), then stop listening."""
        self.end_all(EndReason.SHUTDOWN)
        for task in self._tasks:
            await cancel_and_wait(task)
        if self._conn is not None:
            await self._conn.close()

    def end_all(self, reason: str) -> None:
        """Close every open stream (graceful shutdown)."""
        for subs in self._members.values():
            for sub in subs:
                sub.end(reason)
        for watches in self._files.values():
            for watch in watches:
                watch.end(reason)

    async def wait_ready(self, timeout: float) -> None:
        """Return once the feed follows the database; `FeedUnavailable` after `timeout`."""
        if self._ready.is_set():
            return
        try:
            async with asyncio.timeout(timeout):
                await self._ready.wait()
        except TimeoutError:
            raise FeedUnavailable from None

    def subscribe(
        self, member_id: uuid.UUID, *, viewer_id: uuid.UUID, is_admin: bool, token_hash: bytes
    ) -> Subscription:
        """Receive the member's changes above the current cursor (`Subscription.start`)."""
        sub = Subscription(member_id, viewer_id, is_admin, token_hash, start=self.cursor)
        sub.skip_through = sub.start
        self._members.setdefault(member_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._members.get(sub.member_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._members[sub.member_id]

    @contextlib.asynccontextmanager
    async def watch_file(self, file_id: uuid.UUID) -> AsyncIterator[FileWatch]:
        """Be woken whenever the file's row changes, for as long as the block runs."""
        watch = FileWatch(file_id)
        self._files.setdefault(file_id, set()).add(watch)
        try:
            yield watch
        finally:
            watches = self._files.get(file_id)
            if watches is not None:
                watches.discard(watch)
                if not watches:
                    del self._files[file_id]

    # ---- listening -------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        failures = 0
        while True:
            try:
                conn = await self._connect()
                failures = 0
                await self._follow(conn)
            except (psycopg2.Error, OSError, TimeoutError) as exc:
                failures += 1
                self._ready.clear()
                log.warning(
                    "change feed lost the database, reconnecting",
                    extra={"error_type": type(exc).__name__, "attempt": failures},
                )
                await self._drop_connection()
                await asyncio.sleep(random.uniform(0, min(5.0, 0.1 * 2**failures)))  # noqa: S311

    async def _connect(self) -> aiopg.Connection:
        conn = await aiopg.connect(self._dsn, timeout=5.0, application_name="origin-bff-feed")
        self._conn = conn
        async with conn.cursor() as cur:
            await cur.execute(f"LISTEN {CHANNEL}; LISTEN {FILE_CHANNEL}")
            if self._cursor is None:
                # Start at the newest change, once every writer that could still commit a
                # lower id has ended: from then on the cursor is final.
                await cur.execute("SELECT coalesce(max(id), 0) FROM member_changes")
                (newest,) = await cur.fetchone()
                await self._wait_for_writers(cur)
                self._cursor = self._skip_through = int(newest)
        self._ready.set()
        return conn

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _wait_for_writers(self, cur: aiopg.Cursor) -> None:
        await cur.execute(_HOLDERS, WRITER_LOCK)
        (holders,) = await cur.fetchone()
        while holders:
            await asyncio.sleep(GAP_CHECK_SECONDS)
            await cur.execute(_STILL_RUNNING, (holders,))
            if (await cur.fetchone())[0] == 0:
                return

    async def _follow(self, conn: aiopg.Connection) -> None:
        async with conn.cursor() as cur:
            await self._catch_up(cur)  # what committed while we were away
            while True:
                timeout = GAP_CHECK_SECONDS if self._gap is not None else SAFETY_READ_SECONDS
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        self._on_notification(await conn.notifies.get())
                while not conn.notifies.empty():
                    self._on_notification(conn.notifies.get_nowait())
                if conn.closed:
                    raise OSError("listen connection closed")
                await self._catch_up(cur)

    def _on_notification(self, notification: Notify) -> None:
        """Wake the watchers of a file; member changes are read after every wake-up."""
        if notification.channel == FILE_CHANNEL:
            with contextlib.suppress(ValueError):
                for watch in self._files.get(uuid.UUID(notification.payload), ()):
                    watch.poke()

    async def _catch_up(self, cur: aiopg.Cursor) -> None:
        """Deliver every change after the cursor, in order, stopping at an unresolved gap."""
        while True:
            await cur.execute(_READ, (self.cursor, READ_BATCH))
            rows = await cur.fetchall()
            blocked = self._deliver(rows)
            if self._gap is not None and self.cursor >= self._gap.through:
                self._gap = None  # the missing ids committed after all
            if blocked is None:
                if len(rows) < READ_BATCH:
                    return
                continue
            if self._gap is None:
                await cur.execute(_HOLDERS, WRITER_LOCK)
                (holders,) = await cur.fetchone()
                self._gap = _Gap(through=blocked, holders=list(holders))
                if self._gap.holders:
                    return  # wait for those writers (their commit notifies us)
            else:
                await cur.execute(_STILL_RUNNING, (self._gap.holders,))
                if (await cur.fetchone())[0] != 0:
                    return
            # Every transaction that could hold a missing id has ended: the ids still missing
            # were rolled back. Read again: whatever they committed is visible now.
            self._skip_through = max(self._skip_through, self._gap.through)
            self._gap = None

    def _deliver(self, rows: list[tuple[int, uuid.UUID, str, str]]) -> int | None:
        """Fan out the rows that follow the cursor without a gap.

        Returns None when every row was delivered, else (a gap stopped it) the highest
        id read: every id up to it was handed out before this read.
        """
        for change_id, member_id, kind, data in rows:
            if change_id != self.cursor + 1 and change_id - 1 > self._skip_through:
                return int(rows[-1][0])
            self._cursor = int(change_id)
            member = uuid.UUID(str(member_id))
            subs = self._members.get(member)
            if subs:
                change = change_from_row(int(change_id), member, kind, data)
                for sub in subs:
                    sub.push(change)
                self.delivered_total += 1
        return None

    # ---- sessions --------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_seconds)
            try:
                await self.sweep()
            except (psycopg2.Error, OSError, TimeoutError) as exc:
                log.warning("change feed sweep failed", extra={"error_type": type(exc).__name__})

    async def sweep(self) -> int:
        """End the streams whose session ended or whose member the viewer may no longer see.

        One statement for every open stream; returns how many were ended.
        """
        subs = [sub for subs in self._members.values() for sub in subs if sub.ended is None]
        if not subs:
            return 0
        async with connection_cursor(self._pool) as cur:
            await cur.execute(
                _STILL_ALLOWED,
                {
                    "hashes": [sub.token_hash for sub in subs],
                    "members": [str(sub.member_id) for sub in subs],
                    "idle": self._idle,
                    "absolute": self._absolute,
                },
            )
            allowed = {int(row[0]) for row in await cur.fetchall()}
        ended = 0
        for position, sub in enumerate(subs, start=1):
            if position not in allowed:
                sub.end(EndReason.SESSION)
                ended += 1
        return ended


FEED = web.AppKey("change_feed", ChangeFeed)


async def change_feed_context(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the process's change feed (after the pool, before the routes' streams)."""
    settings = app[SETTINGS]
    feed = ChangeFeed(
        settings.database_url.get_secret_value(),
        app[POOL],
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
    feed.start()
    app[FEED] = feed

    async def end_streams(app: web.Application) -> None:
        feed.end_all(EndReason.SHUTDOWN)

    # on_shutdown runs before aiohttp waits for in-flight handlers: streams end at once.
    app.on_shutdown.append(end_streams)
    yield
    await feed.stop()
