-- The people Linli schedules and serves: volunteers, 三老巡逻队 patrol teams, and elderly
-- residents. The full model (skills, availability, limits, care needs) grows in later
-- migrations; these are the records every later table points at.

CREATE TYPE sex AS ENUM ('female', 'male');
CREATE TYPE volunteer_group AS ENUM ('party_member', 'youth', 'women', 'elderly', 'resident', 'student');

-- 志愿者. Deactivated, never deleted, so history and service hours stay.
CREATE TABLE volunteers (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id  uuid NOT NULL REFERENCES communities (id),
    external_id   text,
    name          text NOT NULL CHECK (length(btrim(name)) > 0),
    phone         text CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    sex           sex NOT NULL,
    birth_year    integer CHECK (birth_year BETWEEN 1900 AND 2100),
    home_grid_id  uuid,
    groups        volunteer_group[] NOT NULL DEFAULT '{}',
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (home_grid_id, community_id) REFERENCES grids (id, community_id),
    UNIQUE (community_id, external_id),
    UNIQUE (id, community_id)
);
CREATE UNIQUE INDEX volunteers_phone_unique ON volunteers (community_id, phone) WHERE phone IS NOT NULL;

-- 三老巡逻队: a team with a leader, walking fixed routes.
CREATE TABLE patrol_teams (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id       uuid NOT NULL REFERENCES communities (id),
    name               text NOT NULL CHECK (length(btrim(name)) > 0),
    police_station     text,
    wecom_webhook_ref  text,
    UNIQUE (community_id, name),
    UNIQUE (id, community_id)
);

CREATE TABLE patrol_team_members (
    team_id       uuid NOT NULL,
    volunteer_id  uuid NOT NULL,
    community_id  uuid NOT NULL,
    is_leader     boolean NOT NULL DEFAULT false,
    joined_on     date NOT NULL DEFAULT current_date,
    PRIMARY KEY (team_id, volunteer_id),
    FOREIGN KEY (team_id, community_id) REFERENCES patrol_teams (id, community_id),
    FOREIGN KEY (volunteer_id, community_id) REFERENCES volunteers (id, community_id)
);
-- One leader per team.
CREATE UNIQUE INDEX patrol_team_one_leader ON patrol_team_members (team_id) WHERE is_leader;

-- 老人: elderly residents served by home-care visits. Personal data is sensitive (PIPL).
CREATE TABLE residents (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id          uuid NOT NULL REFERENCES communities (id),
    external_id           text,
    name                  text NOT NULL CHECK (length(btrim(name)) > 0),
    sex                   sex NOT NULL,
    birth_year            integer CHECK (birth_year BETWEEN 1900 AND 2100),
    grid_id               uuid,
    place_id              uuid,
    address               text,
    phone                 text,
    family_contact_name   text,
    family_contact_phone  text,
    needs_call            boolean NOT NULL DEFAULT false,
    lives_alone           boolean NOT NULL DEFAULT false,
    care_notes            text,
    is_active             boolean NOT NULL DEFAULT true,
    created_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (grid_id, community_id) REFERENCES grids (id, community_id),
    FOREIGN KEY (place_id, community_id) REFERENCES places (id, community_id),
    UNIQUE (community_id, external_id),
    UNIQUE (id, community_id)
);
