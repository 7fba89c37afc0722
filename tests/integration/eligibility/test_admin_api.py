"""The admin API of employers and eligibility files: who may call it and what it refuses."""

from __future__ import annotations

import uuid

import pytest
from aiohttp.test_utils import TestClient

from shared.database import Pool
from tests.integration.bff.builders import make_user, sign_in
from tests.integration.eligibility.conftest import Employer


async def test_employers_are_created_once_per_name_and_listed(employer: Employer):
    listed = await employer.admin.get("/api/v1/admin/employers?limit=500")
    names = {item["id"]: item["name"] for item in (await listed.json())["items"]}
    duplicate = await employer.admin.post(
        "/api/v1/admin/employers", json={"name": names[employer.id].upper()}
    )

    assert listed.status == 200
    assert employer.id in names
    assert duplicate.status == 409


async def test_advisors_and_anonymous_callers_cannot_use_the_employer_api(
    bff: TestClient, pool: Pool, employer: Employer
):
    advisor = await sign_in(bff, (await make_user(pool, "advisor")).email)

    as_advisor = await advisor.get("/api/v1/admin/employers")
    submit_as_advisor = await advisor.post(
        employer.files_path, json={"file": f"s3://{employer.bucket}/x.csv"}
    )
    anonymous = await bff.get("/api/v1/admin/employers")

    assert (as_advisor.status, submit_as_advisor.status, anonymous.status) == (403, 403, 401)


async def test_a_submission_is_queued_with_its_event_in_the_same_transaction(
    employer: Employer, pool: Pool
):
    response = await employer.admin.post(
        employer.files_path, json={"file": employer.put("email,country\na@example.com,US\n")}
    )
    body = await response.json()

    assert response.status == 202
    assert body["status"] == "queued"
    assert response.headers["Location"] == f"{employer.files_path}/{body['id']}"
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'eligibility.file_received'"
            " AND body::jsonb -> 'data' ->> 'file_id' = %s",
            (body["id"],),
        )
        assert (await cur.fetchone())[0] == 1


async def test_submissions_outside_the_files_bucket_or_repeated_or_for_no_employer_are_refused(
    employer: Employer,
):
    file = employer.put("email,country\na@example.com,US\n")
    first = await employer.admin.post(employer.files_path, json={"file": file})
    again = await employer.admin.post(employer.files_path, json={"file": file})
    other_bucket = await employer.admin.post(
        employer.files_path, json={"file": "s3://someone-elses-bucket/roster.csv"}
    )
    not_s3 = await employer.admin.post(
        employer.files_path, json={"file": "https://example.com/roster.csv"}
    )
    a_report = await employer.admin.post(
        employer.files_path, json={"file": f"s3://{employer.bucket}/r.csv.report.csv"}
    )
    no_employer = await employer.admin.post(
        f"/api/v1/admin/employers/{uuid.uuid4()}/eligibility-files", json={"file": file + "2"}
    )

    assert first.status == 202
    assert again.status == 409
    assert (await again.json())["file_id"] == (await first.json())["id"]
    assert (other_bucket.status, not_s3.status, a_report.status) == (422, 422, 422)
    assert no_employer.status == 404


@pytest.mark.usefixtures("worker")
async def test_confirming_a_file_that_waits_for_nothing_is_a_conflict(employer: Employer):
    file_id = await employer.submit(employer.put("email,country\n"))
    status = await employer.settled(file_id)

    response = await employer.admin.post(f"{employer.files_path}/{file_id}/confirm")
    missing = await employer.admin.post(f"{employer.files_path}/{uuid.uuid4()}/confirm")

    assert status["status"] == "failed"
    assert response.status == 409
    assert missing.status == 404
