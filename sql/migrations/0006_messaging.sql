-- Messaging: reminders and notices to volunteers, residents and patrol teams, the outbox
-- staff read, the desk's call list, and replies. A message row is written before it is
-- handed to a channel, so a crash between the two re-sends with the same idempotency key
-- (a gateway that honours the key shows the person one message) and never loses it.

-- Per-community rules: nothing reaches a person inside quiet hours (local time, may wrap
-- midnight), and no one gets more than a daily number of reminders.
ALTER TABLE communities
    ADD COLUMN quiet_hours_start   time NOT NULL DEFAULT '21:00',
    ADD COLUMN quiet_hours_end     time NOT NULL DEFAULT '07:30',
    ADD COLUMN daily_message_cap   integer NOT NULL DEFAULT 6 CHECK (daily_message_cap BETWEEN 1 AND 100);

-- The channel a message actually went through. A volunteer's choice is volunteers.notify_channel
-- (0003); a channel the installation has not configured falls back to the outbox, which staff
-- read and pass on themselves.
CREATE TYPE message_channel AS ENUM ('sms', 'wecom', 'email', 'outbox');

-- The language a person's messages are written in. Residents with needs_call are phoned by the
-- desk (the call list) instead of messaged.
ALTER TABLE volunteers ADD COLUMN locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en'));
ALTER TABLE residents ADD COLUMN locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en'));

-- What a job is about (e.g. 'slot:<uuid>'), so a domain change can cancel the pending jobs
-- it makes pointless in its own transaction.
ALTER TABLE jobs ADD COLUMN subject text;
CREATE INDEX jobs_pending_subject ON jobs (subject) WHERE state = 'pending' AND subject IS NOT NULL;

CREATE TYPE message_kind AS ENUM ('reminder', 'change', 'cancellation', 'coordinator');
CREATE TYPE message_audience AS ENUM ('volunteer', 'resident', 'team', 'staff');
-- pending: written, not yet accepted by a channel; sent: accepted; failed: refused for good;
-- suppressed: deliberately not sent (quiet hours, daily cap, no address, cancelled meanwhile).
CREATE TYPE message_state AS ENUM ('pending', 'sent', 'failed', 'suppressed');
CREATE TYPE message_reply AS ENUM ('confirmed', 'declined');

CREATE TABLE messages (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id      uuid NOT NULL REFERENCES communities (id),
    -- Unique per message and stable across retries; sent as the Idempotency-Key header.
    idempotency_key   text NOT NULL UNIQUE,
    kind              message_kind NOT NULL,
    audience          message_audience NOT NULL,
    volunteer_id      uuid,
    resident_id       uuid,
    team_id           uuid,
    slot_id           uuid,
    slot_version      integer,
    channel           message_channel NOT NULL,
    -- Phone, e-mail or robot reference at the time of writing; NULL for the outbox.
    address           text,
    body              text NOT NULL CHECK (length(body) > 0),
    state             message_state NOT NULL DEFAULT 'pending',
    state_reason      text,
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    reply             message_reply,
    replied_at        timestamptz,
    CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((state = 'suppressed') <= (state_reason IS NOT NULL)),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id),
    FOREIGN KEY (resident_id, community_id) REFERENCES residents (id, community_id),
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id),
    FOREIGN KEY (slot_id, community_id) REFERENCES slots (id, community_id)
);
CREATE INDEX messages_community_time ON messages (community_id, created_at DESC);
CREATE INDEX messages_slot ON messages (slot_id) WHERE slot_id IS NOT NULL;
CREATE INDEX messages_volunteer_day ON messages (volunteer_id, created_at) WHERE volunteer_id IS NOT NULL;
CREATE INDEX messages_resident_day ON messages (resident_id, created_at) WHERE resident_id IS NOT NULL;
CREATE INDEX messages_address ON messages (address, sent_at DESC) WHERE address IS NOT NULL;

-- The desk's marks on tomorrow's calls to residents who need a phone call.
CREATE TYPE call_mark AS ENUM ('called', 'confirmed', 'cancelled');

CREATE TABLE call_marks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id  uuid NOT NULL,
    slot_id       uuid NOT NULL,
    resident_id   uuid NOT NULL,
    mark          call_mark NOT NULL,
    note          text,
    marked_by     uuid REFERENCES users (id),
    marked_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (slot_id, community_id) REFERENCES slots (id, community_id),
    FOREIGN KEY (resident_id, community_id) REFERENCES residents (id, community_id)
);
CREATE INDEX call_marks_slot ON call_marks (slot_id, marked_at DESC);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['messages', 'call_marks']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY community_isolation ON %I USING (linli_can_see(community_id)) WITH CHECK (linli_can_see(community_id))', t);
    END LOOP;
END
$$;
CREATE TRIGGER call_marks_audit AFTER INSERT OR UPDATE OR DELETE ON call_marks
    FOR EACH ROW EXECUTE FUNCTION audit_row();

GRANT SELECT, INSERT, UPDATE ON messages TO linli_app;
-- UPDATE only for erasure (PIPL), which clears notes.
GRANT SELECT, INSERT, UPDATE ON call_marks TO linli_app;
GRANT USAGE, SELECT ON SEQUENCE messages_id_seq, call_marks_id_seq TO linli_app;
