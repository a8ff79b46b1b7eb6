-- Calendar feeds and attendance kept unique by the database.
--
-- A calendar feed is a secret URL (/feeds/<token>.ics) that a volunteer's or a patrol team's
-- phone subscribes to. Like sessions (0008), the token is never stored: only its SHA-256, so a
-- copy of the database opens no feed. A feed is revoked, never deleted, so the list shows what
-- was handed out. The public feed route finds a feed by its hash before it knows the community;
-- that one lookup runs with linli.all_communities, everything after it in the feed's community.

CREATE TABLE calendar_feeds (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id  uuid NOT NULL REFERENCES communities (id),
    -- Exactly one of the two: whose shifts the feed shows.
    volunteer_id  uuid,
    team_id       uuid,
    label         text CHECK (length(label) <= 200),
    token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id),
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id),
    CHECK ((volunteer_id IS NULL) <> (team_id IS NULL))
);
CREATE INDEX calendar_feeds_community ON calendar_feeds (community_id, created_at);

ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY community_isolation ON calendar_feeds
    USING (linli_can_see(community_id)) WITH CHECK (linli_can_see(community_id));

-- Feeds created and revoked are in the audit log, without the token's hash; their use
-- (last_used_at, every poll of a phone) is not a change worth a log row.
CREATE FUNCTION audit_calendar_feed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (community_id, actor_user_id, action, table_name, row_id, before, after)
    VALUES (NEW.community_id, nullif(current_setting('linli.user_id', true), '')::uuid, TG_OP, TG_TABLE_NAME,
            NEW.id::text,
            CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) - 'token_hash' - 'last_used_at' END,
            to_jsonb(NEW) - 'token_hash' - 'last_used_at');
    RETURN NULL;
END
$$;
CREATE TRIGGER calendar_feeds_audit_create AFTER INSERT ON calendar_feeds
    FOR EACH ROW EXECUTE FUNCTION audit_calendar_feed();
CREATE TRIGGER calendar_feeds_audit_revoke AFTER UPDATE OF revoked_at ON calendar_feeds
    FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at) EXECUTE FUNCTION audit_calendar_feed();

GRANT SELECT, INSERT, UPDATE ON calendar_feeds TO linli_app;

-- ---------------------------------------------------------------------------------------
-- Attendance once per volunteer and slot, across roster versions. The primary key already
-- allows one record per assignment; a newer published version gives the same person on the
-- same slot a new assignment, and until now only AttendanceStore kept a second record away.
-- The slot and volunteer are copied from the assignment (a foreign key holds them to it) so a
-- unique constraint can see them.
ALTER TABLE assignments ADD CONSTRAINT assignments_id_slot_volunteer UNIQUE (id, slot_id, volunteer_id);

ALTER TABLE attendance ADD COLUMN slot_id uuid, ADD COLUMN volunteer_id uuid;

CREATE FUNCTION attendance_copy_assignment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT a.slot_id, a.volunteer_id INTO NEW.slot_id, NEW.volunteer_id FROM assignments a WHERE a.id = NEW.assignment_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER attendance_copy_assignment BEFORE INSERT OR UPDATE OF assignment_id ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_copy_assignment();

UPDATE attendance t SET slot_id = a.slot_id, volunteer_id = a.volunteer_id
FROM assignments a WHERE a.id = t.assignment_id;

ALTER TABLE attendance
    ALTER COLUMN slot_id SET NOT NULL,
    ALTER COLUMN volunteer_id SET NOT NULL,
    ADD CONSTRAINT attendance_assignment_matches FOREIGN KEY (assignment_id, slot_id, volunteer_id)
        REFERENCES assignments (id, slot_id, volunteer_id),
    ADD CONSTRAINT attendance_once_per_slot_volunteer UNIQUE (slot_id, volunteer_id);
