import json
import logging
import os
import subprocess
import sys
import uuid

from shared.observability.context import bound_ids, new_id
from shared.observability.logging import JsonFormatter
from shared.observability.sentry import scrub_event


def _format(message: str, **extra: object) -> dict[str, object]:
    record = logging.makeLogRecord({"msg": message, "levelname": "INFO", "name": "t", **extra})
    return json.loads(JsonFormatter("bff").format(record))


def test_a_log_line_is_json_with_the_bound_ids():
    with bound_ids(request_id="req-1", correlation_id="corr-1"):
        line = _format("hello", route="/api/v1/members/{id}")
    assert line["message"] == "hello"
    assert line["request_id"] == "req-1"
    assert line["correlation_id"] == "corr-1"
    assert line["route"] == "/api/v1/members/{id}"
    assert line["service"] == "bff"


def test_a_log_line_never_carries_an_email_or_a_phone_number():
    line = _format("sent to jane.doe@example.com at +1 415 555 0100", phone="+14155550100")
    rendered = json.dumps(line)
    assert "jane.doe@example.com" not in rendered
    assert "555" not in rendered


def test_request_ids_survive_redaction():
    line = _format("ok", message_id="12345678-1234-1234-1234-123456789012")
    assert line["message_id"] == "12345678-1234-1234-1234-123456789012"


def test_the_sentry_scrubber_removes_planted_personal_data():
    event = {
        "message": "failed for jane.doe@example.com, ssn 123-45-6789, phone (415) 555-0100",
        "extra": {"member": {"tax_id": "98-7654321", "note": "acct 000123456789"}},
        "request": {"headers": {"Authorization": "Bearer abc.def.ghi", "Cookie": "session=xyz"}},
        "exception": {"values": [{"value": "token access-sandbox-1234abcd-5678 refused"}]},
    }

    rendered = json.dumps(scrub_event(event))

    for planted in (
        "jane.doe@example.com",
        "123-45-6789",
        "555-0100",
        "98-7654321",
        "000123456789",
        "abc.def.ghi",
        "session=xyz",
        "access-sandbox-1234abcd-5678",
    ):
        assert planted not in rendered
    assert "failed for" in rendered


def test_the_sentry_scrubber_drops_bodies_and_masks_secret_headers_queries_and_crumbs():
    event = {
        "request": {
            "url": "https://api.origin.example/api/v1/auth/login",
            "data": '{"email": "x@y.co", "password": "Hunter-2-secret!"}',
            "cookies": {"origin_session": "cookie-value-1"},
            "query_string": "search=Jane+Roe&phone=%2B14155550100",
            "headers": {
                "X-CSRF-Token": "csrf-value-1",
                "X-Api-Key": "key-value-1",
                "Plaid-Verification": "jwt-value-1",
                "X-Forwarded-For": "203.0.113.5",
                "User-Agent": "curl/8",
            },
        },
        "breadcrumbs": {"values": [{"message": 'body {"password": "crumb-secret-1"}'}]},
        "extra": {"payload": "{'full_name': 'Jane Roe', 'token': 'extra-token-1'}"},
    }

    scrubbed = scrub_event(event)
    rendered = json.dumps(scrubbed)

    for planted in (
        "Hunter-2-secret!",
        "cookie-value-1",
        "Jane",
        "14155550100",
        "csrf-value-1",
        "key-value-1",
        "jwt-value-1",
        "203.0.113.5",
        "crumb-secret-1",
        "extra-token-1",
    ):
        assert planted not in rendered
    assert scrubbed["request"]["headers"]["User-Agent"] == "curl/8"
    assert scrubbed["request"]["query_string"] == "search=[redacted]&phone=[redacted]"
    assert scrubbed["request"]["url"].endswith("/api/v1/auth/login")


def test_without_a_dsn_no_role_imports_the_sentry_sdk():
    # A fresh interpreter: this test process may have imported the SDK already.
    script = (
        "import sys\n"
        "import bff.app, gateway.web, gateway.worker, gateway.scheduler\n"
        "from shared.observability import sentry\n"
        "from shared.settings import Settings\n"
        "assert not sentry.init_sentry(Settings(app_env='test'), service='t', release='t')\n"
        "sentry.capture_exception(RuntimeError('not sent'))\n"
        "sentry.capture_message('not sent')\n"
        "print('sentry_sdk' in sys.modules)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "SENTRY_DSN"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_new_id_is_a_random_uuid_in_its_usual_text_form():
    ids = {new_id() for _ in range(1000)}

    assert len(ids) == 1000
    for made in ids:
        parsed = uuid.UUID(made)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == made
    assert {made[19] for made in ids} == set("89ab")  # the variant digit keeps its random bits
