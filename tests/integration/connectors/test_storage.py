"""The S3 file store against moto's server: streaming, create-only uploads, presigned URLs."""

from __future__ import annotations

import time
import tracemalloc

import httpx
import pytest

from connectors.storage import LineTooLong, ObjectAlreadyExists, ObjectNotFound, S3FileStore
from tests.integration.connectors.conftest import raw_s3, storage_config
from tests.support.moto_server import MotoServer

LARGE_OBJECT_BYTES = 50 * 1024 * 1024
LINE = b"employee-%08d,ACME Corp,eligible,2025-01-01," + b"x" * 150 + b"\n"


async def test_lines_come_back_without_endings_including_crlf_and_a_last_unterminated_line(
    store: S3FileStore, moto: MotoServer, bucket: str
):
    raw_s3(moto).put_object(
        Bucket=bucket, Key="small.csv", Body="a,1\r\nb,2\nçé,3\n\nlast".encode()
    )

    lines = [line async for line in store.iter_lines("small.csv")]

    assert lines == ["a,1", "b,2", "çé,3", "", "last"]


async def test_batches_of_lines_are_the_same_lines_whatever_the_chunks_cut(
    moto: MotoServer, bucket: str
):
    # Chunks of 1 KiB cut lines, CRLFs and a broken UTF-8 sequence before a newline.
    body = b"".join(b"row-%05d,\xc3\xa7\xe2\x82,end\r\n" % n for n in range(500)) + b"last"
    raw_s3(moto).put_object(Bucket=bucket, Key="cut.csv", Body=body)
    expected = [
        line.removesuffix(b"\r").decode("utf-8", errors="replace") for line in body.split(b"\n")
    ]

    async with S3FileStore(storage_config(moto, bucket, chunk_bytes=1024)) as store:
        batches = [batch async for batch in store.iter_line_batches("cut.csv")]
        lines = [line async for line in store.iter_lines("cut.csv")]

    assert len(batches) > 1
    assert [line for batch in batches for line in batch] == expected == lines
    assert expected[0] == "row-00000,\u00e7\ufffd,end"


async def test_a_50_mb_object_streams_line_by_line_with_flat_memory(
    moto: MotoServer, bucket: str, tmp_path
):
    source = tmp_path / "eligibility.csv"
    count = 0
    with source.open("wb") as out:
        while out.tell() < LARGE_OBJECT_BYTES:
            out.write(LINE % count)
            count += 1
    with source.open("rb") as body:
        raw_s3(moto).upload_fileobj(body, bucket, "eligibility.csv")
    config = storage_config(moto, bucket, chunk_bytes=256 * 1024)

    async with S3FileStore(config) as store:
        tracemalloc.start()
        started = time.perf_counter()
        try:
            seen = 0
            total_bytes = 0
            async for line in store.iter_lines("eligibility.csv"):
                if seen == 0 or seen == count - 1:
                    assert line.startswith(f"employee-{seen:08d},")
                seen += 1
                total_bytes += len(line) + 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        elapsed = time.perf_counter() - started

    assert seen == count
    assert total_bytes == source.stat().st_size
    # The object is 50 MB; what is held at once is a chunk, its lines and botocore's buffers.
    assert peak < 8 * 1024 * 1024, f"peak traced memory {peak / 1e6:.1f} MB"
    assert elapsed < 60


async def test_stopping_early_releases_the_stream_so_the_store_keeps_working(
    store: S3FileStore, moto: MotoServer, bucket: str
):
    raw_s3(moto).put_object(Bucket=bucket, Key="many.txt", Body=b"line\n" * 100_000)

    for _ in range(3):
        async for _line in store.iter_lines("many.txt"):
            break

    assert [line async for line in store.iter_lines("many.txt")][:2] == ["line", "line"]


async def test_a_line_longer_than_the_limit_is_refused(moto: MotoServer, bucket: str):
    raw_s3(moto).put_object(Bucket=bucket, Key="blob.txt", Body=b"x" * 20_000)
    config = storage_config(moto, bucket, chunk_bytes=1024, max_line_bytes=4096)

    async with S3FileStore(config) as store:
        with pytest.raises(LineTooLong):
            async for _ in store.iter_lines("blob.txt"):
                pass


async def test_reading_a_missing_key_raises_object_not_found(store: S3FileStore):
    with pytest.raises(ObjectNotFound) as caught:
        async for _ in store.iter_lines("nope.csv"):
            pass

    assert caught.value.code == "NoSuchKey"
    assert "nope.csv" not in str(caught.value)


async def test_a_create_only_upload_refuses_an_existing_key_and_keeps_the_original(
    store: S3FileStore, moto: MotoServer, bucket: str
):
    await store.put_new("reports/2025-01.csv", b"first", content_type="text/csv")

    with pytest.raises(ObjectAlreadyExists):
        await store.put_new("reports/2025-01.csv", b"second", content_type="text/csv")

    stored = raw_s3(moto).get_object(Bucket=bucket, Key="reports/2025-01.csv")
    assert stored["Body"].read() == b"first"
    assert stored["ContentType"] == "text/csv"


async def test_a_create_only_upload_takes_a_file(store: S3FileStore, tmp_path):
    report = tmp_path / "report.csv"
    report.write_bytes(b"a,b\n1,2\n")

    with report.open("rb") as handle:
        await store.put_new("reports/file.csv", handle, content_type="text/csv")

    assert [line async for line in store.iter_lines("reports/file.csv")] == ["a,b", "1,2"]


async def test_presigned_put_then_get_urls_work_over_plain_http(store: S3FileStore):
    put_url = await store.presigned_put_url("uploads/eligibility.csv", content_type="text/csv")
    get_url = await store.presigned_get_url("uploads/eligibility.csv", expires_in=60)

    async with httpx.AsyncClient(timeout=10) as client:
        uploaded = await client.put(
            put_url, content=b"id\n42\n", headers={"Content-Type": "text/csv"}
        )
        downloaded = await client.get(get_url)

    assert uploaded.status_code == 200
    assert downloaded.status_code == 200
    assert downloaded.content == b"id\n42\n"
    assert "X-Amz-Expires=60" in get_url


async def test_presigned_urls_are_signed_and_expire(store: S3FileStore):
    # moto does not check signatures, so this asserts what S3 would check.
    url = await store.presigned_get_url("private.txt")

    assert "X-Amz-Signature=" in url
    assert "X-Amz-Expires=900" in url
    assert "X-Amz-Credential=" in url
