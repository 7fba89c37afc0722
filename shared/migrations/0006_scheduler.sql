-- Scheduled jobs (the gateway scheduler role): the jobs replicas run and the history of every run.

-- Each scheduler replica upserts the jobs it declares in code when it starts. `last_slot` is the
-- catch-up watermark: the latest cron slot that was claimed or skipped, moved only under the
-- job's advisory lock, so replicas never disagree about which slots are due.
CREATE TABLE scheduled_jobs (
    name           text PRIMARY KEY,
    cron           text NOT NULL,
    timezone       text NOT NULL,
    catch_up       text NOT NULL CHECK (catch_up IN ('run_once', 'skip')),
    description    text NOT NULL,
    last_slot      timestamptz,
    registered_at  timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- One row per (job, slot): unique, so a slot can be claimed once whatever the number of replicas.
-- A claimed run is `running` under a lease that its owner extends while it works; a run whose
-- lease expired (its replica died) is taken over by another replica with `attempt` + 1, and the
-- old owner's later writes are fenced off by (id, attempt). The job's final transaction marks the
-- run succeeded together with its own effects and outbox rows. Manual runs (`python -m shared.ops
-- jobs run NAME`) are inserted as `requested` and claimed the same way.
CREATE TABLE job_runs (
    id                bigserial PRIMARY KEY,
    job               text        NOT NULL REFERENCES scheduled_jobs (name) ON DELETE CASCADE,
    scheduled_for     timestamptz NOT NULL,
    trigger           text        NOT NULL CHECK (trigger IN ('cron', 'manual')),
    status            text        NOT NULL
                      CHECK (status IN ('requested', 'running', 'succeeded', 'failed', 'skipped')),
    -- The previous slot handled: a catch-up run covers every slot after it up to scheduled_for.
    covers_after      timestamptz,
    missed_slots      int         NOT NULL DEFAULT 0 CHECK (missed_slots >= 0),
    attempt           int         NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    owner             text,
    lease_expires_at  timestamptz,
    requested_by      text,
    created_at        timestamptz NOT NULL,
    started_at        timestamptz,
    finished_at       timestamptz,
    duration_ms       int,
    error             text,
    summary           jsonb       NOT NULL DEFAULT '{}',
    UNIQUE (job, scheduled_for)
);
CREATE INDEX job_runs_open_idx ON job_runs (job, scheduled_for) WHERE status IN ('requested', 'running');
CREATE INDEX job_runs_recent_idx ON job_runs (job, created_at DESC);
CREATE INDEX job_runs_created_idx ON job_runs (created_at);

-- How often a sweep re-emitted the event of a piece of stuck work, so it gives up after a few.
CREATE TABLE stuck_work_retries (
    kind             text        NOT NULL,
    item_id          text        NOT NULL,
    attempts         int         NOT NULL CHECK (attempts >= 1),
    last_attempt_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, item_id)
);
CREATE INDEX stuck_work_retries_last_idx ON stuck_work_retries (last_attempt_at);
