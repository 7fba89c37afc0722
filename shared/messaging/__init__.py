"""Events between processes: envelopes, outbox, relay, topology and consumers on RabbitMQ."""
