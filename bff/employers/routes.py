"""Admin screens for employers and their eligibility files.

Admins create employers, get a presigned URL to upload a roster (or name an
object already in the files bucket), submit it, and follow its progress. A
submission is recorded `queued` and writes `eligibility.file_received` to the
outbox in the same transaction; the gateway worker does the work. A file that
would terminate too many members waits in `needs_confirmation` until an admin
confirms it here (`eligibility.terminations_confirmed`).

Only objects in the configured files bucket, under the employer's own upload
prefix (`eligibility-uploads/<employer id>/<file name>`), are accepted: the
worker never reads a bucket it was not meant to, and an admin cannot feed one
employer's roster (or any other object in the bucket) to another employer.
Presigned URLs are signed locally (`connectors.storage.object_urls`), so the bff
calls no third party.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from bff.web.api import (
    Access,
    ApiProblem,
    Endpoint,
    add_endpoints,
    json_model,
    not_found,
    path_uuid,
    read_body,
    read_query,
)
from bff.web.keys import CURRENT_USER
from connectors.storage import ObjectUrlSigner, S3Location
from shared import employers
from shared.database import Cursor, connection_cursor, transaction
from shared.eligibility import files, reports
from shared.events.eligibility import EligibilityFileReceived, EligibilityTerminationsConfirmed
from shared.messaging import outbox
from shared.web.keys import POOL, SETTINGS
from shared.web.producing import event_for_request

log = logging.getLogger(__name__)

URL_SIGNER = web.AppKey("eligibility_url_signer", ObjectUrlSigner)
UPLOAD_CONTENT_TYPE = "text/csv"
UPLOAD_PREFIX = "eligibility-uploads"
_FILES = "/api/v1/admin/employers/{employer_id}/eligibility-files"

# ---- models --------------------------------------------------------------------------


class NewEmployer(BaseModel):
    """An employer that offers Origin as a benefit."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class EmployerOut(BaseModel):
    """An employer."""

    id: uuid.UUID
    name: str
    created_at: datetime


class EmployerList(BaseModel):
    """Employers by name."""

    items: list[EmployerOut]


class EmployerQuery(BaseModel):
    """How many employers to list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=500)


class FileSubmission(BaseModel):
    """A roster already in the files bucket."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(
        max_length=1100, description="s3://bucket/key", examples=["s3://bucket/roster.csv"]
    )

    @field_validator("file")
    @classmethod
    def _location(cls, value: str) -> str:
        reports.refuse_report(S3Location.parse(value).key)
        return value


class UploadUrl(BaseModel):
    """PUT the CSV to `upload_url` (with `Content-Type: text/csv`), then submit `file`."""

    upload_url: str
    file: str
    content_type: str
    expires_in: int


class FileAccepted(BaseModel):
    """The submitted file, queued for processing."""

    id: uuid.UUID
    status: files.FileStatus


class EligibilityFileOut(BaseModel):
    """A file's progress and outcome; `report_url` downloads the line-by-line report."""

    id: uuid.UUID
    employer_id: uuid.UUID
    file: str
    status: files.FileStatus
    rows_read: int
    accepted: int
    rejected: int
    members_updated: int
    records_upserted: int
    terminated: int
    terminations_pending: int | None = Field(
        description="Set while the file waits for confirmation: members it would terminate."
    )
    active_members: int | None
    error: str | None
    report_url: str | None
    rejected_sample: list[files.RejectedLine] = Field(
        description=f"The first {files.REJECTED_SAMPLE} rejected lines and why (all: the report)."
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    confirmed_at: datetime | None


class EligibilityFileList(BaseModel):
    """An employer's files, newest first."""

    items: list[EligibilityFileOut]


class FileListQuery(BaseModel):
    """How many files to list."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=100)


# ---- handlers ------------------------------------------------------------------------


async def create_employer(request: web.Request) -> web.StreamResponse:
    """Create an employer; 409 when the name is taken (case-insensitively)."""
    new = await read_body(request, NewEmployer)
    async with transaction(request.app[POOL]) as cur:
        created = await employers.create_employer(cur, new.name)
    if created is None:
        raise ApiProblem(409, "Conflict", detail="An employer with this name exists.")
    employer = EmployerOut(id=created.id, name=created.name, created_at=created.created_at)
    log.info(
        "employer created",
        extra={"employer_id": str(employer.id), "by": str(request[CURRENT_USER].id)},
    )
    return json_model(employer, status=201)


async def list_employers(request: web.Request) -> web.StreamResponse:
    """Employers by name."""
    query = read_query(request, EmployerQuery)
    async with connection_cursor(request.app[POOL]) as cur:
        await cur.execute(
            "SELECT id, name, created_at FROM employers ORDER BY lower(name), id LIMIT %s",
            (query.limit,),
        )
        rows = await cur.fetchall()
    return json_model(
        EmployerList(items=[EmployerOut(id=r[0], name=r[1], created_at=r[2]) for r in rows])
    )


async def _require_employer(cur: Cursor, employer_id: uuid.UUID) -> None:
    await cur.execute("SELECT 1 FROM employers WHERE id = %s", (str(employer_id),))
    if await cur.fetchone() is None:
        raise not_found()


async def upload_url(request: web.Request) -> web.StreamResponse:
    """A presigned PUT URL for a new roster of this employer, and the `file` to submit after."""
    employer_id = path_uuid(request, "employer_id")
    async with connection_cursor(request.app[POOL]) as cur:
        await _require_employer(cur, employer_id)
    location = S3Location(
        request.app[SETTINGS].files_bucket,
        f"{upload_prefix(employer_id)}{uuid.uuid4()}.csv",
    )
    signer = request.app[URL_SIGNER]
    url = await signer.put_url(location, content_type=UPLOAD_CONTENT_TYPE)
    return json_model(
        UploadUrl(
            upload_url=url,
            file=str(location),
            content_type=UPLOAD_CONTENT_TYPE,
            expires_in=signer.expires_in,
        )
    )


def upload_prefix(employer_id: uuid.UUID) -> str:
    """The key prefix under which an employer's rosters are uploaded (and only theirs)."""
    return f"{UPLOAD_PREFIX}/{employer_id}/"


def _invalid_file(message: str) -> ApiProblem:
    return ApiProblem(
        422,
        "Invalid request",
        detail="Invalid fields: file",
        errors=[{"field": "file", "message": message}],
    )


def _check_location(location: S3Location, *, bucket: str, employer_id: uuid.UUID) -> None:
    """422 unless the object is a file directly under this employer's upload prefix."""
    if location.bucket != bucket:
        raise _invalid_file("files must be in the eligibility files bucket")
    prefix = upload_prefix(employer_id)
    name = location.key.removeprefix(prefix)
    if name == location.key or not name or "/" in name or name in (".", ".."):
        raise _invalid_file(f"files must be uploaded under {prefix} (ask for an upload URL)")


async def submit_file(request: web.Request) -> web.StreamResponse:
    """Queue a roster for processing: 202 with its id; the worker picks it up from the outbox."""
    employer_id = path_uuid(request, "employer_id")
    submission = await read_body(request, FileSubmission)
    location = S3Location.parse(submission.file)
    _check_location(location, bucket=request.app[SETTINGS].files_bucket, employer_id=employer_id)
    try:
        async with transaction(request.app[POOL]) as cur:
            await _require_employer(cur, employer_id)
            file = await files.create(
                cur,
                employer_id=employer_id,
                bucket=location.bucket,
                object_key=location.key,
                submitted_by=request[CURRENT_USER].id,
            )
            await outbox.add(
                cur,
                event_for_request(
                    request,
                    EligibilityFileReceived(file_id=file.id, employer_id=employer_id),
                    name="eligibility.file_received",
                ),
            )
    except files.ObjectAlreadySubmitted as exc:
        raise ApiProblem(
            409,
            "Conflict",
            detail="This file was already submitted; upload a new file to process it again.",
            file_id=str(exc.file_id),
        ) from None
    log.info(
        "eligibility file submitted",
        extra={"file_id": str(file.id), "employer_id": str(employer_id)},
    )
    response = json_model(FileAccepted(id=file.id, status=file.status), status=202)
    response.headers["Location"] = _FILES.format(employer_id=employer_id) + f"/{file.id}"
    return response


async def file_out(request: web.Request, file: files.EligibilityFile) -> EligibilityFileOut:
    report_url = None
    if file.report_key is not None:
        report = S3Location(file.bucket, file.report_key)
        report_url = await request.app[URL_SIGNER].get_url(report)
    return EligibilityFileOut(
        id=file.id,
        employer_id=file.employer_id,
        file=f"s3://{file.bucket}/{file.object_key}",
        status=file.status,
        rows_read=file.rows_read,
        accepted=file.accepted,
        rejected=file.rejected,
        members_updated=file.members_updated,
        records_upserted=file.records_upserted,
        terminated=file.terminated,
        terminations_pending=file.terminations_pending,
        active_members=file.active_members,
        error=file.error,
        report_url=report_url,
        rejected_sample=file.rejected_sample,
        created_at=file.created_at,
        started_at=file.started_at,
        finished_at=file.finished_at,
        confirmed_at=file.confirmed_at,
    )


async def get_file(request: web.Request) -> web.StreamResponse:
    """A file's status, counts and report link (poll it for a progress bar)."""
    employer_id = path_uuid(request, "employer_id")
    file_id = path_uuid(request, "file_id")
    async with connection_cursor(request.app[POOL]) as cur:
        file = await files.get(cur, file_id, employer_id=employer_id)
    if file is None:
        raise not_found()
    return json_model(await file_out(request, file))


async def list_files(request: web.Request) -> web.StreamResponse:
    """An employer's files, newest first."""
    employer_id = path_uuid(request, "employer_id")
    query = read_query(request, FileListQuery)
    async with connection_cursor(request.app[POOL]) as cur:
        await _require_employer(cur, employer_id)
        found = await files.list_for_employer(cur, employer_id, limit=query.limit)
    items = [await file_out(request, file) for file in found]
    return json_model(EligibilityFileList(items=items))


async def confirm_file(request: web.Request) -> web.StreamResponse:
    """Confirm the terminations a held file would make; 409 unless it awaits confirmation."""
    employer_id = path_uuid(request, "employer_id")
    file_id = path_uuid(request, "file_id")
    user = request[CURRENT_USER]
    async with transaction(request.app[POOL]) as cur:
        file = await files.confirm(cur, file_id, employer_id=employer_id, user_id=user.id)
        if file is None:
            existing = await files.get(cur, file_id, employer_id=employer_id)
            if existing is None:
                raise not_found()
            raise ApiProblem(
                409,
                "Conflict",
                detail="This file is not waiting for a confirmation.",
                status_now=existing.status.value,
            )
        await outbox.add(
            cur,
            event_for_request(
                request,
                EligibilityTerminationsConfirmed(
                    file_id=file_id, employer_id=employer_id, confirmed_by=user.id
                ),
                name="eligibility.terminations_confirmed",
            ),
        )
    log.info(
        "eligibility terminations confirmed",
        extra={"file_id": str(file_id), "by": str(user.id), "pending": file.terminations_pending},
    )
    return json_model(FileAccepted(id=file.id, status=file.status), status=202)


# ---- wiring --------------------------------------------------------------------------


def setup(app: web.Application) -> None:
    """Add the employer and eligibility-file routes, and the URL signer they use."""
    app.cleanup_ctx.append(_url_signer)
    add_endpoints(
        app,
        [
            Endpoint(
                "POST",
                "/api/v1/admin/employers",
                create_employer,
                "Create an employer",
                "employers",
                access=Access.ADMIN,
                body=NewEmployer,
                responses={201: EmployerOut},
            ),
            Endpoint(
                "GET",
                "/api/v1/admin/employers",
                list_employers,
                "List employers",
                "employers",
                access=Access.ADMIN,
                query=EmployerQuery,
                responses={200: EmployerList},
            ),
            Endpoint(
                "POST",
                _FILES + "/upload-url",
                upload_url,
                "Get a presigned URL to upload an eligibility file",
                "employers",
                access=Access.ADMIN,
                responses={200: UploadUrl},
            ),
            Endpoint(
                "POST",
                _FILES,
                submit_file,
                "Submit an eligibility file for processing",
                "employers",
                access=Access.ADMIN,
                body=FileSubmission,
                responses={202: FileAccepted},
            ),
            Endpoint(
                "GET",
                _FILES,
                list_files,
                "List an employer's eligibility files",
                "employers",
                access=Access.ADMIN,
                query=FileListQuery,
                responses={200: EligibilityFileList},
            ),
            Endpoint(
                "GET",
                _FILES + "/{file_id}",
                get_file,
                "An eligibility file's progress and report",
                "employers",
                access=Access.ADMIN,
                responses={200: EligibilityFileOut},
            ),
            Endpoint(
                "POST",
                _FILES + "/{file_id}/confirm",
                confirm_file,
                "Confirm the terminations a held eligibility file would make",
                "employers",
                access=Access.ADMIN,
                responses={202: FileAccepted},
            ),
        ],
    )


async def _url_signer(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    signer = ObjectUrlSigner(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url)
    app[URL_SIGNER] = signer
    yield
    await signer.close()
