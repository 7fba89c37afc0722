-- Outbound rate limits shared by every replica (connectors/rate_limit.py, SharedLimiter).
-- One row per bucket (one SMS sender, one linked login at one endpoint, one provider
-- account at one endpoint) holding the start times, in epoch seconds, of the calls granted
-- within the last period; a grant may lie up to `max_wait` in the future, and the caller
-- sleeps until then. Postgres rather than Redis: every role already has it (Redis is not in
-- the deployed stack), and one call costs one statement on a row lock.
CREATE TABLE rate_limit_buckets (
    bucket      text PRIMARY KEY,
    starts      double precision[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_buckets_updated_idx ON rate_limit_buckets (updated_at);

-- Take a slot in `p_bucket` (at most `p_limit` calls start in any `p_period` seconds, and,
-- when `p_spacing` > 0, consecutive calls start at least that far apart: a per-second limit
-- is then met as an even flow rather than a burst at the start of each second).
-- Returns the seconds to wait before calling (>= 0), or, when the slot is more than
-- `p_max_wait` away, minus the seconds until it would be free (nothing is reserved then).
-- Times come from the database's clock, so replicas with skewed clocks still agree.
CREATE FUNCTION rate_limit_acquire(
    p_bucket text,
    p_limit integer,
    p_period double precision,
    p_max_wait double precision,
    p_spacing double precision DEFAULT 0
) RETURNS double precision
LANGUAGE plpgsql AS $$
DECLARE
    held double precision[];
    kept double precision[];
    now_s double precision;
    slot double precision;
BEGIN
    INSERT INTO rate_limit_buckets (bucket) VALUES (p_bucket) ON CONFLICT (bucket) DO NOTHING;
    SELECT starts INTO held FROM rate_limit_buckets WHERE bucket = p_bucket FOR UPDATE;
    now_s := extract(epoch FROM clock_timestamp());
    kept := ARRAY(SELECT s FROM unnest(held) AS s WHERE s > now_s - p_period ORDER BY s);
    IF cardinality(kept) < p_limit THEN
        slot := now_s;
    ELSE
        slot := greatest(now_s, kept[cardinality(kept) - p_limit + 1] + p_period);
    END IF;
    IF p_spacing > 0 AND cardinality(kept) > 0 THEN
        slot := greatest(slot, kept[cardinality(kept)] + p_spacing);
    END IF;
    IF slot - now_s > p_max_wait THEN
        UPDATE rate_limit_buckets SET starts = kept, updated_at = now() WHERE bucket = p_bucket;
        RETURN -(slot - now_s);
    END IF;
    UPDATE rate_limit_buckets SET starts = kept || slot, updated_at = now()
     WHERE bucket = p_bucket;
    RETURN slot - now_s;
END;
$$;
