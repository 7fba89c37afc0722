import asyncio
import json
import subprocess
import sys
import uuid
from datetime import timedelta

import aiormq
from aiormq import spec

from shared.database import transaction
from shared.messaging import outbox, retention, topology
from tests.support.processes import ROOT


async def test_retention_deletes_old_published_rows_and_old_inbox_rows_only(pool, harness):
    old, recent, pending = harness.envelope(1), harness.envelope(2), harness.envelope(3)
    old_inbox, recent_inbox = str(uuid.uuid4()), str(uuid.uuid4())
    async with transaction(pool) as cur:
        for envelope in (old, recent, pending):
            await outbox.add(cur, envelope)
        await cur.execute(
            "UPDATE outbox SET published_at = now() - interval '8 days' WHERE message_id = %s",
            (str(old.id),),
        )
        await cur.execute(
            "UPDATE outbox SET published_at = now() WHERE message_id = %s", (str(recent.id),)
        )
        await cur.execute(
            "INSERT INTO inbox (consumer, message_id, received_at) VALUES"
            " ('retention-test', %s, now() - interval '40 days'), ('retention-test', %s, now())",
            (old_inbox, recent_inbox),
        )

    result = await retention.delete_expired(
        pool, outbox_after=timedelta(days=7), inbox_after=timedelta(days=30)
    )

    assert result.outbox_deleted >= 1 and result.inbox_deleted >= 1
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT message_id::text FROM outbox WHERE message_id = ANY(%s::uuid[])",
            ([str(e.id) for e in (old, recent, pending)],),
        )
        assert {row[0] for row in await cur.fetchall()} == {str(recent.id), str(pending.id)}
        await cur.execute("SELECT message_id::text FROM inbox WHERE consumer = 'retention-test'")
        assert [row[0] for row in await cur.fetchall()] == [recent_inbox]


def _ops(settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "test",
        "DATABASE_URL": settings.database_url.get_secret_value(),
        "AMQP_URL": settings.amqp_url.get_secret_value(),
    }
    return subprocess.run(
        [sys.executable, "-m", "shared.ops", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_ops_commands_list_show_replay_and_purge_dead_letters(settings):
    queue = topology.QUEUES[0]
    listed = await asyncio.to_thread(_ops, settings, "dlq", "list")
    assert listed.returncode == 0, listed.stderr
    assert {"queue": queue.dead_letter_queue, "messages": 0} in json.loads(listed.stdout)

    connection = await aiormq.connect(settings.amqp_url.get_secret_value())
    channel = await connection.channel()
    for message_id in ("dead-1", "dead-2"):
        await channel.basic_publish(
            b'{"not": "an envelope"}',
            routing_key=queue.dead_letter_queue,
            properties=spec.Basic.Properties(
                message_id=message_id, headers={"x-error": "invalid envelope: id missing"}
            ),
        )
    await connection.close()

    shown = await asyncio.to_thread(_ops, settings, "dlq", "show", queue.name)
    letters = json.loads(shown.stdout)
    assert [letter["message_id"] for letter in letters] == ["dead-1", "dead-2"]
    assert letters[0]["error"] == "invalid envelope: id missing"

    replayed = await asyncio.to_thread(
        _ops, settings, "dlq", "replay", queue.name, "--id", "dead-2"
    )
    assert json.loads(replayed.stdout) == {"queue": queue.name, "replayed": ["dead-2"]}

    refused = await asyncio.to_thread(_ops, settings, "dlq", "purge", queue.name)
    assert refused.returncode == 2  # --yes is required
    purged = await asyncio.to_thread(_ops, settings, "dlq", "purge", queue.name, "--yes")
    assert json.loads(purged.stdout) == {"queue": queue.dead_letter_queue, "purged": 1}

    connection = await aiormq.connect(settings.amqp_url.get_secret_value())
    channel = await connection.channel()
    await channel.queue_purge(queue.name)  # the replayed garbage must not reach later tests
    await connection.close()

    status = await asyncio.to_thread(_ops, settings, "outbox", "status")
    assert set(json.loads(status.stdout)) == {"pending", "oldest_pending_age_seconds"}
