-- What changed on a member's page, in commit order, for the bff's live member page (SSE).
--
-- Triggers on the tables the member screen shows append one row per change, in the writer's
-- transaction, whoever the writer is (bff, gateway web or worker, scheduler): a change is
-- recorded if and only if it commits. `data` is the item as the screen shows it, so an open
-- page patches itself without reading the screen again. A statement trigger notifies
-- `member_changes` (delivered on commit only) and every bff listens on one connection.
--
-- Ids come from a sequence, so a transaction can commit after one holding a higher id: the
-- bff's feed delivers ids in order and waits at a gap until the transactions that were
-- writing changes when it saw the gap have ended (`bff/live_feed.py`). Writers take a shared
-- advisory lock (never exclusive: writers never wait for each other) so the feed can tell
-- which transactions those are. Rows are kept a day (gateway retention): enough to resume a
-- stream after a reconnect; older positions get a fresh screen.

CREATE TABLE member_changes (
    id          bigserial PRIMARY KEY,
    member_id   uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN (
                    'member', 'profile', 'risk_profile', 'message', 'note', 'appointment',
                    'linked_item')),
    data        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- A stream resumes with the member's changes after an id.
CREATE INDEX member_changes_member_idx ON member_changes (member_id, id);
CREATE INDEX member_changes_created_at_idx ON member_changes (created_at);

-- The advisory lock (class 20140, object 1) marks a transaction that writes member changes.
CREATE FUNCTION member_change_record(member uuid, change_kind text, change jsonb)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(20140, 1);
    INSERT INTO member_changes (member_id, kind, data) VALUES (member, change_kind, change);
END;
$$;

CREATE FUNCTION member_changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('member_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER member_changes_notify_after_insert
    AFTER INSERT ON member_changes
    FOR EACH STATEMENT EXECUTE FUNCTION member_changes_notify();

-- Messages: every new SMS and every status change.
CREATE FUNCTION member_change_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.member_id, 'message', jsonb_build_object(
        'id', NEW.id, 'body', NEW.body, 'status', NEW.status, 'error_code', NEW.error_code,
        'created_at', NEW.created_at, 'updated_at', NEW.updated_at));
    RETURN NULL;
END;
$$;
CREATE TRIGGER sms_messages_member_change_insert
    AFTER INSERT ON sms_messages
    FOR EACH ROW EXECUTE FUNCTION member_change_message();
-- A callback that does not move the status (a duplicate, one overtaken) records nothing.
CREATE TRIGGER sms_messages_member_change_update
    AFTER UPDATE OF status, error_code ON sms_messages
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.error_code IS DISTINCT FROM NEW.error_code)
    EXECUTE FUNCTION member_change_message();

-- Notes, with their author's name as the screen shows it.
CREATE FUNCTION member_change_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.member_id, 'note', jsonb_build_object(
        'id', NEW.id, 'body', NEW.body, 'created_at', NEW.created_at,
        'author', (SELECT jsonb_build_object('id', u.id, 'full_name', u.full_name)
                     FROM users u WHERE u.id = NEW.author_id)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_notes_member_change
    AFTER INSERT ON member_notes
    FOR EACH ROW EXECUTE FUNCTION member_change_note();

-- Appointments booked, moved or cancelled (a cancelled one leaves the page).
CREATE FUNCTION member_change_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.member_id, 'appointment', jsonb_build_object(
        'id', NEW.id, 'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at,
        'status', NEW.status, 'source', NEW.source));
    RETURN NULL;
END;
$$;
CREATE TRIGGER appointments_member_change_insert
    AFTER INSERT ON appointments
    FOR EACH ROW EXECUTE FUNCTION member_change_appointment();
CREATE TRIGGER appointments_member_change_update
    AFTER UPDATE ON appointments
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.starts_at IS DISTINCT FROM NEW.starts_at
          OR OLD.ends_at IS DISTINCT FROM NEW.ends_at)
    EXECUTE FUNCTION member_change_appointment();

-- Linked logins: created, sync started, finished (accounts written before) or failed, relink.
CREATE FUNCTION member_change_linked_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.member_id, 'linked_item', jsonb_build_object(
        'id', NEW.id, 'institution_name', NEW.institution_name, 'status', NEW.status,
        'sync_status', NEW.sync_status, 'last_synced_at', NEW.last_synced_at,
        'accounts', coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'id', ac.id, 'name', ac.name, 'mask', ac.mask, 'type', ac.type,
                'subtype', ac.subtype, 'current_balance', ac.current_balance::text,
                'available_balance', ac.available_balance::text, 'currency', ac.currency,
                'history', coalesce((
                    SELECT jsonb_agg(jsonb_build_object(
                        'at', h.recorded_at, 'current_balance', h.current_balance::text,
                        'available_balance', h.available_balance::text)
                        ORDER BY h.recorded_at, h.id)
                      FROM (SELECT * FROM account_balance_history bh
                             WHERE bh.account_id = ac.id
                             ORDER BY bh.recorded_at DESC, bh.id DESC LIMIT 30) h), '[]'::jsonb))
                ORDER BY ac.name, ac.id)
              FROM accounts ac WHERE ac.linked_item_id = NEW.id), '[]'::jsonb)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER linked_items_member_change_insert
    AFTER INSERT ON linked_items
    FOR EACH ROW EXECUTE FUNCTION member_change_linked_item();
CREATE TRIGGER linked_items_member_change_update
    AFTER UPDATE ON linked_items
    FOR EACH ROW
    WHEN (OLD.institution_name IS DISTINCT FROM NEW.institution_name
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.sync_status IS DISTINCT FROM NEW.sync_status
          OR OLD.last_synced_at IS DISTINCT FROM NEW.last_synced_at)
    EXECUTE FUNCTION member_change_linked_item();

-- The financial profile (the bff adds the wellness score it implies).
CREATE FUNCTION member_change_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.member_id, 'profile', jsonb_build_object(
        'age', NEW.age, 'dependents', NEW.dependents,
        'annual_income', NEW.annual_income::text, 'monthly_costs', NEW.monthly_costs::text,
        'marital_status', NEW.marital_status, 'houses', NEW.houses, 'vehicles', NEW.vehicles,
        'risk_answers', NEW.risk_answers));
    RETURN NULL;
END;
$$;
CREATE TRIGGER member_profiles_member_change
    AFTER INSERT OR UPDATE ON member_profiles
    FOR EACH ROW EXECUTE FUNCTION member_change_profile();

CREATE FUNCTION member_change_risk_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.member_id, 'risk_profile', jsonb_build_object(
        'id', NEW.id, 'computed_at', NEW.computed_at, 'profile', NEW.result,
        'lines', NEW.explanation));
    RETURN NULL;
END;
$$;
CREATE TRIGGER risk_profiles_member_change
    AFTER INSERT ON risk_profiles
    FOR EACH ROW EXECUTE FUNCTION member_change_risk_profile();

-- Contact data and the advisor (eligibility files change country, salary and status in bulk:
-- those are not live on an open page, and a 100,000-member file writes no change rows).
CREATE FUNCTION member_change_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM member_change_record(NEW.id, 'member', jsonb_build_object(
        'id', NEW.id, 'full_name', NEW.full_name, 'email', NEW.email,
        'phone_e164', NEW.phone_e164, 'country', NEW.country, 'sms_opt_in', NEW.sms_opt_in,
        'access_type', NEW.access_type, 'status', NEW.status,
        'employer', (SELECT jsonb_build_object('id', e.id, 'name', e.name)
                       FROM employers e WHERE e.id = NEW.employer_id),
        'advisor', (SELECT jsonb_build_object('id', a.id, 'full_name', a.full_name)
                      FROM users a WHERE a.id = NEW.advisor_id)));
    RETURN NULL;
END;
$$;
CREATE TRIGGER members_member_change
    AFTER UPDATE OF full_name, email, phone_e164, sms_opt_in, advisor_id ON members
    FOR EACH ROW
    WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name OR OLD.email IS DISTINCT FROM NEW.email
          OR OLD.phone_e164 IS DISTINCT FROM NEW.phone_e164
          OR OLD.sms_opt_in IS DISTINCT FROM NEW.sms_opt_in
          OR OLD.advisor_id IS DISTINCT FROM NEW.advisor_id)
    EXECUTE FUNCTION member_change_member();

-- Eligibility files: their progress, for the admin's file page (the row is the state).
CREATE FUNCTION eligibility_file_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('eligibility_files', NEW.id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER eligibility_files_notify
    AFTER UPDATE ON eligibility_files
    FOR EACH ROW EXECUTE FUNCTION eligibility_file_notify();

-- Balances over time, for the accounts chart: one row per account each time a sync (or the
-- first link) changes its balances. Kept 13 months (gateway retention).
CREATE TABLE account_balance_history (
    id                 bigserial PRIMARY KEY,
    account_id         uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    current_balance    numeric(18, 2),
    available_balance  numeric(18, 2),
    recorded_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_balance_history_account_idx
    ON account_balance_history (account_id, recorded_at DESC);
CREATE INDEX account_balance_history_recorded_at_idx ON account_balance_history (recorded_at);

CREATE FUNCTION account_balance_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_balance_history (account_id, current_balance, available_balance)
    VALUES (NEW.id, NEW.current_balance, NEW.available_balance);
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounts_balance_history_insert
    AFTER INSERT ON accounts
    FOR EACH ROW WHEN (NEW.current_balance IS NOT NULL OR NEW.available_balance IS NOT NULL)
    EXECUTE FUNCTION account_balance_record();
CREATE TRIGGER accounts_balance_history_update
    AFTER UPDATE OF current_balance, available_balance ON accounts
    FOR EACH ROW
    WHEN (OLD.current_balance IS DISTINCT FROM NEW.current_balance
          OR OLD.available_balance IS DISTINCT FROM NEW.available_balance)
    EXECUTE FUNCTION account_balance_record();

-- The first rejected lines of a file and their reasons, for the admin's file page (the full
-- report is the CSV next to the input).
ALTER TABLE eligibility_files ADD COLUMN rejected_sample jsonb NOT NULL DEFAULT '[]';
