"""An employer's roster goes from S3 through the worker: report, updates, records, terminations."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal

import httpx
import pytest

from shared.database import Pool, transaction
from shared.events import REGISTRY
from shared.events.eligibility import EligibilityFileReceived
from shared.messaging import outbox
from tests.integration.bff.builders import unique_email
from tests.integration.eligibility.conftest import (
    Employer,
    make_employee_member,
    member_emails,
    records_by_email,
)
from tests.support.polling import eventually

pytestmark = pytest.mark.usefixtures("worker")


async def _member(pool: Pool, member_id: str) -> tuple[str, str, Decimal | None]:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT status, country, salary FROM members WHERE id = %s", (member_id,))
        status, country, salary = await cur.fetchone()
    return status, country, salary


async def _terminated_events(pool: Pool, member_ids: list[str]) -> int:
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'member.terminated'"
            " AND (body::jsonb -> 'data' ->> 'member_id') = ANY(%s)",
            (member_ids,),
        )
        return int((await cur.fetchone())[0])


async def test_a_small_file_uploaded_through_a_presigned_url_gives_the_exact_report(
    employer: Employer,
):
    good, twice = unique_email("good"), unique_email("twice")
    roster = (
        "email,full name,country,birth_date,salary\n"
        f"{good},Ana Good,US,1990-04-01,85000.50\n"
        "not-an-email,Bad Email,US,1990-01-01,1\n"
        f"{twice},Tom Twice,br,,\n"
        f"{unique_email('nocountry')},No Country,,1980-01-01,10\n"
        "\n"
        f"{twice.upper()},Tom Again,BR,,\n"
        f'{unique_email("quoted")},"Doe, Jane",GB,2000-02-29,-5\n'
        f"{unique_email('short')},Too Few\n"
        f"{unique_email('xx')},Unknown Land,XX,,\n"
    )
    latin1_line = f"{unique_email('latin')},Jos\u00e9 Latin,US,,\n".encode("latin-1")
    upload = await employer.admin.post(f"{employer.files_path}/upload-url")
    target = await upload.json()
    assert upload.status == 200, target
    async with httpx.AsyncClient(timeout=10) as http:
        put = await http.put(
            target["upload_url"],
            content=roster.encode() + latin1_line,
            headers={"Content-Type": "text/csv"},
        )
    assert put.status_code == 200

    status = await employer.settled(await employer.submit(target["file"]))

    assert status["status"] == "done", status
    assert (status["rows_read"], status["accepted"], status["rejected"]) == (9, 2, 7)
    assert status["records_upserted"] == 2
    assert employer.report(status).splitlines() == [
        "line,status,reason",
        "2,accepted,",
        '3,rejected,"email is not a valid address"',
        "4,accepted,",
        '5,rejected,"country is required"',
        '7,rejected,"duplicate email (first on line 4)"',
        '8,rejected,"salary is not a non-negative amount with at most 2 decimals"',
        '9,rejected,"expected 5 fields, found 2"',
        '10,rejected,"country is not an ISO 3166-1 alpha-2 code"',
        '11,rejected,"the line is not valid UTF-8"',
    ]
    async with httpx.AsyncClient(timeout=10) as http:
        downloaded = await http.get(status["report_url"])
    assert downloaded.status_code == 200
    assert downloaded.text == employer.report(status)


async def test_a_processed_file_shows_its_first_rejected_lines_and_finishes_after_it_started(
    employer: Employer,
):
    roster = "email,country\n" + "".join(
        f"{unique_email('ok')},US\n" if n % 2 else f"bad-{n},US\n" for n in range(60)
    )
    failing = await employer.process("email,country\n")  # fails in the worker's transaction

    status = await employer.process(roster)

    assert status["status"] == "done", status
    assert status["rejected"] == 30
    sample = status["rejected_sample"]
    assert [line["line"] for line in sample] == [2 + 2 * n for n in range(20)]
    assert {line["reason"] for line in sample} == {"email is not a valid address"}
    for file in (status, failing):
        # One clock for both: the worker's transaction began before the claim committed.
        started, finished = file["started_at"], file["finished_at"]
        assert datetime.fromisoformat(started) <= datetime.fromisoformat(finished), file


async def test_listed_members_are_updated_new_emails_become_eligible_and_leavers_are_terminated(
    employer: Employer, pool: Pool
):
    stays = [await make_employee_member(pool, employer.id) for _ in range(8)]
    moved = await make_employee_member(pool, employer.id, email=unique_email("moved"))
    typo = await make_employee_member(pool, employer.id, email=unique_email("typo"))
    leaver = await make_employee_member(pool, employer.id)
    emails = await member_emails(pool, [*stays, moved, typo])
    newcomer = unique_email("newcomer")
    lines = [f"{emails[m]},Emma Employee,US,,50000.00" for m in stays]
    lines.append(f"{emails[moved].upper()},Emma Employee,PT,,61000")
    lines.append(f"{emails[typo]},Emma Employee,US,,lots")  # rejected, but still listed
    lines.append(f"{newcomer},New Comer,CA,1995-05-05,70000.00")

    status = await employer.process(
        "email,full name,country,birth_date,salary\n" + "\n".join(lines)
    )

    assert status["status"] == "done", status
    assert (status["members_updated"], status["records_upserted"]) == (1, 1)
    assert (status["terminated"], status["active_members"]) == (1, 11)
    assert await _member(pool, moved) == ("active", "PT", Decimal("61000.00"))
    assert await _member(pool, typo) == ("active", "US", Decimal("50000.00"))
    assert (await _member(pool, leaver))[0] == "terminated"
    assert [(await _member(pool, m))[0] for m in stays] == ["active"] * 8
    assert await _terminated_events(pool, [leaver]) == 1
    assert await _terminated_events(pool, [*stays, moved, typo]) == 0
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT country, birth_date::text, salary FROM eligibility_records"
            " WHERE employer_id = %s AND lower(email) = %s",
            (employer.id, newcomer),
        )
        assert await cur.fetchall() == [("CA", "1995-05-05", Decimal("70000.00"))]
        await cur.execute(
            "SELECT count(*) FROM eligibility_staging WHERE file_id = %s", (status["id"],)
        )
        assert (await cur.fetchone())[0] == 0


async def test_a_later_file_updates_changed_records_keeps_unchanged_ones_and_adds_new_ones(
    employer: Employer, pool: Pool
):
    changed, unchanged, added = (unique_email(name) for name in ("changed", "same", "added"))
    first = await employer.process(
        "email,full name,country,birth_date,salary\n"
        f"{changed},Carla Costa,BR,1990-01-01,1000\n{unchanged},Ana Silva,US,,2000.50\n"
    )
    assert (first["status"], first["records_upserted"]) == ("done", 2), first

    second = await employer.process(
        "email,full name,country,birth_date,salary\n"
        f"{changed},Carla Costa,PT,1990-01-01,1000\n{unchanged},Ana Silva,US,,2000.50\n"
        f"{added},Hugo Lima,GB,,\n"
    )

    assert (second["status"], second["records_upserted"]) == ("done", 2), second
    records = await records_by_email(pool, employer.id, "country, salary, source_file::text")
    assert records == {
        changed: ("PT", Decimal("1000.00"), second["id"]),
        unchanged: ("US", Decimal("2000.50"), first["id"]),
        added: ("GB", None, second["id"]),
    }


async def test_a_later_file_removes_the_records_it_no_longer_lists_and_keeps_the_listed_ones(
    employer: Employer, pool: Pool
):
    unchanged, typo, changed, dropped = (
        unique_email(name) for name in ("same", "typo", "changed", "dropped")
    )
    first = await employer.process(
        "email,country,salary\n"
        f"{unchanged},US,1000\n{typo},US,1000\n{changed},US,1000\n{dropped},US,1000\n"
    )
    assert (first["status"], first["records_upserted"]) == ("done", 4), first

    second = await employer.process(
        "email,country,salary\n"
        f"{unchanged},US,1000\n{typo},US,lots\n{changed},PT,1000\n"  # the typo is still listed
    )

    assert (second["status"], second["records_upserted"]) == ("done", 1), second
    records = await records_by_email(pool, employer.id, "country, source_file::text")
    assert records == {
        unchanged: ("US", first["id"]),
        typo: ("US", first["id"]),
        changed: ("PT", second["id"]),
    }


async def test_a_file_ending_more_than_the_guard_share_waits_for_an_admin_to_confirm(
    employer: Employer, pool: Pool
):
    members = [await make_employee_member(pool, employer.id) for _ in range(5)]
    emails = await member_emails(pool, members)
    kept = members[:3]
    roster = "email,country,salary\n" + "\n".join(f"{emails[m]},FR,1000" for m in kept)

    held = await employer.process(roster)

    assert held["status"] == "needs_confirmation", held
    assert (held["terminations_pending"], held["active_members"]) == (2, 5)
    assert held["members_updated"] == 3  # updates do not wait; only terminations do
    assert [(await _member(pool, m))[0] for m in members] == ["active"] * 5
    assert await _terminated_events(pool, members) == 0

    confirmed = await employer.admin.post(f"{employer.files_path}/{held['id']}/confirm")
    assert confirmed.status == 202, await confirmed.json()
    done = await eventually(_done(employer, held["id"]), timeout=30, interval=0.1)

    assert done["terminated"] == 2
    assert done["terminations_pending"] is None
    assert [(await _member(pool, m))[0] for m in members] == ["active"] * 3 + ["terminated"] * 2
    assert await _terminated_events(pool, members[3:]) == 2
    again = await employer.admin.post(f"{employer.files_path}/{held['id']}/confirm")
    assert again.status == 409


async def test_confirming_a_file_whose_staged_lines_a_crash_emptied_fails_it_and_ends_nobody(
    employer: Employer, pool: Pool
):
    members = [await make_employee_member(pool, employer.id) for _ in range(5)]
    emails = await member_emails(pool, members)
    roster = "email,country\n" + "\n".join(f"{emails[m]},FR" for m in members[:3])
    held = await employer.process(roster)
    assert held["status"] == "needs_confirmation", held
    async with transaction(pool) as cur:
        # What crash recovery (or a failover) does to the UNLOGGED staging table.
        await cur.execute("DELETE FROM eligibility_staging WHERE file_id = %s", (held["id"],))

    confirmed = await employer.admin.post(f"{employer.files_path}/{held['id']}/confirm")
    assert confirmed.status == 202, await confirmed.json()

    async def probe():
        status = await employer.status(held["id"])
        assert status["status"] == "failed", status
        return status

    failed = await eventually(probe, timeout=30, interval=0.1)

    assert "submit the file again" in failed["error"]
    assert [(await _member(pool, m))[0] for m in members] == ["active"] * 5
    assert await _terminated_events(pool, members) == 0


def _done(employer: Employer, file_id: str):
    async def probe():
        status = await employer.status(file_id)
        assert status["status"] == "done", status
        return status

    return probe


async def test_a_second_delivery_of_the_same_file_changes_nothing(employer: Employer, pool: Pool):
    member = await make_employee_member(pool, employer.id, country="US")
    leaver = await make_employee_member(pool, employer.id)
    others = [await make_employee_member(pool, employer.id) for _ in range(4)]
    emails = await member_emails(pool, [member, *others])
    roster = "email,country,salary\n" + "\n".join(
        [f"{emails[member]},DE,1", *(f"{emails[o]},US,50000" for o in others)]
    )
    first = await employer.process(roster)
    assert (first["status"], first["terminated"]) == ("done", 1)

    async def snapshot() -> tuple[object, int]:
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(
                "SELECT id, status, country, salary, terminated_at, updated_at FROM members"
                " WHERE employer_id = %s ORDER BY id",
                (employer.id,),
            )
            members = await cur.fetchall()
        return members, await _terminated_events(pool, [member, leaver, *others])

    before = await snapshot()
    redelivery = REGISTRY.build(
        EligibilityFileReceived(file_id=uuid.UUID(first["id"]), employer_id=uuid.UUID(employer.id)),
        name="eligibility.file_received",
        producer="tests",
        correlation_id="redelivery",
    )
    async with transaction(pool) as cur:
        await outbox.add(cur, redelivery)

    async def handled():
        async with pool.acquire() as conn, conn.cursor() as cur:
            await cur.execute(
                "SELECT count(*) FROM inbox WHERE consumer = 'gateway.eligibility'"
                " AND message_id = %s",
                (str(redelivery.id),),
            )
            assert (await cur.fetchone())[0] == 1

    await eventually(handled, timeout=20)
    assert await snapshot() == before
    again = await employer.status(first["id"])
    # A presigned URL is signed anew on every read (its X-Amz-Date moves): compare its object.
    assert again.pop("report_url").split("?")[0] == first.pop("report_url").split("?")[0]
    assert again == first


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("full name,country\nAna,US\n", "missing required column(s): email"),
        ("email,full name\nana@example.com,Ana\n", "missing required column(s): country"),
        ("", "the file is empty"),
        ("email,country\n\n", "the file has a header but no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary", "not UTF-8 text: not a CSV file"),
    ],
    ids=["no-email-column", "no-country-column", "empty", "header-only", "binary"],
)
async def test_bad_input_fails_the_file_with_a_clear_reason(
    employer: Employer, body: str | bytes, reason: str
):
    status = await employer.process(body)

    assert status["status"] == "failed"
    assert reason in status["error"]
    assert status["report_url"] is None


async def test_a_missing_object_fails_the_file(employer: Employer):
    file_id = await employer.submit(
        f"s3://{employer.bucket}/eligibility-uploads/{employer.id}/never-uploaded.csv"
    )

    status = await employer.settled(file_id)

    assert (status["status"], status["error"]) == (
        "failed",
        "the file does not exist in the bucket",
    )


async def test_sign_up_of_an_eligible_email_creates_an_employer_member_with_the_files_data(
    employer: Employer, pool: Pool
):
    email = unique_email("eligible")
    status = await employer.process(
        f"email,full name,country,birth_date,salary\n{email},Eli Gible,US,1988-08-08,91000.25\n"
    )
    assert status["status"] == "done", status

    accepted = await employer.admin.client.post(
        "/api/v1/signup",
        json={"email": email, "password": "Str0ng&Secret!", "country": "BR"},
    )
    assert accepted.status == 202
    async with pool.acquire() as conn, conn.cursor() as cur:  # the emailed link (not yet sent)
        await cur.execute("SELECT text_body FROM email_messages WHERE to_address = %s", (email,))
        (text_body,) = await cur.fetchone()
    link = re.search(r"#token=([A-Za-z0-9_-]{43})", text_body)
    assert link, text_body
    token = link.group(1)
    response = await employer.admin.client.post(
        "/api/v1/signup/verify", json={"token": token, "password": "Str0ng&Secret!"}
    )
    body = await response.json()

    assert response.status == 201, body
    assert body["access_type"] == "employer"
    assert body["employer"]["id"] == employer.id
    assert body["full_name"] == "Eli Gible"
    assert body["country"] == "US"  # the roster's, not what the form said
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT employer_id::text, country, birth_date::text, salary FROM members"
            " WHERE id = %s",
            (body["id"],),
        )
        assert await cur.fetchone() == (employer.id, "US", "1988-08-08", Decimal("91000.25"))
