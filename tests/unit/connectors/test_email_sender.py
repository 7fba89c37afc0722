"""The SES sender: the environment gate, retries by the policy, and what goes on the wire.

The wire is faked with botocore's own seam (a `before-send` handler answers
instead of the network), so nothing of ours is patched and no request leaves.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders

from connectors.email import EmailConfig, EmailSender, OutgoingEmail, SesEmailSender
from connectors.errors import EmailGateError, PermanentError, RateLimited, TransientError
from connectors.policy import PolicySettings, ProviderPolicy
from connectors.retry import RetrySettings
from shared.settings import AppEnv
from tests.unit.connectors.conftest import FakeClock

REAL_ENDPOINT = "https://email.us-east-1.amazonaws.com"
MOTO = "http://127.0.0.1:5000"
EMAIL = OutgoingEmail(
    to_address="someone@example.com",
    subject="Confirm your email",
    text_body="Open https://console.example/verify#token=abc",
    html_body="<p>Open it</p>",
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


@dataclass
class FakeWire:
    """Answers botocore's requests with scripted statuses; records every request made."""

    statuses: list[int] = field(default_factory=list)
    requests: list[AWSPreparedRequest] = field(default_factory=list)

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            body = {"MessageId": f"ses-{len(self.requests)}"}
        else:
            codes = {400: "MessageRejected", 429: "TooManyRequestsException", 403: "AccessDenied"}
            body = {"message": "no", "__type": codes.get(status, "InternalFailure")}
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = body.get("__type", "")
        return AWSResponse(request.url, status, headers, _Raw(json.dumps(body).encode()))


def config(endpoint_url: str | None) -> EmailConfig:
    return EmailConfig(
        from_address="no-reply@origin.local",
        endpoint_url=endpoint_url,
        access_key_id=None,
        secret_access_key=None,
        policy=PolicySettings(retry=RetrySettings(max_attempts=3, base_delay_seconds=0.01)),
    )


@pytest.fixture
def wire() -> FakeWire:
    return FakeWire()


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


async def open_sender(
    endpoint_url: str | None, app_env: AppEnv, wire: FakeWire, clock: FakeClock
) -> SesEmailSender:
    cfg = config(endpoint_url)
    policy = ProviderPolicy("ses", cfg.policy, clock=clock, sleep=clock.sleep)
    sender = await SesEmailSender(cfg, app_env=app_env, policy=policy).open()
    sender.client.meta.events.register("before-send", wire)  # type: ignore[arg-type]
    return sender


@pytest.fixture
async def sending(wire: FakeWire, clock: FakeClock) -> AsyncIterator[Any]:
    opened: list[SesEmailSender] = []

    async def make(endpoint_url: str | None, app_env: AppEnv) -> SesEmailSender:
        sender = await open_sender(endpoint_url, app_env, wire, clock)
        opened.append(sender)
        return sender

    yield make
    for sender in opened:
        await sender.close()


@pytest.mark.parametrize("app_env", [AppEnv.LOCAL, AppEnv.TEST])
@pytest.mark.parametrize(
    "endpoint_url", [None, REAL_ENDPOINT, "https://ses.eu-west-1.amazonaws.com"]
)
async def test_local_and_test_refuse_real_ses_before_any_request(
    sending: Any, wire: FakeWire, app_env: AppEnv, endpoint_url: str | None
) -> None:
    sender = await sending(endpoint_url, app_env)

    with pytest.raises(EmailGateError) as raised:
        await sender.send(EMAIL)

    assert wire.requests == []
    assert "local SES stand-in" in str(raised.value)
    assert "someone@example.com" not in str(raised.value)


async def test_listing_aws_as_a_stand_in_does_not_open_the_gate(
    wire: FakeWire, clock: FakeClock
) -> None:
    cfg = config(REAL_ENDPOINT).model_copy(update={"stand_in_urls": (REAL_ENDPOINT,)})
    sender = await SesEmailSender(cfg, app_env=AppEnv.TEST).open()
    sender.client.meta.events.register("before-send", wire)  # type: ignore[arg-type]
    try:
        with pytest.raises(EmailGateError):
            await sender.send(EMAIL)
    finally:
        await sender.close()
    assert wire.requests == []


async def test_an_unlisted_endpoint_is_refused_outside_deployments(
    sending: Any, wire: FakeWire
) -> None:
    sender = await sending("http://10.0.0.5:5000", AppEnv.LOCAL)
    with pytest.raises(EmailGateError):
        await sender.send(EMAIL)
    assert wire.requests == []


async def test_local_sends_to_moto_as_sesv2_send_email(sending: Any, wire: FakeWire) -> None:
    sender = await sending(MOTO, AppEnv.LOCAL)

    sent = await sender.send(EMAIL)

    assert sent.message_id == "ses-1"
    (request,) = wire.requests
    assert request.url == f"{MOTO}/v2/email/outbound-emails"
    assert isinstance(request.body, bytes)
    body = json.loads(request.body)
    assert body["FromEmailAddress"] == "no-reply@origin.local"
    assert body["Destination"] == {"ToAddresses": ["someone@example.com"]}
    simple = body["Content"]["Simple"]
    assert simple["Subject"]["Data"] == "Confirm your email"
    assert simple["Body"]["Text"]["Data"] == EMAIL.text_body
    assert simple["Body"]["Html"]["Data"] == EMAIL.html_body


@pytest.mark.parametrize("app_env", [AppEnv.STAGING, AppEnv.PRODUCTION])
async def test_staging_and_production_send_to_ses_itself(
    sending: Any, wire: FakeWire, app_env: AppEnv
) -> None:
    sender = await sending(None, app_env)

    await sender.send(EMAIL)

    assert [r.url for r in wire.requests] == [f"{REAL_ENDPOINT}/v2/email/outbound-emails"]


async def test_throttling_and_503_are_retried_then_succeed(sending: Any, wire: FakeWire) -> None:
    wire.statuses = [429, 503, 200]
    sender = await sending(MOTO, AppEnv.TEST)

    sent = await sender.send(EMAIL)

    assert sent.message_id == "ses-3"
    assert len(wire.requests) == 3


async def test_a_500_is_not_retried_because_the_email_may_have_gone(
    sending: Any, wire: FakeWire
) -> None:
    wire.statuses = [500, 200]
    sender = await sending(MOTO, AppEnv.TEST)

    with pytest.raises(TransientError) as raised:
        await sender.send(EMAIL)

    assert raised.value.ambiguous
    assert len(wire.requests) == 1


async def test_a_rejected_message_is_permanent_and_not_retried(
    sending: Any, wire: FakeWire
) -> None:
    wire.statuses = [400, 200]
    sender = await sending(MOTO, AppEnv.TEST)

    with pytest.raises(PermanentError) as raised:
        await sender.send(EMAIL)

    assert raised.value.code == "MessageRejected"
    assert len(wire.requests) == 1
    assert not isinstance(raised.value, RateLimited)


def test_the_sender_satisfies_the_protocol() -> None:
    sender: EmailSender = SesEmailSender(config(MOTO), app_env=AppEnv.TEST)
    assert sender.policy.provider == "ses"


def test_an_outgoing_email_keeps_the_address_and_body_out_of_its_repr() -> None:
    assert "someone@example.com" not in repr(EMAIL)
    assert "token" not in repr(EMAIL)


async def test_registering_the_sender_happens_only_on_a_stand_in(
    sending: Any, wire: FakeWire
) -> None:
    local = await sending(MOTO, AppEnv.LOCAL)
    against_aws = await sending(REAL_ENDPOINT, AppEnv.TEST)
    deployed = await sending(None, AppEnv.PRODUCTION)

    await local.ensure_sender_identity()
    with pytest.raises(EmailGateError):
        await against_aws.ensure_sender_identity()
    await deployed.ensure_sender_identity()  # verified out of band: nothing is sent

    assert [r.url for r in wire.requests] == [f"{MOTO}/v2/email/identities"]
