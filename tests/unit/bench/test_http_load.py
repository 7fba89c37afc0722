"""The benchmarks' load driver counts what the server really answered."""

from aiohttp import web
from aiohttp.test_utils import TestServer

from bench import http_load


async def test_it_counts_requests_and_every_non_200_answer_as_an_error():
    seen: list[bytes] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(await request.read())
        if request.query.get("fail"):
            return web.json_response({"title": "no"}, status=404)
        return web.json_response({"received": True, "padding": "x" * 5000})

    app = web.Application()
    app.router.add_post("/hook", echo)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    assert server.port is not None
    try:
        host = f"127.0.0.1:{server.port}"
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        requests = [
            http_load.build_request("POST", "/hook", host, headers, b"a=1"),
            http_load.build_request("POST", "/hook?fail=1", host, headers, b"a=2"),
        ]
        figures = await http_load.drive(
            "127.0.0.1", server.port, requests, connections=4, seconds=0.3, warmup_seconds=0.1
        )
    finally:
        await server.close()

    assert figures["requests"] > 10
    assert abs(figures["errors"] - figures["requests"] / 2) <= 4  # every other one was a 404
    assert len(figures["latencies_ms"]) == figures["requests"]
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert set(seen) == {b"a=1", b"a=2"}


def test_a_request_carries_its_length_and_headers():
    raw = http_load.build_request("GET", "/x?y=1", "h:1", {"Cookie": "s=1"})
    assert raw == b"GET /x?y=1 HTTP/1.1\r\nHost: h:1\r\nCookie: s=1\r\n\r\n"
    posted = http_load.build_request("POST", "/p", "h:1", {}, b"abc")
    assert posted.endswith(b"Content-Length: 3\r\n\r\nabc")
