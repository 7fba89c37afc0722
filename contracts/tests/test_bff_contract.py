"""The bff's contract: the committed OpenAPI matches the code, and a running bff keeps it.

Another team can point these tests at any running bff:

    BFF_CONTRACT_BASE_URL=https://bff.staging.example \
    BFF_CONTRACT_EMAIL=contract-admin@example.com BFF_CONTRACT_PASSWORD=... \
    BFF_CONTRACT_TOTP_SECRET=... pytest contracts/tests/test_bff_contract.py

The account must be an admin, with MFA on (admins always need it): the secret is its
authenticator's base32 TOTP secret. Without `BFF_CONTRACT_BASE_URL` the tests start a bff
process on this run's database with a fresh admin and member. Responses are
validated against the committed `contracts/openapi/bff.yaml`; schemathesis then
fuzzes every operation with the signed-in session: no 5xx, no schema violation.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg2
import pyotp
import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic import SecretStr

from contracts.openapi_bff import BFF_OPENAPI, render
from shared.database import create_pool
from shared.identity.passwords import hash_password_sync
from shared.identity.totp import TotpSecretCipher
from shared.migrate import migrate
from shared.settings import Settings
from tests.support import infra
from tests.support.moto_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, moto_server
from tests.support.processes import RoleProcess
from tests.support.simulator import SimulatorProcess

SPEC: dict[str, Any] = yaml.safe_load(BFF_OPENAPI.read_text())
CONTRACT_PASSWORD = "Contract-check-42!"
CONTRACT_TOTP_SECRET = pyotp.random_base32()


def test_the_committed_bff_openapi_matches_the_code():
    assert BFF_OPENAPI.read_text() == render(), "run `python -m contracts.openapi_bff` and commit"


def test_every_schema_in_the_bff_document_is_valid_json_schema():
    for schema in SPEC["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


@dataclass
class Target:
    base_url: str
    http: httpx.Client
    csrf_token: str
    session_token: str
    member_id: str | None
    employer_id: str | None
    # `__Host-origin_session` on a deployed bff (staging, production), else `origin_session`.
    cookie_name: str = "origin_session"


def _arrange_local(database_url: str) -> tuple[str, str, str]:
    """An admin, a member with a profile and an employer on the run's database."""
    email = f"contract.{uuid.uuid4().hex[:10]}@example.com"
    admin_id, member_id, employer_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    conn = psycopg2.connect(database_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO employers (id, name) VALUES (%s, %s)",
                (employer_id, f"Contract Employer {employer_id[:8]}"),
            )
            cur.execute(
                "INSERT INTO users (id, email, full_name, role, password_hash)"
                " VALUES (%s, %s, 'Contract Admin', 'admin', %s)",
                (admin_id, email, hash_password_sync(CONTRACT_PASSWORD)),
            )
            cipher = TotpSecretCipher.from_setting(Settings().mfa_secret_encryption_keys)
            cur.execute(
                "INSERT INTO user_mfa (user_id, secret_encrypted, confirmed_at)"
                " VALUES (%s, %s, now())",
                (admin_id, cipher.encrypt(SecretStr(CONTRACT_TOTP_SECRET))),
            )
            cur.execute(
                "INSERT INTO members (id, email, full_name, phone_e164, country, sms_opt_in,"
                " access_type, advisor_id) VALUES (%s, %s, 'Contract Member', '+14155550100',"
                " 'US', true, 'dtc', NULL)",
                (member_id, f"m.{email}"),
            )
            cur.execute(
                "INSERT INTO member_profiles (member_id, age, dependents, annual_income,"
                " monthly_costs, marital_status, houses, vehicles, risk_answers)"
                " VALUES (%s, 40, 1, 95000, 2100, 'single', '[]', '[{\"id\": 1, \"year\": 2020}]',"
                " '[true, false, false]')",
                (member_id,),
            )
    finally:
        conn.close()
    return email, member_id, employer_id


def _migrated_database() -> tuple[str, str]:
    """A fresh, migrated database of its own (these tests live outside `tests/`)."""
    name = infra.unique_name("origin_contract")
    url = infra.create_database(name)

    async def apply() -> None:
        pool = await create_pool(url, max_size=1, statement_timeout_ms=0, application_name="tests")
        try:
            await migrate(pool)
        finally:
            pool.close()
            await pool.wait_closed()

    asyncio.run(apply())
    return name, url


@pytest.fixture(scope="module")
def target(tmp_path_factory) -> Iterator[Target]:
    base_url = os.environ.get("BFF_CONTRACT_BASE_URL")
    processes: list[RoleProcess] = []
    member_id = employer_id = None
    database = vhost = None
    stack = ExitStack()
    if base_url:
        email = os.environ["BFF_CONTRACT_EMAIL"]
        password = os.environ["BFF_CONTRACT_PASSWORD"]
        totp_secret = os.environ["BFF_CONTRACT_TOTP_SECRET"]
    else:
        database, database_url = _migrated_database()
        vhost = infra.unique_name("origin_contract")
        env = {
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "AMQP_URL": infra.create_vhost(vhost),
        }
        email, member_id, employer_id = _arrange_local(database_url)
        password = CONTRACT_PASSWORD
        totp_secret = CONTRACT_TOTP_SECRET
        logs = tmp_path_factory.mktemp("roles")
        # The eligibility-file routes presign S3 URLs and read the uploaded object: moto's S3.
        moto = stack.enter_context(moto_server(logs / "moto.log"))
        bucket = infra.unique_name("contract-files").replace("_", "-").lower()
        boto3.client(
            "s3",
            endpoint_url=moto.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        ).create_bucket(Bucket=bucket)
        # The bank-linking routes call the gateway, which calls the provider simulator.
        simulator = SimulatorProcess(logs / "simulator.log").start()
        processes.append(simulator)
        gateway_env = {**env, "AGGREGATION_BASE_URL": simulator.url}
        gateway = RoleProcess(
            ["-m", "gateway", "web"], infra.free_port(), gateway_env, logs / "gw.log"
        )
        processes.append(gateway.start())
        bff_env = {
            **env,
            "GATEWAY_INTERNAL_URL": gateway.url,
            "AWS_ENDPOINT_URL": moto.endpoint_url,
            "FILES_BUCKET": bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        }
        bff = RoleProcess(["-m", "bff"], infra.free_port(), bff_env, logs / "bff.log")
        processes.append(bff.start())
        for process in processes:
            process.wait_healthy()
        base_url = bff.url
    http = httpx.Client(base_url=base_url, timeout=10)
    try:
        login = http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert login.status_code == 202, login.text  # the admin's second factor is owed
        _validate(login, "/api/v1/auth/login", "POST")
        login = http.post("/api/v1/auth/mfa", json={"code": pyotp.TOTP(totp_secret).now()})
        assert login.status_code == 200, login.text
        _validate(login, "/api/v1/auth/mfa", "POST")
        cookie_name = next(name for name in login.cookies if name.endswith("origin_session"))
        token = login.cookies[cookie_name]
        http.cookies.clear()  # each call says which session it uses
        yield Target(
            base_url, http, login.json()["csrf_token"], token, member_id, employer_id, cookie_name
        )
    finally:
        http.close()
        for process in processes:
            process.stop()
        stack.close()
        if database is not None:
            infra.drop_database(database)
        if vhost is not None:
            infra.delete_vhost(vhost)


def _validate(response: httpx.Response, path: str, method: str) -> None:
    """The response matches what the committed document says for its status."""
    operation = SPEC["paths"][path][method.lower()]
    documented = (
        operation["responses"].get(str(response.status_code)) or operation["responses"]["default"]
    )
    content_type = response.headers.get("content-type", "").split(";")[0]
    if "content" not in documented:
        assert not response.content, response.text
        return
    assert content_type in documented["content"], (response.status_code, content_type)
    schema = {**documented["content"][content_type]["schema"], "components": SPEC["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(response.json()), key=str)
    assert not errors, [error.message for error in errors]


def _call(target: Target, method: str, template: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Cookie": f"{target.cookie_name}={target.session_token}"}
    if method != "GET":
        headers["X-CSRF-Token"] = target.csrf_token
    response = target.http.request(method, path, headers=headers, **kwargs)
    _validate(response, template, method)
    return response


def test_me_and_the_member_list_keep_their_shape(target):
    me = _call(target, "GET", "/api/v1/me", "/api/v1/me")
    members = _call(target, "GET", "/api/v1/members", "/api/v1/members?limit=5&sort=-created_at")

    assert me.status_code == members.status_code == 200


def test_the_member_screen_and_its_changes_keep_their_shape(target):
    if target.member_id is None:
        listed = _call(target, "GET", "/api/v1/members", "/api/v1/members?limit=1").json()
        if not listed["items"]:
            pytest.fail("the target bff has no member for the admin to read")
        target.member_id = listed["items"][0]["id"]
    template = "/api/v1/members/{member_id}"
    path = f"/api/v1/members/{target.member_id}"

    screen = _call(target, "GET", template, path)
    note = _call(target, "POST", template + "/notes", path + "/notes", json={"body": "contract"})
    risk = _call(target, "POST", template + "/risk-profile", path + "/risk-profile")
    appointments = _call(target, "GET", template + "/appointments", path + "/appointments")

    assert screen.status_code == 200 and note.status_code == 201
    assert risk.status_code in (201, 422) and appointments.status_code == 200


def test_the_tools_keep_their_shape(target):
    wellness = _call(
        target,
        "POST",
        "/api/v1/tools/wellness-score",
        "/api/v1/tools/wellness-score",
        json={"annual_income": "85000", "monthly_costs": "2000.50"},
    )
    risk = _call(
        target,
        "POST",
        "/api/v1/tools/risk-profile",
        "/api/v1/tools/risk-profile",
        json={
            "age": 35,
            "dependents": 2,
            "house": {"ownership_status": "owned"},
            "income": 0,
            "marital_status": "married",
            "risk_questions": [0, 1, 0],
            "vehicle": {"year": 2018},
        },
    )

    assert wellness.status_code == risk.status_code == 200


def test_problems_keep_their_shape(target):
    anonymous = target.http.get("/api/v1/me")
    _validate(anonymous, "/api/v1/me", "GET")
    invalid = _call(
        target,
        "POST",
        "/api/v1/tools/wellness-score",
        "/api/v1/tools/wellness-score",
        json={"annual_income": -1},
    )

    assert anonymous.status_code == 401
    assert invalid.status_code == 422
    assert {error["field"] for error in invalid.json()["errors"]} >= {"annual_income"}


# Operations where a schema-valid request can be refused for a rule JSON Schema cannot state
# (server state, another field, a list too long to publish): for these only, schemathesis'
# `positive_data_acceptance` check is off; every other check still runs on them.
PASSWORD_RULES = (
    "the password policy refuses the most common passwords and the account's own email or name,"
    " and wants 15 characters of an account without MFA (the schema says 8 to 128)"
)
NOT_IN_SCHEMA = {
    ("GET", "/api/v1/members"): "`cursor` must be one this API issued (signed)",
    ("POST", "/api/v1/members/{member_id}/appointments"): (
        "cross-field and clock: `ends_at` after `starts_at` (at most 8 h), `starts_at` in the"
        " future; the description says so, JSON Schema cannot compare two fields"
    ),
    ("POST", "/api/v1/members/{member_id}/linked-items"): (
        "`public_token` must be one the aggregation provider issued"
    ),
    ("POST", "/api/v1/members/{member_id}/messages"): (
        "the member must have opted in to SMS with a phone on file (PATCH changes both) and a"
        " template's params must fill it"
    ),
    ("POST", "/api/v1/members/{member_id}/risk-profile"): "the stored profile must be complete",
    ("POST", "/api/v1/signup/verify"): "`token` must be an unexpired one from the emailed link",
    ("PUT", "/api/v1/admin/members/{member_id}/advisor"): "`advisor_id` must be an active advisor",
    ("PATCH", "/api/v1/members/{member_id}"): "house and vehicle `id`s must be unique in the list",
    ("POST", "/api/v1/tools/risk-profile"): "house and vehicle `id`s must be unique in the list",
    ("POST", "/api/v1/admin/employers/{employer_id}/eligibility-files"): (
        "`file` must be an object `upload-url` issued: in this deployment's files bucket,"
        " under the employer's prefix"
    ),
    ("POST", "/api/v1/signup"): PASSWORD_RULES,
    ("POST", "/api/v1/admin/users"): PASSWORD_RULES,
    ("POST", "/api/v1/auth/password"): PASSWORD_RULES,
    ("POST", "/api/v1/admin/users/{user_id}/password-reset"): PASSWORD_RULES,
}


def _schemathesis_config(target: Target) -> str:
    # The session goes through schemathesis' auth (not a raw header) so its checks that drop
    # or break the credentials (ignored_auth) send the request really without them.
    lines = ["[parameters]"]
    if target.member_id is not None:
        lines += [f'"path.member_id" = "{target.member_id}"']
    if target.employer_id is not None:
        lines += [f'"path.employer_id" = "{target.employer_id}"']
    # Every check, from the config file: a check named on the command line would override
    # the per-operation `enabled = false` below.
    lines += [
        "[checks]",
        "enabled = true",
        "[auth.openapi.session]",
        f'api_key = "{target.session_token}"',
        "[auth.openapi.csrf]",
        f'api_key = "{target.csrf_token}"',
    ]
    for (method, path), reason in NOT_IN_SCHEMA.items():
        # `include-name` is one operation; `include-path` with `include-method` would be
        # either of them (schemathesis ORs the filters of one block).
        lines += [
            f"# {reason}",
            "[[operations]]",
            f'include-name = "{method} {path}"',
            "checks.positive_data_acceptance.enabled = false",
        ]
    return "\n".join(lines) + "\n"


def test_schemathesis_finds_no_failure_of_any_check(target, tmp_path):
    """Every operation fuzzed with the admin's session and every schemathesis check (sign-out
    excluded: it ends the session; the event streams too: they stay open).

    Member and employer routes are pointed at a real member and employer so the fuzzing
    gets past the 404; the eligibility-file routes run on moto's S3.
    """
    (tmp_path / "schemathesis.toml").write_text(_schemathesis_config(target))
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [
            str(Path(sys.executable).with_name("st")),
            "run",
            str(BFF_OPENAPI),
            "--url",
            target.base_url,
            "--header",  # operations that do not declare the csrf scheme still need it
            f"X-CSRF-Token: {target.csrf_token}",
            "--exclude-path",
            "/api/v1/auth/logout",
            # Streams never end (tests/integration/bff/test_*events.py).
            "--exclude-path-regex",
            "/events$",
            "--max-examples",
            os.environ.get("BFF_SCHEMATHESIS_EXAMPLES", "25"),
            "--phases",
            "examples,coverage,fuzzing",
            "--seed",
            "1",
            "--generation-deterministic",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-60000:] + result.stderr[-2000:]
