-- Gateway: breaker states each worker/web replica reports, so the ops page shows the fleet.
CREATE TABLE provider_breakers (
    instance    text        NOT NULL,   -- "<role>@<hostname>:<pid>"
    provider    text        NOT NULL,
    state       text        NOT NULL,
    snapshot    jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance, provider)
);
CREATE INDEX provider_breakers_updated_idx ON provider_breakers (updated_at);
