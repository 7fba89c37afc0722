"""Eligibility benchmark: a 50 MB roster end to end vs plain COPY + one upsert, with peak RSS.

    .venv/bin/python -m bench.eligibility [--megabytes 50]

It creates its own database, vhost and moto S3 server, generates a roster of
about 600,000 lines (0.5% bad lines, 0.2% repeated emails), makes 10% of its
employees existing members of the employer plus 1% members the file no longer
lists, uploads it, and measures in the same run:

(a) reference: `COPY ... FROM STDIN (FORMAT csv)` of the same S3 object into a
    plain staging table, then one set-based upsert into `eligibility_records`;
(b) ours: the real gateway worker in a child process (`bench.eligibility_worker`:
    consumer runner, relay, `gateway.eligibility.flows`), from the
    `eligibility.file_received` outbox row to the file's `done` status: stream, check
    every line, COPY, report upload, member updates, record upserts, terminations and their events;

and prints seconds, rows/s, the ratio (b)/(a) (goal <= 1.5) and the worker's
peak RSS while it processes the file (VmHWM of the child, reset once the idle
worker is ready; goal <= 100 MB), next to the idle worker's RSS. Each side runs
on its own fresh database holding the same members, after a CHECKPOINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Any

import boto3
import psycopg2

from bench.eligibility_worker import BUCKET
from bench.results import save_results
from shared.database import create_pool, transaction
from shared.events import REGISTRY
from shared.events.eligibility import EligibilityFileReceived
from shared.messaging import outbox
from shared.migrate import migrate
from tests.support import infra
from tests.support.moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, moto_server

KEY = "rosters/bench.csv"
FIRST = ["Ana", "Bruno", "Carla", "Diego", "Eva", "Felipe", "Gabriela", "Hugo", "Iris", "João"]
LAST = ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Rodrigues"]
COUNTRIES = ["US", "BR", "PT", "GB", "CA", "MX", "DE", "FR"]


def generate(path: Path, megabytes: int) -> tuple[int, list[str]]:
    """Write the roster; returns (data lines, emails of every 10th line: existing members)."""
    rng = random.Random(8)
    target = megabytes * 1024 * 1024
    members: list[str] = []
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("email,full name,country,birth_date,salary\n")
        while out.tell() < target:
            rows += 1
            email = f"employee.{rows:07d}@bigcorp-benefits-example.com"
            if rows % 500 == 0:
                out.write(f"broken-{rows},Bad Line,ZZ,not-a-date,-1\n")
                continue
            if rows % 499 == 0:
                email = f"employee.{rows - 1:07d}@bigcorp-benefits-example.com"  # a repeated email
            elif rows % 10 == 0:
                members.append(email)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            birth = f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            salary = f"{rng.randint(20_000, 250_000)}.{rng.randint(0, 99):02d}"
            out.write(f"{email},{name},{rng.choice(COUNTRIES)},{birth},{salary}\n")
    return rows, members


def arrange(database_url: str, employer_id: str, members: list[str]):
    """Employers, and members: 10% of the file's employees plus 1% the file no longer lists."""
    conn = psycopg2.connect(database_url)
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO employers (id, name) VALUES (%s, 'BigCorp')", (employer_id,))
        leavers = [f"left.{i:06d}@bigcorp-example.com" for i in range(len(members) // 10)]
        cur.execute(
            "INSERT INTO members (id, email, country, access_type, employer_id, salary)"
            " SELECT gen_random_uuid(), e, 'US', 'employer', %s, 1000 FROM unnest(%s::text[]) e",
            (employer_id, members + leavers),
        )
        cur.execute("ANALYZE members")  # a live database has statistics on its members
    conn.close()


def reference(database_url: str, s3: Any, employer_id: str) -> float:
    """Plain COPY of the object into a staging table, then one set-based upsert."""
    conn = psycopg2.connect(database_url)
    started = time.perf_counter()
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_reference_staging (email text, full_name text, country text,"
            " birth_date text, salary text)"
        )
        body = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"]
        cur.copy_expert("COPY bench_reference_staging FROM STDIN WITH (FORMAT csv, HEADER)", body)
        cur.execute(
            "INSERT INTO eligibility_records"
            " (id, employer_id, email, full_name, country, birth_date, salary)"
            " SELECT DISTINCT ON (lower(email)) gen_random_uuid(), %s, lower(email), full_name,"
            "        country, birth_date::date, salary::numeric"
            " FROM bench_reference_staging WHERE country ~ '^[A-Z]{2}$' AND salary !~ '^-'"
            " ORDER BY lower(email)"
            " ON CONFLICT (employer_id, lower(email)) DO UPDATE SET country = excluded.country,"
            " salary = excluded.salary, updated_at = now()",
            (employer_id,),
        )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


async def ours(
    database_url: str, amqp_url: str, endpoint: str, employer_id: str, log: IO[str]
) -> tuple[float, dict[str, Any], float, float]:
    """The real worker in a child process, timed from the outbox row to `done`."""
    child = subprocess.Popen(  # noqa: ASYNC220 - started once, before the clock runs
        [sys.executable, "-m", "bench.eligibility_worker", database_url, amqp_url, endpoint],
        env={
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            **os.environ,
            # As deployed: every ECS task (terraform task_environment) and docker-compose service
            # runs with two glibc heaps; without it each COPY/S3 thread grows a heap of its own.
            "MALLOC_ARENA_MAX": "2",
        },
        stdin=subprocess.PIPE,
        stdout=log,  # the worker's JSON log lines
        stderr=subprocess.PIPE,  # its "ready" and "peak_rss_mb" lines
        text=True,
    )
    assert child.stderr is not None and child.stdin is not None
    while (line := child.stderr.readline()) and '"ready"' not in line:
        log.write(line)
    idle_mb = json.loads(line)["idle_rss_mb"]
    pool = await create_pool(database_url, max_size=2, statement_timeout_ms=0, application_name="b")
    file_id = uuid.uuid4()
    try:
        async with transaction(pool) as cur:
            await cur.execute(
                "INSERT INTO eligibility_files (id, employer_id, bucket, object_key)"
                " VALUES (%s, %s, %s, %s)",
                (str(file_id), employer_id, BUCKET, KEY),
            )
            await outbox.add(
                cur,
                REGISTRY.build(
                    EligibilityFileReceived(file_id=file_id, employer_id=uuid.UUID(employer_id)),
                    name="eligibility.file_received",
                    producer="bench",
                    correlation_id="bench",
                ),
            )
        started = time.perf_counter()  # the worker's own relay publishes the event
        status: dict[str, Any] = {}
        while True:
            async with pool.acquire() as conn, conn.cursor() as cur:
                await cur.execute(
                    "SELECT status, rows_read, accepted, rejected, members_updated,"
                    " records_upserted, terminated, error FROM eligibility_files WHERE id = %s",
                    (str(file_id),),
                )
                row = await cur.fetchone()
            names = (
                "status",
                "rows_read",
                "accepted",
                "rejected",
                "members_updated",
                "records_upserted",
                "terminated",
                "error",
            )
            status = dict(zip(names, row, strict=True))
            if status["status"] in ("done", "failed", "needs_confirmation"):
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        pool.close()
        await pool.wait_closed()
        _, err = child.communicate("", timeout=60)
    peak = json.loads(err.strip().splitlines()[-1])["peak_rss_mb"]
    return elapsed, status, idle_mb, peak


async def _fresh_database(name: str) -> str:
    url = infra.create_database(name)
    pool = await create_pool(url, max_size=1, statement_timeout_ms=0, application_name="b")
    await migrate(pool)
    pool.close()
    await pool.wait_closed()
    return url


def _checkpoint(database_url: str) -> None:
    """Start each measurement from the same state: dirty pages flushed, no checkpoint due."""
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CHECKPOINT")
    conn.close()


async def run(megabytes: int) -> dict[str, Any]:
    """Reference and ours, each on its own fresh database with the same members."""
    databases = [infra.unique_name("origin_bench_ref"), infra.unique_name("origin_bench")]
    vhost = infra.unique_name("origin_bench")
    amqp_url = infra.create_vhost(vhost)
    workdir = Path(tempfile.mkdtemp(prefix="bench-eligibility-"))
    try:
        reference_url = await _fresh_database(databases[0])
        ours_url = await _fresh_database(databases[1])
        with moto_server(workdir / "moto.log") as moto:
            s3 = boto3.client(
                "s3",
                endpoint_url=moto.endpoint_url,
                region_name="us-east-1",
                aws_access_key_id=ACCESS_KEY_ID,
                aws_secret_access_key=SECRET_ACCESS_KEY,
            )
            s3.create_bucket(Bucket=BUCKET)
            roster = workdir / "roster.csv"
            rows, members = generate(roster, megabytes)
            s3.upload_file(str(roster), BUCKET, KEY)
            employer_id = str(uuid.uuid4())
            for url in (reference_url, ours_url):
                arrange(url, employer_id, members)
            _checkpoint(reference_url)
            reference_seconds = reference(reference_url, s3, employer_id)
            _checkpoint(ours_url)
            with (workdir / "worker.log").open("w") as log:
                ours_seconds, status, idle_mb, peak_mb = await ours(
                    ours_url, amqp_url, moto.endpoint_url, employer_id, log
                )
            size_mb = roster.stat().st_size / 1024 / 1024
    finally:
        for name in databases:
            infra.drop_database(name)
        infra.delete_vhost(vhost)
    print(f"worker log: {workdir / 'worker.log'}", file=sys.stderr)
    return {
        "file_mb": round(size_mb, 1),
        "rows": rows,
        "reference_seconds": round(reference_seconds, 2),
        "reference_rows_per_s": round(rows / reference_seconds),
        "ours_seconds": round(ours_seconds, 2),
        "ours_rows_per_s": round(rows / ours_seconds),
        "ratio_to_reference": round(ours_seconds / reference_seconds, 2),
        "worker_idle_rss_mb": idle_mb,
        "processing_peak_rss_mb": peak_mb,
        "outcome": status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.eligibility")
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    figures = asyncio.run(run(args.megabytes))
    print(json.dumps(figures, indent=2, default=str))
    save_results("eligibility", json.loads(json.dumps(figures, default=str)))
    print(
        f"{figures['file_mb']} MB, {figures['rows']} rows: ours {figures['ours_seconds']} s "
        f"({figures['ours_rows_per_s']} rows/s) vs reference {figures['reference_seconds']} s "
        f"({figures['reference_rows_per_s']} rows/s) = {figures['ratio_to_reference']}x "
        f"(goal <= 1.5); worker peak RSS while processing {figures['processing_peak_rss_mb']} MB"
        f" (goal <= 100; idle worker {figures['worker_idle_rss_mb']} MB)"
    )


if __name__ == "__main__":
    main()
