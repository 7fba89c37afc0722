import logging
import time

from aiohttp import web
from pydantic import BaseModel, SecretStr

from bff.app import create_app as create_bff
from gateway import scheduler, worker
from gateway import web as gateway_web
from shared.observability.context import request_id_var
from shared.settings import Settings
from tests.support.infra import free_port
from tests.support.polling import eventually


async def _healthy(client) -> dict:
    async def ok() -> dict:
        response = await client.get("/")
        body = await response.json()
        assert response.status == 200, body
        return body

    return await eventually(ok, timeout=10)


async def test_every_role_reports_ok_with_postgres_and_rabbitmq(aiohttp_client, settings):
    for factory in (create_bff, gateway_web.create_app, worker.create_app, scheduler.create_app):
        client = await aiohttp_client(factory(settings))
        body = await _healthy(client)
        assert body["status"] == "ok"
        assert body["checks"]["postgres"]["status"] == "ok"
        assert body["checks"]["rabbitmq"]["status"] == "ok"
        assert body["service"] and body["version"]
        await client.close()


async def test_an_unreachable_postgres_answers_503_naming_it_within_a_second(
    aiohttp_client, settings
):
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/origin"
    app = create_bff(settings.model_copy(update={"database_url": SecretStr(closed)}))
    client = await aiohttp_client(app)

    started = time.perf_counter()
    response = await client.get("/")
    elapsed = time.perf_counter() - started

    body = await response.json()
    assert response.status == 503
    assert body["status"] == "fail"
    assert body["checks"]["postgres"]["status"] == "fail"
    assert "127.0.0.1" not in body["checks"]["postgres"]["error"]
    assert elapsed < 1.0


async def test_an_unreachable_broker_answers_503_naming_rabbitmq(aiohttp_client, settings):
    closed = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    client = await aiohttp_client(
        create_bff(settings.model_copy(update={"amqp_url": SecretStr(closed)}))
    )
    started = time.perf_counter()
    response = await client.get("/")
    body = await response.json()
    assert time.perf_counter() - started < 1.0
    assert response.status == 503
    assert body["checks"]["rabbitmq"]["status"] == "fail"
    assert body["checks"]["postgres"]["status"] == "ok"


class _Payload(BaseModel):
    amount_cents: int


def _app_with_probe_routes(settings: Settings) -> web.Application:
    app = create_bff(settings)

    async def explode(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals for jane@example.com")

    async def validate(request: web.Request) -> web.Response:
        _Payload.model_validate(await request.json())
        return web.json_response({})

    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"size": len(await request.read())})

    app.router.add_get("/probe/explode", explode)
    app.router.add_post("/probe/validate", validate)
    app.router.add_post("/probe/echo", echo)
    return app


async def test_an_unknown_route_answers_problem_json(aiohttp_client, settings):
    client = await aiohttp_client(create_bff(settings))
    response = await client.get("/no/such/thing")
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    assert (await response.json())["title"] == "Not Found"


async def test_a_crash_answers_500_problem_json_without_internals(aiohttp_client, settings, caplog):
    client = await aiohttp_client(_app_with_probe_routes(settings))
    response = await client.get("/probe/explode", headers={"X-Request-ID": "req-crash-1"})
    body = await response.json()
    assert response.status == 500
    assert response.content_type == "application/problem+json"
    assert body["request_id"] == "req-crash-1"
    assert "secret internals" not in await response.text()
    assert any(record.getMessage() == "unhandled error" for record in caplog.records)


class _IdsOfRecords(logging.Handler):
    """Keeps, per log record, the request id bound when it was logged (what a line carries)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: list[tuple[str, str | None, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        status = getattr(record, "status", None)
        self.seen.append((record.getMessage(), request_id_var.get(), status))


async def test_a_crash_is_answered_logged_and_echoed_with_its_request_id(aiohttp_client, settings):
    ids = _IdsOfRecords()
    logger = logging.getLogger("origin.http")
    logger.addHandler(ids)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client = await aiohttp_client(_app_with_probe_routes(settings))
        response = await client.get("/probe/explode", headers={"X-Request-ID": "req-crash-2"})
    finally:
        logger.removeHandler(ids)
        logger.setLevel(level)

    assert response.status == 500
    assert response.headers["X-Request-ID"] == "req-crash-2"
    assert ("unhandled error", "req-crash-2", None) in ids.seen
    assert ("request", "req-crash-2", 500) in ids.seen
    assert request_id_var.get() is None


async def test_invalid_input_answers_422_naming_the_field(aiohttp_client, settings):
    client = await aiohttp_client(_app_with_probe_routes(settings))
    response = await client.post("/probe/validate", json={"amount_cents": "lots"})
    body = await response.json()
    assert response.status == 422
    assert body["errors"][0]["field"] == "amount_cents"
    assert "lots" not in await response.text()


async def test_a_body_over_the_limit_answers_413(aiohttp_client, settings):
    small = settings.model_copy(update={"max_body_bytes": 2048})
    client = await aiohttp_client(_app_with_probe_routes(small))
    assert (await client.post("/probe/echo", data=b"x" * 1000)).status == 200
    response = await client.post("/probe/echo", data=b"x" * 4096)
    assert response.status == 413
    assert response.content_type == "application/problem+json"


async def test_ids_are_echoed_and_security_headers_set(aiohttp_client, settings):
    client = await aiohttp_client(create_bff(settings))
    response = await client.get(
        "/", headers={"X-Request-ID": "req-42", "X-Correlation-ID": "corr-42"}
    )
    assert response.headers["X-Request-ID"] == "req-42"
    assert response.headers["X-Correlation-ID"] == "corr-42"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    generated = await client.get("/")
    assert generated.headers["X-Request-ID"] == generated.headers["X-Correlation-ID"]
