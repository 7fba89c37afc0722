import json
import logging

from aiohttp import web

from bff.app import create_app
from shared.database import transaction
from shared.messaging import outbox
from shared.observability.logging import JsonFormatter
from shared.web.keys import CORRELATION_ID, POOL
from tests.support.polling import eventually


class _JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("tests"))
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


async def test_the_correlation_id_travels_from_the_request_to_the_consumer_log_line(
    aiohttp_client, settings, harness
):
    async def produce(request: web.Request) -> web.Response:
        async with transaction(request.app[POOL]) as cur:
            await outbox.add(cur, harness.envelope(1, correlation_id=request[CORRELATION_ID]))
        return web.json_response({}, status=202)

    app = create_app(settings)
    app.router.add_post("/probe/produce", produce)
    client = await aiohttp_client(app)
    await harness.runner()
    captured = _JsonLines()
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(captured)
    try:
        response = await client.post("/probe/produce", headers={"X-Correlation-ID": "corr-e2e-77"})
        assert response.status == 202

        async def handled_line():
            matches = [
                line
                for line in captured.lines
                if line["message"] == "message handled"
                and line.get("consumer") == harness.queue.name
            ]
            assert matches
            return matches[0]

        line = await eventually(handled_line, timeout=15)
    finally:
        root.removeHandler(captured)
        root.setLevel(previous_level)
    assert line["correlation_id"] == "corr-e2e-77"
    request_lines = [line for line in captured.lines if line["message"] == "request"]
    assert request_lines and request_lines[0]["correlation_id"] == "corr-e2e-77"
