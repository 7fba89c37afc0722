"""Frames written in one loop step leave as one transport write, in order, none lost."""

import asyncio

from yarl import URL

from shared.messaging.coalescing_writer import CoalescingTransportFactory, CoalescingWriter


class RecordingWriter:
    """The part of `asyncio.StreamWriter` the coalescing writer uses, recording calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    async def drain(self) -> None:
        self.calls.append(("drain", b""))

    def write_eof(self) -> None:
        self.calls.append(("eof", b""))

    def close(self) -> None:
        self.closing = True
        self.calls.append(("close", b""))

    def is_closing(self) -> bool:
        return self.closing

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


async def test_writes_in_one_step_leave_as_one_write_at_the_end_of_the_step():
    inner = RecordingWriter()
    writer = CoalescingWriter(inner)  # type: ignore[arg-type]

    for n in range(100):
        writer.write(b"%d;" % n)
    assert inner.calls == []  # nothing sent while the step still runs

    await asyncio.sleep(0)
    assert inner.calls == [("write", b"".join(b"%d;" % n for n in range(100)))]

    writer.write(b"next")
    await asyncio.sleep(0)
    assert inner.calls[-1] == ("write", b"next")
    assert len(inner.calls) == 2


async def test_drain_close_and_eof_send_what_is_queued_first():
    inner = RecordingWriter()
    writer = CoalescingWriter(inner)  # type: ignore[arg-type]

    writer.write(b"a")
    writer.write(b"b")
    await writer.drain()
    writer.write(b"c")
    writer.write_eof()
    writer.write(b"d")
    writer.close()
    await asyncio.sleep(0)  # the scheduled flush finds nothing left

    assert inner.calls == [
        ("write", b"ab"),
        ("drain", b""),
        ("write", b"c"),
        ("eof", b""),
        ("write", b"d"),
        ("close", b""),
    ]
    assert writer.get_extra_info("peername") == "info:peername"


async def test_nothing_is_written_to_a_closing_stream():
    inner = RecordingWriter()
    writer = CoalescingWriter(inner)  # type: ignore[arg-type]
    writer.write(b"late")
    inner.closing = True
    await asyncio.sleep(0)
    assert inner.calls == []


async def test_the_factory_opens_a_real_connection_and_every_byte_arrives_in_order():
    received = bytearray()
    done = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.extend(await reader.read(-1))
        writer.close()
        done.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        _, writer = await CoalescingTransportFactory().create(
            URL(f"amqp://127.0.0.1:{port}/"), ssl_context_provider=None
        )
        assert isinstance(writer, CoalescingWriter)
        expected = b""
        for step in range(5):
            for n in range(50):
                frame = b"<%d.%d>" % (step, n)
                writer.write(frame)
                expected += frame
            await asyncio.sleep(0)
        writer.write_eof()
        await asyncio.wait_for(done.wait(), 5)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    assert bytes(received) == expected
