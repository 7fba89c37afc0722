-- Sign-up proves the email address before a member exists (issue 15, finding 1).
--
-- A pending sign-up holds what the person chose (the password only as its argon2id hash)
-- and the SHA-256 of a single-use verification token; the token itself exists only in
-- the email. The member is created when the link is used, within 24 hours.
CREATE TABLE pending_signups (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    full_name      text,
    country        char(2) NOT NULL,
    password_hash  text NOT NULL,
    token_hash     bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    -- Verification attempts are counted before the password is checked, so a link's
    -- holder gets a bounded number of guesses however many requests arrive at once.
    attempts       int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    member_id      uuid REFERENCES members (id)
);
CREATE INDEX pending_signups_email_idx ON pending_signups (lower(email));
CREATE INDEX pending_signups_expires_idx ON pending_signups (expires_at);

-- Email to people (sign-up verification, "you already have an account"). The bff writes
-- the row and `email.requested` in one transaction; the gateway worker sends it through
-- SES. Bodies are erased once the send has an outcome: they can hold a verification link.
CREATE TABLE email_messages (
    id                   uuid PRIMARY KEY,
    to_address           text NOT NULL,
    purpose              text NOT NULL CHECK (purpose IN ('signup_verification', 'signup_account_exists')),
    subject              text NOT NULL,
    text_body            text,
    html_body            text,
    status               text NOT NULL DEFAULT 'requested'
                         CHECK (status IN ('requested', 'sending', 'sent', 'failed', 'not_dispatched')),
    provider_message_id  text UNIQUE,
    error_code           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_messages_stuck_idx ON email_messages (updated_at) WHERE status IN ('requested', 'sending');
