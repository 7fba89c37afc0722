-- The core records shared by the bff and the gateway. Money is numeric (never float),
-- times are timestamptz (UTC). Emails are unique case-insensitively.

CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    full_name      text NOT NULL,
    role           text NOT NULL CHECK (role IN ('advisor', 'admin')),
    password_hash  text NOT NULL,
    disabled_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE employers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX employers_name_key ON employers (lower(name));

CREATE TABLE members (
    id             uuid PRIMARY KEY,
    email          text NOT NULL,
    full_name      text,
    phone_e164     text CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    country        char(2) NOT NULL,
    sms_opt_in     boolean NOT NULL DEFAULT false,
    access_type    text NOT NULL CHECK (access_type IN ('employer', 'dtc')),
    employer_id    uuid REFERENCES employers (id),
    birth_date     date,
    salary         numeric(14, 2) CHECK (salary >= 0),
    advisor_id     uuid REFERENCES users (id),
    password_hash  text,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'terminated')),
    terminated_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((access_type = 'employer') = (employer_id IS NOT NULL))
);
CREATE UNIQUE INDEX members_email_key ON members (lower(email));
CREATE INDEX members_advisor_idx ON members (advisor_id, id);
CREATE INDEX members_employer_idx ON members (employer_id) WHERE employer_id IS NOT NULL;

-- The financial profile advisors work from (one row per member).
CREATE TABLE member_profiles (
    member_id       uuid PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    age             int CHECK (age BETWEEN 0 AND 150),
    dependents      int CHECK (dependents BETWEEN 0 AND 150),
    annual_income   numeric(14, 2) CHECK (annual_income >= 0),
    monthly_costs   numeric(14, 2) CHECK (monthly_costs >= 0),
    marital_status  text CHECK (marital_status IN ('single', 'married', 'divorced', 'domestic partnership')),
    houses          jsonb NOT NULL DEFAULT '[]',
    vehicles        jsonb NOT NULL DEFAULT '[]',
    risk_answers    jsonb,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE member_notes (
    id          uuid PRIMARY KEY,
    member_id   uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL REFERENCES users (id),
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_notes_member_idx ON member_notes (member_id, created_at DESC);

CREATE TABLE risk_profiles (
    id           uuid PRIMARY KEY,
    member_id    uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    computed_by  uuid REFERENCES users (id),
    computed_at  timestamptz NOT NULL DEFAULT now(),
    input        jsonb NOT NULL,
    result       jsonb NOT NULL,
    explanation  jsonb NOT NULL
);
CREATE INDEX risk_profiles_member_idx ON risk_profiles (member_id, computed_at DESC);

-- SMS to members. Status only moves forward (see the gateway's SMS flow).
CREATE TABLE sms_messages (
    id                   uuid PRIMARY KEY,
    member_id            uuid NOT NULL REFERENCES members (id),
    sent_by              uuid REFERENCES users (id),
    purpose              text NOT NULL DEFAULT 'advisor' CHECK (purpose IN ('advisor', 'reminder_24h', 'reminder_1h')),
    appointment_id       uuid,
    template             text,
    body                 text NOT NULL,
    status               text NOT NULL DEFAULT 'requested'
                         CHECK (status IN ('requested', 'sending', 'sent', 'delivered', 'undelivered', 'failed')),
    provider_message_id  text UNIQUE,
    error_code           text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_messages_member_idx ON sms_messages (member_id, created_at DESC);
-- Each reminder goes once per appointment, whatever restarts or redeliveries happen.
CREATE UNIQUE INDEX sms_messages_reminder_key ON sms_messages (appointment_id, purpose)
    WHERE appointment_id IS NOT NULL;
CREATE INDEX sms_messages_stuck_idx ON sms_messages (updated_at) WHERE status IN ('requested', 'sending');

-- Linked logins at the aggregation provider and their accounts.
CREATE TABLE linked_items (
    id                      uuid PRIMARY KEY,
    member_id               uuid NOT NULL REFERENCES members (id),
    provider_item_id        text NOT NULL UNIQUE,
    institution_name        text,
    access_token_encrypted  text NOT NULL,
    status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_relink', 'disconnected')),
    sync_status             text NOT NULL DEFAULT 'idle' CHECK (sync_status IN ('idle', 'syncing', 'failed')),
    sync_started_at         timestamptz,
    last_synced_at          timestamptz,
    transactions_cursor     text,
    error_code              text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX linked_items_member_idx ON linked_items (member_id);

CREATE TABLE accounts (
    id                   uuid PRIMARY KEY,
    linked_item_id       uuid NOT NULL REFERENCES linked_items (id) ON DELETE CASCADE,
    provider_account_id  text NOT NULL UNIQUE,
    name                 text NOT NULL,
    mask                 text,
    type                 text,
    subtype              text,
    current_balance      numeric(18, 2),
    available_balance    numeric(18, 2),
    currency             char(3),
    balance_updated_at   timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_item_idx ON accounts (linked_item_id);

CREATE TABLE transactions (
    id                       uuid PRIMARY KEY,
    account_id               uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    provider_transaction_id  text NOT NULL UNIQUE,
    amount                   numeric(18, 2) NOT NULL,
    currency                 char(3),
    posted_on                date NOT NULL,
    name                     text,
    pending                  boolean NOT NULL DEFAULT false
);
CREATE INDEX transactions_account_idx ON transactions (account_id, posted_on DESC);

CREATE TABLE appointments (
    id                 uuid PRIMARY KEY,
    member_id          uuid NOT NULL REFERENCES members (id),
    advisor_id         uuid NOT NULL REFERENCES users (id),
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL CHECK (ends_at > starts_at),
    status             text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    source             text NOT NULL CHECK (source IN ('console', 'calendly')),
    provider_event_id  text UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT now(),
    cancelled_at       timestamptz
);
CREATE INDEX appointments_member_idx ON appointments (member_id, starts_at);
CREATE INDEX appointments_upcoming_idx ON appointments (starts_at) WHERE status = 'booked';

-- Raw provider webhooks, stored once (unique on the provider's event id).
CREATE TABLE webhook_events (
    id           bigserial PRIMARY KEY,
    provider     text NOT NULL,
    event_key    text NOT NULL,
    event_type   text,
    payload      text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, event_key)
);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);

-- Employees an employer enrolled; sign-up finds them here.
CREATE TABLE eligibility_records (
    id           uuid PRIMARY KEY,
    employer_id  uuid NOT NULL REFERENCES employers (id),
    email        text NOT NULL,
    full_name    text,
    country      char(2) NOT NULL,
    birth_date   date,
    salary       numeric(14, 2) CHECK (salary >= 0),
    source_file  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX eligibility_records_email_key ON eligibility_records (employer_id, lower(email));
CREATE INDEX eligibility_records_lookup_idx ON eligibility_records (lower(email));

-- Who saw or changed a member's financial data. Append-only.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    actor_id     uuid,
    member_id    uuid,
    action       text NOT NULL,
    resource     text NOT NULL,
    request_id   text,
    occurred_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_member_idx ON audit_log (member_id, occurred_at DESC);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Operator switches (partial shutdown): e.g. sms.dispatch off pauses SMS sending.
CREATE TABLE switches (
    name        text PRIMARY KEY,
    enabled     boolean NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text
);
