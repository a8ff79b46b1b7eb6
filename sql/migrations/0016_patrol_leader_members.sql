-- A patrol leader manages the members of their own teams (issue #6: POST/DELETE
-- /teams/{id}/members). Migration 0009 made patrol_team_members read-only to the
-- patrol_leader role; adding and removing are now allowed on the rows of the leader's teams
-- (linli_team_ids()), so the database still refuses a leader touching another team even by
-- SQL that skips the service's check. Changing a member (UPDATE) stays refused.

DROP POLICY role_read_only_insert ON patrol_team_members;
DROP POLICY role_read_only_delete ON patrol_team_members;

CREATE POLICY role_own_team_insert ON patrol_team_members AS RESTRICTIVE FOR INSERT
    WITH CHECK (linli_role() IS DISTINCT FROM 'patrol_leader' OR team_id = ANY (linli_team_ids()));
CREATE POLICY role_own_team_delete ON patrol_team_members AS RESTRICTIVE FOR DELETE
    USING (linli_role() IS DISTINCT FROM 'patrol_leader' OR team_id = ANY (linli_team_ids()));
