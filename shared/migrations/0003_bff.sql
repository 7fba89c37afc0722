-- The bff's own records: advisor sessions, login throttling, and indexes its screens need.

-- An advisor's signed-in session. The cookie holds a random token; only its SHA-256 is
-- stored, so a database read does not hand out live sessions.
CREATE TABLE user_sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX user_sessions_last_seen_idx ON user_sessions (last_seen_at);

-- Failed sign-ins, counted in sliding windows per account, per client IP and per pair.
-- The account is a SHA-256 of the lowercased email: no address of a stranger is kept.
CREATE TABLE login_failures (
    id           bigserial PRIMARY KEY,
    account_key  text NOT NULL,
    client_ip    text NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_idx ON login_failures (account_key, occurred_at DESC);
CREATE INDEX login_failures_ip_idx ON login_failures (client_ip, occurred_at DESC);

-- SMS rate limits count an advisor's recent messages.
CREATE INDEX sms_messages_sender_idx ON sms_messages (sent_by, created_at DESC)
    WHERE sent_by IS NOT NULL;

-- Member list: keyset pagination by name or by creation time; search by name or email.
CREATE INDEX members_name_sort_idx ON members (lower(coalesce(full_name, '')), id);
CREATE INDEX members_created_sort_idx ON members (created_at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_member_id_idx ON audit_log (member_id, id DESC);
