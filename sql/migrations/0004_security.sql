-- Who may see what: the application role, row-level security by community, and the audit log.
--
-- The programs run their sessions as `linli_app` (the login role itself, or `SET ROLE` from
-- the connecting role). It owns nothing, so the policies below always apply to it; FORCE makes
-- them apply to the owner too, except where a session sets linli.all_communities (migrations,
-- demo data, administrators). Each transaction names its community with
--   set_config('linli.community_id', '<uuid>', true)
-- and rows of any other community are invisible, whatever WHERE clause a query writes.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'linli_app') THEN
        CREATE ROLE linli_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created at the same moment by a migration of another database in this cluster
END
$$;

-- True when the current transaction may see rows of community `c`.
CREATE FUNCTION linli_can_see(c uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT c = nullif(current_setting('linli.community_id', true), '')::uuid
        OR coalesce(current_setting('linli.all_communities', true), '') = 'on'
$$;

CREATE FUNCTION linli_sees_all() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('linli.all_communities', true), '') = 'on'
$$;

-- ---------------------------------------------------------------------------------------
-- Audit log: every change to domain data, who made it, before and after. Append-only.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id   uuid,
    occurred_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_user_id  uuid,
    action         text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    table_name     text NOT NULL,
    row_id         text,
    before         jsonb,
    after          jsonb
);
CREATE INDEX audit_log_row ON audit_log (table_name, row_id, occurred_at);
CREATE INDEX audit_log_community ON audit_log (community_id, occurred_at);

CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    community uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN
        RETURN NULL;
    END IF;
    -- Care notes are sensitive: the log says that they changed, not what they say.
    IF TG_TABLE_NAME = 'residents' THEN
        IF old_row ? 'care_notes' AND old_row->>'care_notes' IS NOT NULL THEN
            old_row := jsonb_set(old_row, '{care_notes}', to_jsonb('[redacted ' || md5(old_row->>'care_notes') || ']'));
        END IF;
        IF new_row ? 'care_notes' AND new_row->>'care_notes' IS NOT NULL THEN
            new_row := jsonb_set(new_row, '{care_notes}', to_jsonb('[redacted ' || md5(new_row->>'care_notes') || ']'));
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        old_row := old_row - 'password_hash';
        new_row := new_row - 'password_hash';
    END IF;
    community := coalesce(new_row->>'community_id', old_row->>'community_id',
                          CASE WHEN TG_TABLE_NAME = 'communities' THEN coalesce(new_row->>'id', old_row->>'id') END)::uuid;
    INSERT INTO audit_log (community_id, actor_user_id, action, table_name, row_id, before, after)
    VALUES (community, nullif(current_setting('linli.user_id', true), '')::uuid, TG_OP, TG_TABLE_NAME,
            coalesce(new_row->>'id', old_row->>'id', new_row->>'assignment_id', old_row->>'assignment_id'),
            old_row, new_row);
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'communities', 'grids', 'grid_travel_minutes', 'places', 'users', 'user_roles',
        'volunteers', 'skills', 'volunteer_skills', 'volunteer_availability', 'volunteer_absences',
        'volunteer_preferences', 'service_types', 'service_type_skills', 'patrol_teams',
        'patrol_team_members', 'patrol_team_routes', 'residents', 'resident_volunteer_preferences',
        'calendar_days', 'slot_templates', 'slots', 'booking_recurrences', 'bookings', 'booking_windows',
        'rosters', 'assignments', 'attendance']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION audit_row()',
                       t || '_audit', t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Row-level security: every table that holds a community's data.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'grids', 'grid_travel_minutes', 'places', 'volunteers', 'skills', 'volunteer_skills',
        'volunteer_availability', 'volunteer_absences', 'volunteer_preferences', 'service_types',
        'service_type_skills', 'patrol_teams', 'patrol_team_members', 'patrol_team_routes', 'residents',
        'resident_volunteer_preferences', 'slot_templates', 'slots', 'booking_recurrences', 'bookings',
        'booking_windows', 'rosters', 'assignments', 'roster_slot_fill', 'attendance', 'service_hours']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY community_isolation ON %I USING (linli_can_see(community_id)) WITH CHECK (linli_can_see(community_id))', t);
    END LOOP;
END
$$;

ALTER TABLE communities ENABLE ROW LEVEL SECURITY;
ALTER TABLE communities FORCE ROW LEVEL SECURITY;
CREATE POLICY community_isolation ON communities USING (linli_can_see(id)) WITH CHECK (linli_sees_all());

-- The national calendar (community_id NULL) is read by all; only administrators change it.
ALTER TABLE calendar_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_days FORCE ROW LEVEL SECURITY;
CREATE POLICY calendar_read ON calendar_days FOR SELECT
    USING (community_id IS NULL OR linli_can_see(community_id));
CREATE POLICY calendar_write ON calendar_days
    USING (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END)
    WITH CHECK (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END);

-- Roles: a user's roles in the current community (and administrators' roles to administrators).
ALTER TABLE user_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_roles FORCE ROW LEVEL SECURITY;
CREATE POLICY community_isolation ON user_roles
    USING (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END)
    WITH CHECK (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END);

-- Staff accounts: those with a role in the current community; all of them to administrators.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY community_isolation ON users
    USING (linli_sees_all() OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id))
    WITH CHECK (linli_sees_all() OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = users.id));

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_read ON audit_log FOR SELECT
    USING (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END);
-- Rows are written by the audit trigger in the changing session; any community may append.
CREATE POLICY audit_append ON audit_log FOR INSERT WITH CHECK (true);

-- ---------------------------------------------------------------------------------------
-- Privileges of the application role. Later migrations grant on the tables they add.
GRANT USAGE ON SCHEMA public TO linli_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO linli_app;
REVOKE ALL ON linli_schema_migrations FROM linli_app;
GRANT SELECT ON linli_schema_migrations TO linli_app;
REVOKE UPDATE, DELETE ON audit_log, service_hours FROM linli_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO linli_app;
