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
    nobody = uuid.uuid4()
    no_employer = await employer.admin.post(
        f"/api/v1/admin/employers/{nobody}/eligibility-files",
        json={"file": f"s3://{employer.bucket}/eligibility-uploads/{nobody}/roster.csv"},
    )

    assert first.status == 202
    assert again.status == 409
    assert (await again.json())["file_id"] == (await first.json())["id"]
    assert (other_bucket.status, not_s3.status, a_report.status) == (422, 422, 422)
    assert no_employer.status == 404


async def test_an_admin_can_submit_only_objects_under_the_employers_own_upload_prefix(
    employer: Employer, pool: Pool
):
    other = await employer.admin.post(
        "/api/v1/admin/employers", json={"name": f"Other {uuid.uuid4()}"}
    )
    other_id = (await other.json())["id"]
    roster = "email,country\na@example.com,US\n"
    refused = {
        "another employer's upload": employer.put(
            roster, key=f"eligibility-uploads/{other_id}/{uuid.uuid4().hex}.csv"
        ),
        "an object elsewhere in the bucket": employer.put(roster, key=f"{uuid.uuid4().hex}.csv"),
        "a report folder": employer.put(roster, key=f"reports/{uuid.uuid4().hex}.csv"),
        "a path that climbs out": employer.put(
            roster, key=f"eligibility-uploads/{employer.id}/../{other_id}/{uuid.uuid4().hex}.csv"
        ),
        "a nested key": employer.put(
            roster, key=f"eligibility-uploads/{employer.id}/x/{uuid.uuid4().hex}.csv"
        ),
    }

    answers = {
        name: await employer.admin.post(employer.files_path, json={"file": file})
        for name, file in refused.items()
    }
    own = await employer.admin.post(employer.files_path, json={"file": employer.put(roster)})

    for name, response in answers.items():
        assert response.status == 422, name
        assert (await response.json())["errors"][0]["field"] == "file"
    assert own.status == 202
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT count(*) FROM eligibility_files WHERE employer_id = %s", (employer.id,)
        )
        assert (await cur.fetchone())[0] == 1


@pytest.mark.usefixtures("worker")
async def test_confirming_a_file_that_waits_for_nothing_is_a_conflict(employer: Employer):
    file_id = await employer.submit(employer.put("email,country\n"))
    status = await employer.settled(file_id)

    response = await employer.admin.post(f"{employer.files_path}/{file_id}/confirm")
    missing = await employer.admin.post(f"{employer.files_path}/{uuid.uuid4()}/confirm")

    assert status["status"] == "failed"
    assert response.status == 409
    assert missing.status == 404
