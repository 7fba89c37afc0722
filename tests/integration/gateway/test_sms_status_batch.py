"""A batch of status callbacks, applied in one set-based UPDATE, ends where one at a time would."""

import random

from shared.database import transaction
from shared.sms import messages as sms_messages
from tests.integration.gateway import builders

STATUSES = ["sending", "sent", "delivered", "undelivered", "failed"]


Step = tuple[int, str, str | None, str | None]  # message 0 or 1, status, provider id, error


def _steps(rng: random.Random, round_: int) -> list[Step]:
    """Random callbacks for messages 0 and 1; provider ids are unique per message and round."""
    steps = []
    for _ in range(rng.randint(1, 6)):
        index = rng.randint(0, 1)
        steps.append(
            (
                index,
                rng.choice(STATUSES),
                rng.choice([None, f"{round_}-{index}-{rng.randint(0, 2)}"]),
                rng.choice([None, None, f"3000{rng.randint(0, 9)}"]),
            )
        )
    return steps


def _tagged(tag: str, provider_id: str | None) -> str | None:
    return f"{tag}:{provider_id}" if provider_id else None


async def test_advance_many_matches_advancing_one_step_at_a_time(pool):
    member_id, _ = await builders.member(pool)
    rng = random.Random(19)
    for round_ in range(40):
        start = rng.choice(["requested", "sending", "sent"])
        one_by_one = [await builders.sms_message(pool, member_id, status=start) for _ in range(2)]
        batched = [await builders.sms_message(pool, member_id, status=start) for _ in range(2)]
        steps = _steps(rng, round_)
        async with transaction(pool) as cur:
            for index, status, provider_id, error in steps:
                await sms_messages.advance(
                    cur,
                    one_by_one[index],
                    status,
                    provider_message_id=_tagged("one", provider_id),
                    error_code=error,
                )
            await sms_messages.advance_many(
                cur,
                [
                    sms_messages.Step(batched[index], status, _tagged("batch", provider_id), error)
                    for index, status, provider_id, error in steps
                ],
            )
        for single, batch in zip(one_by_one, batched, strict=True):
            status, provider_id, error = await builders.message_row(pool, single)
            expected = (status, _tagged("batch", provider_id and provider_id[4:]), error)
            assert await builders.message_row(pool, batch) == expected, (start, steps)


async def test_a_late_sent_in_the_same_batch_never_moves_delivered_back(pool):
    member_id, _ = await builders.member(pool)
    message_id = await builders.sms_message(pool, member_id, status="sending")
    async with transaction(pool) as cur:
        await sms_messages.advance_many(
            cur,
            [
                sms_messages.Step(message_id, "delivered", provider_message_id="SM1"),
                sms_messages.Step(message_id, "sent", error_code="30001"),
            ],
        )
    assert await builders.message_row(pool, message_id) == ("delivered", "SM1", None)
