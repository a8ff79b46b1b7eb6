-- Row-level security that knows the acting user's role, not only the community.
--
-- The HTTP service checks every route against its table of roles (LinliAPI AccessPolicy); this
-- is the second line behind it. A transaction on behalf of a signed-in user names, besides the
-- community (0004), the user's role there and a patrol leader's teams:
--   set_config('linli.role', 'desk_staff', true)
--   set_config('linli.team_ids', '{<uuid>,<uuid>}', true)
-- Restrictive policies (AND-ed with the community policies) then narrow what the scope sees:
--   desk staff      no volunteer's row, nor their skills, availability, absences, preferences;
--   patrol leader   only the volunteers of their teams (and those rows' details), only their
--                   teams' slots, and no resident, booking or resident preference, and may
--                   change none of those rows.
-- No role set (the worker, the command line, migrations) and administrators and coordinators
-- keep the community-wide view.

CREATE FUNCTION linli_role() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('linli.role', true), '')
$$;

CREATE FUNCTION linli_team_ids() RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(nullif(current_setting('linli.team_ids', true), ''), '{}')::uuid[], '{}'::uuid[])
$$;

-- True when the current scope may see the volunteer `v` (desk staff: never; a patrol leader:
-- members of their teams).
CREATE FUNCTION linli_role_sees_volunteer(v uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE linli_role()
        WHEN 'desk_staff' THEN false
        WHEN 'patrol_leader' THEN EXISTS (
            SELECT 1 FROM patrol_team_members m WHERE m.volunteer_id = v AND m.team_id = ANY (linli_team_ids()))
        ELSE true
    END
$$;

CREATE POLICY role_scope ON volunteers AS RESTRICTIVE
    USING (linli_role_sees_volunteer(id));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['volunteer_skills', 'volunteer_availability', 'volunteer_absences', 'volunteer_preferences']
    LOOP
        EXECUTE format('CREATE POLICY role_scope ON %I AS RESTRICTIVE USING (linli_role_sees_volunteer(volunteer_id))', t);
    END LOOP;
    -- Residents and their visits are not a patrol leader's business.
    FOREACH t IN ARRAY ARRAY['residents', 'resident_volunteer_preferences', 'bookings', 'booking_windows',
                             'booking_recurrences']
    LOOP
        EXECUTE format('CREATE POLICY role_scope ON %I AS RESTRICTIVE USING (linli_role() IS DISTINCT FROM %L)',
                       t, 'patrol_leader');
    END LOOP;
    -- A patrol leader reads, and changes nothing of, their team's members and slots.
    FOREACH t IN ARRAY ARRAY['volunteers', 'slots', 'patrol_team_members']
    LOOP
        EXECUTE format('CREATE POLICY role_read_only_insert ON %I AS RESTRICTIVE FOR INSERT WITH CHECK (linli_role() IS DISTINCT FROM %L)',
                       t, 'patrol_leader');
        EXECUTE format('CREATE POLICY role_read_only_update ON %I AS RESTRICTIVE FOR UPDATE USING (linli_role() IS DISTINCT FROM %L)',
                       t, 'patrol_leader');
        EXECUTE format('CREATE POLICY role_read_only_delete ON %I AS RESTRICTIVE FOR DELETE USING (linli_role() IS DISTINCT FROM %L)',
                       t, 'patrol_leader');
    END LOOP;
END
$$;

CREATE POLICY role_scope ON slots AS RESTRICTIVE
    USING (linli_role() IS DISTINCT FROM 'patrol_leader' OR team_id = ANY (linli_team_ids()));

-- The names, and only the names, of the volunteers live on a visit's slot: what desk staff
-- tell a resident ("王芳 will come"). The function runs without the role's narrowing (its SET
-- clause clears linli.role for its duration) but still only in the transaction's community.
CREATE FUNCTION linli_visit_volunteer_names(slot uuid) RETURNS text[] LANGUAGE sql STABLE
SET linli.role = ''
AS $$
    SELECT coalesce(array_agg(v.name ORDER BY v.name, v.id), '{}')
    FROM assignments a JOIN volunteers v ON v.id = a.volunteer_id
    WHERE a.slot_id = slot AND a.is_live
$$;
