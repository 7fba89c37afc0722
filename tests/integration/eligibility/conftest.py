"""Eligibility files end to end: the bff and a worker on moto's S3 server and the real Postgres.

Each test gets its own bucket, employer and emails; the worker runs the real
consumer runner and relay, so a submission travels outbox -> RabbitMQ -> worker.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient, TestServer
from mypy_boto3_s3 import S3Client

from bff.app import create_app as create_bff
from bff.web.limits import Limits
from gateway.eligibility.flows import EligibilityFlow, StoreOpener, s3_store_opener
from gateway.worker import RUNNER, only
from gateway.worker import create_app as create_worker
from shared.database import Pool, transaction
from shared.settings import Settings
from tests.integration.bff.builders import Session, make_user, sign_in, unique_email
from tests.support.moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, MotoServer, moto_server
from tests.support.polling import eventually

FINAL = ("done", "failed", "needs_confirmation")


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One moto S3 server for the eligibility tests (each test has its own bucket)."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto_server.log") as server:
        yield server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default credential chain finds moto's dummy keys (the bff signs, the worker reads)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)


def raw_s3(moto: MotoServer) -> S3Client:
    """A plain client on moto for arranging and asserting."""
    return boto3.client(
        "s3",
        endpoint_url=moto.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def bucket(moto: MotoServer) -> str:
    name = f"eligibility-{uuid.uuid4().hex[:12]}"
    raw_s3(moto).create_bucket(Bucket=name)
    return name


@pytest.fixture
def eligibility_settings(
    settings: Settings, moto: MotoServer, bucket: str, aws_credentials: None
) -> Settings:
    return settings.model_copy(
        update={"files_bucket": bucket, "aws_endpoint_url": moto.endpoint_url}
    )


@pytest.fixture
async def bff(aiohttp_client: Any, eligibility_settings: Settings) -> TestClient:
    return await aiohttp_client(
        create_bff(eligibility_settings, limits=Limits(client_ip_header="X-Forwarded-For")),
        cookie_jar=DummyCookieJar(),
    )


@pytest.fixture
async def admin(bff: TestClient, pool: Pool) -> Session:
    user = await make_user(pool, "admin")
    return await sign_in(bff, user.email)


@pytest.fixture
def store_opener(eligibility_settings: Settings) -> StoreOpener:
    """How the worker opens S3 (tests may wrap it)."""
    return s3_store_opener(eligibility_settings)


@pytest.fixture
async def worker(
    eligibility_settings: Settings, store_opener: StoreOpener
) -> AsyncIterator[TestServer]:
    """A gateway worker running only the eligibility consumer, in small batches."""
    flow = EligibilityFlow(eligibility_settings, store_opener, batch_rows=3)
    server = TestServer(create_worker(eligibility_settings, consumers=only(flow.consumer())))
    await server.start_server()
    await server.app[RUNNER].wait_consuming()
    yield server
    await server.close()


@dataclass
class Employer:
    """An employer created through the API, with helpers for its files."""

    id: str
    admin: Session
    s3: S3Client
    bucket: str

    @property
    def files_path(self) -> str:
        return f"/api/v1/admin/employers/{self.id}/eligibility-files"

    def put(self, body: bytes | str, key: str | None = None) -> str:
        key = key or f"eligibility-uploads/{self.id}/{uuid.uuid4().hex}.csv"
        data = body.encode() if isinstance(body, str) else body
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    async def submit(self, file: str) -> str:
        response = await self.admin.post(self.files_path, json={"file": file})
        body = await response.json()
        assert response.status == 202, body
        return str(body["id"])

    async def status(self, file_id: str) -> dict[str, Any]:
        response = await self.admin.get(f"{self.files_path}/{file_id}")
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
        return body

    async def settled(self, file_id: str, timeout: float = 30) -> dict[str, Any]:
        async def final() -> dict[str, Any]:
            status = await self.status(file_id)
            assert status["status"] in FINAL, status
            return status

        return await eventually(final, timeout=timeout, interval=0.1)

    async def process(self, body: bytes | str) -> dict[str, Any]:
        return await self.settled(await self.submit(self.put(body)))

    def report(self, status: dict[str, Any]) -> str:
        key = status["file"].removeprefix(f"s3://{self.bucket}/") + ".report.csv"
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()


@pytest.fixture
async def employer(admin: Session, moto: MotoServer, bucket: str) -> Employer:
    response = await admin.post("/api/v1/admin/employers", json={"name": f"Acme {uuid.uuid4()}"})
    body = await response.json()
    assert response.status == 201, body
    return Employer(str(body["id"]), admin, raw_s3(moto), bucket)


async def make_employee_member(
    pool: Pool,
    employer_id: str,
    *,
    email: str | None = None,
    country: str = "US",
    salary: str | None = "50000.00",
) -> str:
    """An active member with employer access."""
    member_id = str(uuid.uuid4())
    async with transaction(pool) as cur:
        await cur.execute(
            "INSERT INTO members (id, email, full_name, country, access_type, employer_id, salary)"
            " VALUES (%s, %s, 'Emma Employee', %s, 'employer', %s, %s)",
            (member_id, email or unique_email("employee"), country, employer_id, salary),
        )
    return member_id


async def member_emails(pool: Pool, member_ids: list[str]) -> dict[str, str]:
    """The members' emails by id, to write them into a roster."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            "SELECT id::text, email FROM members WHERE id = ANY(%s::uuid[])", (member_ids,)
        )
        return dict(await cur.fetchall())


async def records_by_email(
    pool: Pool, employer_id: str, columns: str
) -> dict[str, tuple[Any, ...]]:
    """The employer's eligibility records: `columns` of each, by lower-cased email."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(
            f"SELECT lower(email), {columns} FROM eligibility_records WHERE employer_id = %s",
            (employer_id,),
        )
        return {row[0]: tuple(row[1:]) for row in await cur.fetchall()}
