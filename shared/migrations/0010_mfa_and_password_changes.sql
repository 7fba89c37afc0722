-- Multi-factor sign-in (TOTP and recovery codes), password changes forced by an admin
-- reset, and the account events that audit them (issue 15, finding 4).

-- A user's TOTP authenticator. The secret is Fernet-encrypted with MFA_SECRET_ENCRYPTION_KEYS
-- (the database never holds it in clear). MFA is on once `confirmed_at` is set; until then
-- the row is an enrollment in progress. `last_used_step` is the RFC 6238 time step of the
-- last accepted code: a code of that step or an earlier one is refused (no replay).
CREATE TABLE user_mfa (
    user_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_encrypted  text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    confirmed_at      timestamptz,
    last_used_step    bigint NOT NULL DEFAULT 0
);

-- Single-use recovery codes, shown once at enrollment. Each holds 120 random bits, so a
-- SHA-256 is enough to store it (ASVS 6.5.2: >= 112 bits needs no slow hash).
CREATE TABLE mfa_recovery_codes (
    id         bigserial PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    UNIQUE (user_id, code_hash)
);

-- A sign-in whose password was right and whose second factor is still owed. The browser
-- holds the token in a short-lived cookie; only its SHA-256 is stored. `attempts` counts
-- codes tried, counted before each check; rows stay until the per-user window has passed
-- so failures across challenges add up.
CREATE TABLE mfa_challenges (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id, created_at DESC);

-- A session records whether its sign-in proved the second factor.
ALTER TABLE user_sessions ADD COLUMN mfa_verified_at timestamptz;

-- Set by an admin reset: until the user picks a new password, every route but the
-- password change refuses their session.
ALTER TABLE users ADD COLUMN password_change_required boolean NOT NULL DEFAULT false;

-- Security events of an account (password changed or reset, MFA enabled or reset, a
-- recovery code used), append-only like `audit_log`. `actor_id` is who did it (NULL: an
-- operator command), `user_id` the account it concerns.
CREATE TABLE account_events (
    id          bigserial PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id),
    actor_id    uuid REFERENCES users (id),
    event       text NOT NULL,
    request_id  text,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_events_user_idx ON account_events (user_id, id DESC);
CREATE TRIGGER account_events_no_update BEFORE UPDATE OR DELETE ON account_events
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
