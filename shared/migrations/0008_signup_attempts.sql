-- Sign-up attempts per client IP, so one address cannot create members (or make us hash
-- passwords) without end. Kept a day by the retention job: each row holds a client IP.
CREATE TABLE signup_attempts (
    id           bigserial PRIMARY KEY,
    client_ip    text NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signup_attempts_ip_idx ON signup_attempts (client_ip, occurred_at DESC);
