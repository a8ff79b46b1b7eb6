-- The community's scheduling data: skills, volunteer availability and limits, the service
-- catalogue, holidays, slot templates and slots, bookings, rosters with assignments,
-- attendance and the service-hours ledger.
-- Time is timestamptz everywhere; a week starts on Monday in Asia/Shanghai.

-- ---------------------------------------------------------------------------------------
-- Skills and certificates (护理员证, 急救证 …)
CREATE TABLE skills (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id     uuid NOT NULL REFERENCES communities (id),
    code             text NOT NULL CHECK (code ~ '^[a-z0-9_]{2,40}$'),
    name_zh          text NOT NULL CHECK (length(btrim(name_zh)) > 0),
    name_en          text NOT NULL CHECK (length(btrim(name_en)) > 0),
    is_certificate   boolean NOT NULL DEFAULT false,
    UNIQUE (community_id, code),
    UNIQUE (id, community_id)
);

CREATE TABLE volunteer_skills (
    volunteer_id    uuid NOT NULL,
    skill_id        uuid NOT NULL,
    community_id    uuid NOT NULL,
    certificate_no  text,
    expires_on      date,
    PRIMARY KEY (volunteer_id, skill_id),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id),
    FOREIGN KEY (skill_id, community_id) REFERENCES skills (id, community_id)
);

-- Limits and preferences of a volunteer (NULL: no limit).
ALTER TABLE volunteers
    ADD COLUMN max_minutes_per_week   integer CHECK (max_minutes_per_week > 0),
    ADD COLUMN max_minutes_per_day    integer CHECK (max_minutes_per_day > 0 AND max_minutes_per_day <= 1440),
    ADD COLUMN max_shifts_per_day     integer CHECK (max_shifts_per_day > 0),
    ADD COLUMN max_shifts_per_week    integer CHECK (max_shifts_per_week > 0),
    ADD COLUMN max_consecutive_days   integer CHECK (max_consecutive_days BETWEEN 1 AND 7),
    ADD COLUMN max_weekends_per_month integer CHECK (max_weekends_per_month BETWEEN 0 AND 5),
    ADD COLUMN min_rest_minutes       integer CHECK (min_rest_minutes BETWEEN 0 AND 1440),
    ADD COLUMN no_evening             boolean NOT NULL DEFAULT false,
    ADD COLUMN no_night               boolean NOT NULL DEFAULT false,
    ADD COLUMN target_minutes_per_week integer CHECK (target_minutes_per_week >= 0),
    ADD COLUMN notify_channel         text NOT NULL DEFAULT 'sms' CHECK (notify_channel IN ('sms', 'wecom', 'email', 'none')),
    ADD COLUMN email                  text CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    ADD COLUMN deactivated_at         timestamptz,
    ADD COLUMN deactivation_reason    text,
    ADD COLUMN updated_at             timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN version                integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT volunteers_deactivation CHECK (is_active OR deactivated_at IS NOT NULL);

-- Weekly availability: ISO weekday (1 = Monday) and minutes from midnight; an end past 1440
-- runs into the next day (a night watch 22:00–02:00 is 1320–1560).
CREATE TABLE volunteer_availability (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    volunteer_id  uuid NOT NULL,
    community_id  uuid NOT NULL,
    weekday       smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute  integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute    integer NOT NULL CHECK (end_minute BETWEEN 1 AND 2880),
    CHECK (end_minute > start_minute AND end_minute - start_minute <= 1440),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id)
);
CREATE INDEX volunteer_availability_volunteer ON volunteer_availability (volunteer_id);

CREATE TYPE absence_reason AS ENUM ('ill', 'away', 'day_off', 'other');

-- Dated exceptions: 请假, 生病, 外出.
CREATE TABLE volunteer_absences (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    volunteer_id  uuid NOT NULL,
    community_id  uuid NOT NULL,
    during        tstzrange NOT NULL CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
    reason        absence_reason NOT NULL,
    note          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id)
);
CREATE INDEX volunteer_absences_during ON volunteer_absences USING gist (volunteer_id, during);

-- ---------------------------------------------------------------------------------------
-- Service catalogue
CREATE TYPE service_kind AS ENUM ('duty', 'patrol', 'home_visit');

CREATE TABLE service_types (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id           uuid NOT NULL REFERENCES communities (id),
    code                   text NOT NULL CHECK (code ~ '^[a-z0-9_]{2,40}$'),
    name_zh                text NOT NULL CHECK (length(btrim(name_zh)) > 0),
    name_en                text NOT NULL CHECK (length(btrim(name_en)) > 0),
    kind                   service_kind NOT NULL,
    default_minutes        integer NOT NULL CHECK (default_minutes BETWEEN 5 AND 1440),
    headcount_min          integer NOT NULL DEFAULT 1 CHECK (headcount_min >= 1),
    headcount_max          integer NOT NULL DEFAULT 1,
    same_sex_as_resident   boolean NOT NULL DEFAULT false,
    never_alone            boolean NOT NULL DEFAULT false,
    needs_leader           boolean NOT NULL DEFAULT false,
    priority               integer NOT NULL DEFAULT 50 CHECK (priority BETWEEN 1 AND 100),
    reminder_lead_minutes  integer[] NOT NULL DEFAULT '{720,120}',
    is_active              boolean NOT NULL DEFAULT true,
    CHECK (headcount_min <= headcount_max),
    CHECK (NOT never_alone OR headcount_min >= 2),
    CHECK (kind = 'home_visit' OR NOT same_sex_as_resident),
    UNIQUE (community_id, code),
    UNIQUE (id, community_id)
);

CREATE TABLE service_type_skills (
    service_type_id  uuid NOT NULL,
    skill_id         uuid NOT NULL,
    community_id     uuid NOT NULL,
    PRIMARY KEY (service_type_id, skill_id),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id),
    FOREIGN KEY (skill_id, community_id) REFERENCES skills (id, community_id)
);

-- Preferred and avoided work (a place, a service, or a weekday window).
CREATE TABLE volunteer_preferences (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    volunteer_id     uuid NOT NULL,
    community_id     uuid NOT NULL,
    prefers          boolean NOT NULL,
    place_id         uuid,
    service_type_id  uuid,
    weekday          smallint CHECK (weekday BETWEEN 1 AND 7),
    start_minute     integer CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute       integer CHECK (end_minute BETWEEN 1 AND 2880),
    weight           integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100),
    CHECK (place_id IS NOT NULL OR service_type_id IS NOT NULL OR weekday IS NOT NULL),
    CHECK ((start_minute IS NULL) = (end_minute IS NULL) AND (start_minute IS NULL OR end_minute > start_minute)),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id),
    FOREIGN KEY (place_id, community_id) REFERENCES places (id, community_id),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id)
);

COMMENT ON COLUMN volunteers.no_evening IS 'takes no work between 18:00 and 22:00 (Asia/Shanghai)';
COMMENT ON COLUMN volunteers.no_night IS 'takes no work between 22:00 and 06:00 (Asia/Shanghai)';
COMMENT ON COLUMN volunteer_skills.expires_on IS 'last day the certificate is valid; NULL: does not expire';
COMMENT ON TABLE volunteer_availability IS 'weekly windows; a volunteer without any row is available at any time';

-- A patrol needs "a leader or an experienced member": the 队长 or someone marked experienced.
ALTER TABLE patrol_team_members ADD COLUMN is_experienced boolean NOT NULL DEFAULT false;

-- A patrol leader's account is tied to their team.
ALTER TABLE user_roles ADD COLUMN team_id uuid;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_team
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id);
ALTER TABLE user_roles ADD CONSTRAINT user_roles_team_only_for_leaders CHECK (team_id IS NULL OR role = 'patrol_leader');

-- Patrol teams walk routes (places of kind patrol_route).
CREATE TABLE patrol_team_routes (
    team_id       uuid NOT NULL,
    place_id      uuid NOT NULL,
    community_id  uuid NOT NULL,
    PRIMARY KEY (team_id, place_id),
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id),
    FOREIGN KEY (place_id, community_id) REFERENCES places (id, community_id)
);

-- Residents' care needs and their preferred / declined volunteers.
ALTER TABLE residents
    ADD COLUMN care_needs   text[] NOT NULL DEFAULT '{}',
    ADD COLUMN erased_at    timestamptz,
    ADD COLUMN updated_at   timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN version      integer NOT NULL DEFAULT 1;

CREATE TABLE resident_volunteer_preferences (
    resident_id   uuid NOT NULL,
    volunteer_id  uuid NOT NULL,
    community_id  uuid NOT NULL,
    prefers       boolean NOT NULL,
    PRIMARY KEY (resident_id, volunteer_id),
    FOREIGN KEY (resident_id, community_id) REFERENCES residents (id, community_id),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id)
);

-- ---------------------------------------------------------------------------------------
-- Calendar: 法定节假日 (no regular slots) and 调休 working days (a weekend day that runs the
-- schedule of a weekday). community_id NULL: the national calendar, seen by everyone.
CREATE TYPE calendar_day_kind AS ENUM ('holiday', 'workday');

CREATE TABLE calendar_days (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id      uuid REFERENCES communities (id),
    day               date NOT NULL,
    kind              calendar_day_kind NOT NULL,
    name              text NOT NULL,
    works_as_weekday  smallint CHECK (works_as_weekday BETWEEN 1 AND 7),
    CHECK ((kind = 'workday') = (works_as_weekday IS NOT NULL))
);
COMMENT ON TABLE calendar_days IS 'a community''s own entry for a day takes precedence over the national one';
CREATE UNIQUE INDEX calendar_days_unique ON calendar_days (coalesce(community_id, '00000000-0000-0000-0000-000000000000'), day);

-- ---------------------------------------------------------------------------------------
-- Slots and their templates
CREATE TABLE slot_templates (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id     uuid NOT NULL REFERENCES communities (id),
    service_type_id  uuid NOT NULL,
    place_id         uuid,
    team_id          uuid,
    weekdays         smallint[] NOT NULL CHECK (cardinality(weekdays) BETWEEN 1 AND 7 AND weekdays <@ '{1,2,3,4,5,6,7}'),
    start_minute     integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    minutes          integer NOT NULL CHECK (minutes BETWEEN 5 AND 1440),
    headcount_min    integer NOT NULL CHECK (headcount_min >= 1),
    headcount_max    integer NOT NULL,
    valid_from       date NOT NULL,
    valid_until      date,
    skip_holidays    boolean NOT NULL DEFAULT true,
    is_active        boolean NOT NULL DEFAULT true,
    CHECK (headcount_min <= headcount_max),
    CHECK (valid_until IS NULL OR valid_until >= valid_from),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id),
    FOREIGN KEY (place_id, community_id) REFERENCES places (id, community_id),
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id),
    UNIQUE (id, community_id)
);

CREATE TYPE slot_status AS ENUM ('open', 'cancelled');

CREATE TABLE slots (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id     uuid NOT NULL REFERENCES communities (id),
    service_type_id  uuid NOT NULL,
    place_id         uuid,
    team_id          uuid,
    template_id      uuid,
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL,
    during           tstzrange GENERATED ALWAYS AS (tstzrange(starts_at, ends_at, '[)')) STORED,
    headcount_min    integer NOT NULL CHECK (headcount_min >= 1),
    headcount_max    integer NOT NULL,
    status           slot_status NOT NULL DEFAULT 'open',
    note             text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '24 hours'),
    CHECK (headcount_min <= headcount_max),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id),
    FOREIGN KEY (place_id, community_id) REFERENCES places (id, community_id),
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id),
    FOREIGN KEY (template_id, community_id) REFERENCES slot_templates (id, community_id),
    UNIQUE (template_id, starts_at),
    UNIQUE (id, community_id)
);
CREATE INDEX slots_community_time ON slots (community_id, starts_at);

-- ---------------------------------------------------------------------------------------
-- Bookings: a visit requested for a resident by desk staff.
CREATE TYPE booking_state AS ENUM ('requested', 'scheduled', 'done', 'cancelled', 'no_show');

CREATE TABLE booking_recurrences (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id     uuid NOT NULL,
    resident_id      uuid NOT NULL,
    service_type_id  uuid NOT NULL,
    weekday          smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    window_start     integer NOT NULL CHECK (window_start BETWEEN 0 AND 1439),
    window_end       integer NOT NULL CHECK (window_end BETWEEN 1 AND 1440),
    minutes          integer NOT NULL CHECK (minutes BETWEEN 5 AND 1440),
    valid_from       date NOT NULL,
    valid_until      date,
    notes            text,
    is_active        boolean NOT NULL DEFAULT true,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (window_end - window_start >= minutes),
    CHECK (valid_until IS NULL OR valid_until >= valid_from),
    FOREIGN KEY (resident_id, community_id) REFERENCES residents (id, community_id),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id),
    UNIQUE (id, community_id)
);

CREATE TABLE bookings (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id     uuid NOT NULL,
    resident_id      uuid NOT NULL,
    service_type_id  uuid NOT NULL,
    minutes          integer NOT NULL CHECK (minutes BETWEEN 5 AND 1440),
    notes            text,
    state            booking_state NOT NULL DEFAULT 'requested',
    state_reason     text,
    slot_id          uuid,
    recurrence_id    uuid,
    booked_by        uuid REFERENCES users (id),
    booked_at        timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CHECK ((state IN ('scheduled', 'done', 'no_show')) <= (slot_id IS NOT NULL)),
    CHECK ((state IN ('cancelled', 'no_show')) <= (state_reason IS NOT NULL)),
    FOREIGN KEY (resident_id, community_id) REFERENCES residents (id, community_id),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id),
    FOREIGN KEY (slot_id, community_id) REFERENCES slots (id, community_id),
    FOREIGN KEY (recurrence_id, community_id) REFERENCES booking_recurrences (id, community_id),
    UNIQUE (id, community_id)
);
CREATE UNIQUE INDEX bookings_one_per_slot ON bookings (slot_id) WHERE slot_id IS NOT NULL;
CREATE INDEX bookings_resident ON bookings (resident_id, booked_at);

-- Acceptable windows for the visit to start and run in.
CREATE TABLE booking_windows (
    booking_id    uuid NOT NULL,
    community_id  uuid NOT NULL,
    during        tstzrange NOT NULL CHECK (NOT isempty(during) AND NOT lower_inf(during) AND NOT upper_inf(during)),
    PRIMARY KEY (booking_id, during),
    FOREIGN KEY (booking_id, community_id) REFERENCES bookings (id, community_id) ON DELETE CASCADE
);

-- ---------------------------------------------------------------------------------------
-- Rosters: one community's week, as numbered versions.
CREATE TYPE roster_state AS ENUM ('draft', 'published', 'superseded');

CREATE TABLE rosters (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id        uuid NOT NULL REFERENCES communities (id),
    week_start          date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    version             integer NOT NULL CHECK (version >= 1),
    state               roster_state NOT NULL DEFAULT 'draft',
    based_on_roster_id  uuid REFERENCES rosters (id),
    score               jsonb,
    created_by          uuid REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    published_by        uuid REFERENCES users (id),
    published_at        timestamptz,
    CHECK ((state = 'draft') = (published_at IS NULL)),
    UNIQUE (community_id, week_start, version),
    UNIQUE (id, community_id)
);
CREATE UNIQUE INDEX rosters_one_published ON rosters (community_id, week_start) WHERE state = 'published';

-- A volunteer on a slot in one roster version. `is_live` marks the assignments people have
-- been told about (the published version, and desk bookings confirmed against it).
CREATE TABLE assignments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    roster_id     uuid NOT NULL,
    community_id  uuid NOT NULL,
    slot_id       uuid NOT NULL,
    volunteer_id  uuid NOT NULL,
    during        tstzrange NOT NULL,
    is_live       boolean NOT NULL DEFAULT false,
    is_pinned     boolean NOT NULL DEFAULT false,
    reason        text,
    created_by    uuid REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (roster_id, community_id) REFERENCES rosters (id, community_id),
    FOREIGN KEY (slot_id, community_id) REFERENCES slots (id, community_id),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id),
    UNIQUE (roster_id, slot_id, volunteer_id),
    UNIQUE (id, community_id),
    -- Never two overlapping assignments for one person in one roster version …
    CONSTRAINT assignments_no_double_booking_in_roster
        EXCLUDE USING gist (roster_id WITH =, volunteer_id WITH =, during WITH &&),
    -- … nor among the live ones, across versions and weeks.
    CONSTRAINT assignments_no_double_booking_live
        EXCLUDE USING gist (volunteer_id WITH =, during WITH &&) WHERE (is_live)
);
CREATE INDEX assignments_slot ON assignments (slot_id);

-- Headcount per slot and roster version, kept by a trigger; the row lock it takes makes
-- concurrent writers queue, so no slot ever gets more people than its maximum.
CREATE TABLE roster_slot_fill (
    roster_id     uuid NOT NULL,
    slot_id       uuid NOT NULL,
    community_id  uuid NOT NULL,
    assigned      integer NOT NULL CHECK (assigned >= 0),
    PRIMARY KEY (roster_id, slot_id)
);

CREATE FUNCTION assignments_keep_fill() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    filled integer;
    maximum integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT s.headcount_max, s.during INTO maximum, NEW.during FROM slots s WHERE s.id = NEW.slot_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'slot % does not exist', NEW.slot_id
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'assignments_slot_id_community_id_fkey';
        END IF;
        INSERT INTO roster_slot_fill (roster_id, slot_id, community_id, assigned)
        VALUES (NEW.roster_id, NEW.slot_id, NEW.community_id, 1)
        ON CONFLICT (roster_id, slot_id) DO UPDATE SET assigned = roster_slot_fill.assigned + 1
        RETURNING assigned INTO filled;
        IF filled > maximum THEN
            RAISE EXCEPTION 'slot % already has its maximum of % people', NEW.slot_id, maximum
                USING ERRCODE = 'check_violation', CONSTRAINT = 'slot_headcount_max';
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE roster_slot_fill SET assigned = assigned - 1 WHERE roster_id = OLD.roster_id AND slot_id = OLD.slot_id;
        RETURN OLD;
    ELSE
        IF NEW.slot_id <> OLD.slot_id OR NEW.roster_id <> OLD.roster_id OR NEW.volunteer_id <> OLD.volunteer_id THEN
            RAISE EXCEPTION 'an assignment''s roster, slot and volunteer cannot change: delete it and add a new one'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'assignment_identity';
        END IF;
        SELECT s.during INTO NEW.during FROM slots s WHERE s.id = NEW.slot_id;
        RETURN NEW;
    END IF;
END
$$;
CREATE TRIGGER assignments_keep_fill BEFORE INSERT OR UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignments_keep_fill();

-- When a slot moves, its assignments move with it (and the exclusion constraints re-check).
CREATE FUNCTION slots_move_assignments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.during IS DISTINCT FROM OLD.during THEN
        UPDATE assignments SET during = NEW.during WHERE slot_id = NEW.id;
    END IF;
    IF NEW.headcount_max < OLD.headcount_max AND EXISTS (
        SELECT 1 FROM roster_slot_fill f WHERE f.slot_id = NEW.id AND f.assigned > NEW.headcount_max) THEN
        RAISE EXCEPTION 'slot % has more people assigned than the new maximum of %', NEW.id, NEW.headcount_max
            USING ERRCODE = 'check_violation', CONSTRAINT = 'slot_headcount_max';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER slots_move_assignments AFTER UPDATE ON slots
    FOR EACH ROW EXECUTE FUNCTION slots_move_assignments();

-- ---------------------------------------------------------------------------------------
-- Attendance and the service-hours ledger (志愿服务时长 / 时间银行)
CREATE TYPE attendance_status AS ENUM ('attended', 'absent', 'late');

CREATE TABLE attendance (
    assignment_id  uuid PRIMARY KEY,
    community_id   uuid NOT NULL,
    status         attendance_status NOT NULL,
    minutes        integer NOT NULL CHECK (minutes BETWEEN 0 AND 1440),
    note           text,
    recorded_by    uuid REFERENCES users (id),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (assignment_id, community_id) REFERENCES assignments (id, community_id),
    CHECK (status <> 'absent' OR minutes = 0)
);

-- Append-only: a correction is a new entry with negative minutes.
CREATE TABLE service_hours (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id   uuid NOT NULL,
    volunteer_id   uuid NOT NULL,
    assignment_id  uuid,
    service_kind   service_kind NOT NULL,
    served_at      timestamptz NOT NULL,
    minutes        integer NOT NULL CHECK (minutes <> 0 AND minutes BETWEEN -1440 AND 1440),
    reason         text NOT NULL,
    recorded_by    uuid REFERENCES users (id),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id)
);
CREATE INDEX service_hours_volunteer ON service_hours (volunteer_id, served_at);

-- Recording or changing attendance books the difference in the ledger.
CREATE FUNCTION attendance_book_hours() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta integer := NEW.minutes - CASE WHEN TG_OP = 'UPDATE' THEN OLD.minutes ELSE 0 END;
    a record;
BEGIN
    IF delta <> 0 THEN
        SELECT x.volunteer_id, lower(x.during) AS served_at, st.kind INTO a
        FROM assignments x JOIN slots s ON s.id = x.slot_id JOIN service_types st ON st.id = s.service_type_id
        WHERE x.id = NEW.assignment_id;
        INSERT INTO service_hours (community_id, volunteer_id, assignment_id, service_kind, served_at, minutes, reason, recorded_by)
        VALUES (NEW.community_id, a.volunteer_id, NEW.assignment_id, a.kind, a.served_at, delta,
                CASE WHEN TG_OP = 'INSERT' THEN 'attendance' ELSE 'attendance corrected' END, NEW.recorded_by);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER attendance_book_hours AFTER INSERT OR UPDATE ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_book_hours();

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: add a correcting entry instead', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER service_hours_append_only BEFORE UPDATE OR DELETE ON service_hours
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
