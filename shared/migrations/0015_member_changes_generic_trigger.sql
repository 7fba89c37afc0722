-- One trigger function for every table the live member page shows (0014 had one per table).
--
-- `member_change(kind)` is the row trigger on each of those tables; its argument is the
-- member_changes kind, which says how the row looks on the screen (the same items 0014's
-- functions built, field for field) and whose member it is. The triggers keep their names,
-- events and WHEN conditions (so they fire as before, in the same order); only the function
-- they execute changes. plpgsql compiles a trigger function once per table, so each branch
-- only ever sees the columns of its own table.

CREATE FUNCTION member_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    member uuid;
    change jsonb;
BEGIN
    CASE TG_ARGV[0]
    -- Messages: every new SMS and every status change.
    WHEN 'message' THEN
        member := NEW.member_id;
        change := jsonb_build_object(
            'id', NEW.id, 'body', NEW.body, 'status', NEW.status, 'error_code', NEW.error_code,
            'created_at', NEW.created_at, 'updated_at', NEW.updated_at);
    -- Notes, with their author's name as the screen shows it.
    WHEN 'note' THEN
        member := NEW.member_id;
        change := jsonb_build_object(
            'id', NEW.id, 'body', NEW.body, 'created_at', NEW.created_at,
            'author', (SELECT jsonb_build_object('id', u.id, 'full_name', u.full_name)
                         FROM users u WHERE u.id = NEW.author_id));
    -- Appointments booked, moved or cancelled (a cancelled one leaves the page).
    WHEN 'appointment' THEN
        member := NEW.member_id;
        change := jsonb_build_object(
            'id', NEW.id, 'starts_at', NEW.starts_at, 'ends_at', NEW.ends_at,
            'status', NEW.status, 'source', NEW.source);
    -- Linked logins: created, sync started, finished (accounts written before) or failed.
    WHEN 'linked_item' THEN
        member := NEW.member_id;
        change := jsonb_build_object(
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
                                 ORDER BY bh.recorded_at DESC, bh.id DESC LIMIT 30) h),
                        '[]'::jsonb))
                    ORDER BY ac.name, ac.id)
                  FROM accounts ac WHERE ac.linked_item_id = NEW.id), '[]'::jsonb));
    -- The financial profile (the bff adds the wellness score it implies).
    WHEN 'profile' THEN
        member := NEW.member_id;
        change := jsonb_build_object(
            'age', NEW.age, 'dependents', NEW.dependents,
            'annual_income', NEW.annual_income::text, 'monthly_costs', NEW.monthly_costs::text,
            'marital_status', NEW.marital_status, 'houses', NEW.houses, 'vehicles', NEW.vehicles,
            'risk_answers', NEW.risk_answers);
    WHEN 'risk_profile' THEN
        member := NEW.member_id;
        change := jsonb_build_object(
            'id', NEW.id, 'computed_at', NEW.computed_at, 'profile', NEW.result,
            'lines', NEW.explanation);
    -- Contact data and the advisor: the row is the member itself.
    WHEN 'member' THEN
        member := NEW.id;
        change := jsonb_build_object(
            'id', NEW.id, 'full_name', NEW.full_name, 'email', NEW.email,
            'phone_e164', NEW.phone_e164, 'country', NEW.country, 'sms_opt_in', NEW.sms_opt_in,
            'access_type', NEW.access_type, 'status', NEW.status,
            'employer', (SELECT jsonb_build_object('id', e.id, 'name', e.name)
                           FROM employers e WHERE e.id = NEW.employer_id),
            'advisor', (SELECT jsonb_build_object('id', a.id, 'full_name', a.full_name)
                          FROM users a WHERE a.id = NEW.advisor_id));
    END CASE;
    PERFORM member_change_record(member, TG_ARGV[0], change);
    RETURN NULL;
END;
$$;

-- The same triggers (names, events, conditions), now on the one function.
CREATE OR REPLACE TRIGGER sms_messages_member_change_insert
    AFTER INSERT ON sms_messages
    FOR EACH ROW EXECUTE FUNCTION member_change('message');
CREATE OR REPLACE TRIGGER sms_messages_member_change_update
    AFTER UPDATE OF status, error_code ON sms_messages
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.error_code IS DISTINCT FROM NEW.error_code)
    EXECUTE FUNCTION member_change('message');

CREATE OR REPLACE TRIGGER member_notes_member_change
    AFTER INSERT ON member_notes
    FOR EACH ROW EXECUTE FUNCTION member_change('note');

CREATE OR REPLACE TRIGGER appointments_member_change_insert
    AFTER INSERT ON appointments
    FOR EACH ROW EXECUTE FUNCTION member_change('appointment');
CREATE OR REPLACE TRIGGER appointments_member_change_update
    AFTER UPDATE ON appointments
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.starts_at IS DISTINCT FROM NEW.starts_at
          OR OLD.ends_at IS DISTINCT FROM NEW.ends_at)
    EXECUTE FUNCTION member_change('appointment');

CREATE OR REPLACE TRIGGER linked_items_member_change_insert
    AFTER INSERT ON linked_items
    FOR EACH ROW EXECUTE FUNCTION member_change('linked_item');
CREATE OR REPLACE TRIGGER linked_items_member_change_update
    AFTER UPDATE ON linked_items
    FOR EACH ROW
    WHEN (OLD.institution_name IS DISTINCT FROM NEW.institution_name
          OR OLD.status IS DISTINCT FROM NEW.status
          OR OLD.sync_status IS DISTINCT FROM NEW.sync_status
          OR OLD.last_synced_at IS DISTINCT FROM NEW.last_synced_at)
    EXECUTE FUNCTION member_change('linked_item');

CREATE OR REPLACE TRIGGER member_profiles_member_change
    AFTER INSERT OR UPDATE ON member_profiles
    FOR EACH ROW EXECUTE FUNCTION member_change('profile');

CREATE OR REPLACE TRIGGER risk_profiles_member_change
    AFTER INSERT ON risk_profiles
    FOR EACH ROW EXECUTE FUNCTION member_change('risk_profile');

CREATE OR REPLACE TRIGGER members_member_change
    AFTER UPDATE OF full_name, email, phone_e164, sms_opt_in, advisor_id ON members
    FOR EACH ROW
    WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name OR OLD.email IS DISTINCT FROM NEW.email
          OR OLD.phone_e164 IS DISTINCT FROM NEW.phone_e164
          OR OLD.sms_opt_in IS DISTINCT FROM NEW.sms_opt_in
          OR OLD.advisor_id IS DISTINCT FROM NEW.advisor_id)
    EXECUTE FUNCTION member_change('member');

DROP FUNCTION member_change_message();
DROP FUNCTION member_change_note();
DROP FUNCTION member_change_appointment();
DROP FUNCTION member_change_linked_item();
DROP FUNCTION member_change_profile();
DROP FUNCTION member_change_risk_profile();
DROP FUNCTION member_change_member();
