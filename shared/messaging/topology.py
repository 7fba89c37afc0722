"""Every exchange, queue and binding, declared idempotently in one place.

Per consumer queue `Q`:
- `Q`: durable quorum queue bound to the events exchange by event type, with an
  explicit delivery limit and dead-lettering to `Q.dlq` (set explicitly so
  RabbitMQ 3.10 and 3.13/4.x behave the same);
- `Q.retry.<tier>`: classic durable queues with a message TTL that dead-letter
  back into `Q` through the default exchange: the delayed retry tiers;
- `Q.dlq`: durable quorum queue where poison messages wait for an operator.

Retries and dead letters are published by the consumer runner through the
default exchange (routing key = queue name); the broker's own dead-lettering
(delivery limit exceeded after crashes) goes through `origin.dlx`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiormq.abc import AbstractChannel

EVENTS_EXCHANGE = "origin.events"
DEAD_LETTER_EXCHANGE = "origin.dlx"
DELIVERY_LIMIT = 10


@dataclass(frozen=True)
class RetryTier:
    """A delay before a failed message is tried again."""

    name: str
    delay_ms: int


DEFAULT_RETRY_TIERS = (
    RetryTier("5s", 5_000),
    RetryTier("1m", 60_000),
    RetryTier("10m", 600_000),
)


@dataclass(frozen=True)
class QueueSpec:
    """One consumer's queue: its name, the event types it receives and its retry tiers."""

    name: str
    routing_keys: tuple[str, ...]
    retry_tiers: tuple[RetryTier, ...] = field(default=DEFAULT_RETRY_TIERS)

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dlq"

    def retry_queue(self, tier: RetryTier) -> str:
        return f"{self.name}.retry.{tier.name}"


# The production queues: one per consumer. Roles consume the ones they run.
QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec("gateway.sms", ("sms.requested",)),
    QueueSpec("gateway.sms_status", ("sms.status_changed",)),
    QueueSpec("gateway.accounts", ("accounts.sync_requested", "accounts.item_status_reported")),
    QueueSpec("gateway.scheduling", ("scheduling.invitee_reported",)),
    QueueSpec(
        "gateway.eligibility", ("eligibility.file_received", "eligibility.terminations_confirmed")
    ),
    QueueSpec("gateway.email", ("email.requested",)),
)


def queue_by_name(name: str, queues: tuple[QueueSpec, ...] = QUEUES) -> QueueSpec:
    """The spec of a declared queue (or of its dead-letter queue's parent)."""
    base = name.removesuffix(".dlq")
    for spec in queues:
        if spec.name == base:
            return spec
    raise KeyError(f"no such queue: {name}")


async def declare_exchanges(channel: AbstractChannel) -> None:
    """The events topic exchange and the dead-letter exchange."""
    await channel.exchange_declare(EVENTS_EXCHANGE, exchange_type="topic", durable=True)
    await channel.exchange_declare(DEAD_LETTER_EXCHANGE, exchange_type="direct", durable=True)


async def declare_queue(channel: AbstractChannel, spec: QueueSpec) -> None:
    """Declare one consumer's queue, its retry tiers and its dead-letter queue, with bindings."""
    await channel.queue_declare(
        spec.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await channel.queue_bind(spec.dead_letter_queue, DEAD_LETTER_EXCHANGE, routing_key=spec.name)
    await channel.queue_declare(
        spec.name,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": spec.name,
        },
    )
    for routing_key in spec.routing_keys:
        await channel.queue_bind(spec.name, EVENTS_EXCHANGE, routing_key=routing_key)
    for tier in spec.retry_tiers:
        await channel.queue_declare(
            spec.retry_queue(tier),
            durable=True,
            arguments={
                "x-queue-type": "classic",
                "x-message-ttl": tier.delay_ms,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": spec.name,
            },
        )


async def declare(channel: AbstractChannel, queues: tuple[QueueSpec, ...] = QUEUES) -> None:
    """Declare the whole topology; safe to call at every start and reconnect."""
    await declare_exchanges(channel)
    for spec in queues:
        await declare_queue(channel, spec)
