"""An eligibility file's live progress stream: its state now, every change, then the end."""

from __future__ import annotations

import pytest

from bff.employers.routes import EligibilityFileOut
from shared.database import Pool
from tests.integration.eligibility.conftest import Employer, make_employee_member, member_emails
from tests.support.sse import EventStream

pytestmark = pytest.mark.usefixtures("worker")


async def test_a_held_file_streams_its_hold_then_its_confirmed_outcome(
    employer: Employer, pool: Pool
):
    members = [await make_employee_member(pool, employer.id) for _ in range(5)]
    emails = sorted((await member_emails(pool, members)).values())
    held = await employer.process("email,country\n" + "\n".join(f"{e},FR" for e in emails[:3]))
    assert held["status"] == "needs_confirmation", held

    response = await employer.admin.client.get(
        f"{employer.files_path}/{held['id']}/events", headers=employer.admin.headers(csrf=False)
    )
    assert response.status == 200 and response.content_type == "text/event-stream"
    stream = EventStream(response)
    first = await stream.next()
    await stream.nothing_within(0.3)  # a held file waits: the stream stays open, quietly
    confirmed = await employer.admin.post(f"{employer.files_path}/{held['id']}/confirm")
    assert confirmed.status == 202
    states = []
    while (event := await stream.next(timeout=30)).event == "file":
        states.append(EligibilityFileOut.model_validate(event.data))
    response.close()

    assert first.event == "file"
    assert first.data["status"] == "needs_confirmation"
    assert first.data["terminations_pending"] == 2
    assert states[-1].status == "done" and states[-1].terminated == 2
    assert event.event == "end" and event.data == {"reason": "finished"}


async def test_the_file_stream_is_for_admins_and_existing_files(employer: Employer, pool: Pool):
    done = await employer.process("email,country\nnobody@example.com,US\n")
    path = f"{employer.files_path}/{done['id']}/events"

    anonymous = await employer.admin.client.get(path)
    missing = await employer.admin.get(
        f"{employer.files_path}/00000000-0000-0000-0000-000000000000/events"
    )
    finished = await employer.admin.get(path)
    events = EventStream(finished)
    last_state, end = await events.next(), await events.next()

    assert anonymous.status == 401 and missing.status == 404
    assert last_state.data["status"] == "done" and end.data == {"reason": "finished"}
