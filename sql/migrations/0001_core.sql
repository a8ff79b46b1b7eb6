-- Linli core schema: the organisation (sub-district → community → grid → place), staff
-- accounts with community-scoped roles, and the worker heartbeat.
-- Forward-only: never edit this file once applied; add a new migration instead.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- 街道: a sub-district runs several communities.
CREATE TABLE sub_districts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL UNIQUE CHECK (length(btrim(name)) > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- 社区: the unit whose data is private to its own staff.
CREATE TABLE communities (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sub_district_id  uuid REFERENCES sub_districts (id),
    code             text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    name             text NOT NULL CHECK (length(btrim(name)) > 0),
    phone            text,
    time_zone        text NOT NULL DEFAULT 'Asia/Shanghai',
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- 网格: a few hundred households with a grid worker.
CREATE TABLE grids (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id      uuid NOT NULL REFERENCES communities (id),
    code              text NOT NULL CHECK (length(btrim(code)) > 0),
    name              text NOT NULL CHECK (length(btrim(name)) > 0),
    grid_worker_name  text,
    grid_worker_phone text,
    UNIQUE (community_id, code),
    UNIQUE (id, community_id)
);

-- Travel between grids, in minutes, for the scheduler's "one place at a time" rule.
CREATE TABLE grid_travel_minutes (
    community_id  uuid NOT NULL,
    from_grid_id  uuid NOT NULL,
    to_grid_id    uuid NOT NULL,
    minutes       integer NOT NULL CHECK (minutes BETWEEN 0 AND 240),
    PRIMARY KEY (from_grid_id, to_grid_id),
    FOREIGN KEY (from_grid_id, community_id) REFERENCES grids (id, community_id),
    FOREIGN KEY (to_grid_id, community_id) REFERENCES grids (id, community_id),
    CHECK (from_grid_id <> to_grid_id)
);

CREATE TYPE place_kind AS ENUM ('building', 'courtyard', 'service_station', 'patrol_route', 'community_centre', 'canteen', 'library');

-- 楼栋/院落, service stations and patrol routes.
CREATE TABLE places (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id  uuid NOT NULL REFERENCES communities (id),
    grid_id       uuid,
    kind          place_kind NOT NULL,
    name          text NOT NULL CHECK (length(btrim(name)) > 0),
    address       text,
    FOREIGN KEY (grid_id, community_id) REFERENCES grids (id, community_id),
    UNIQUE (community_id, kind, name),
    UNIQUE (id, community_id)
);

-- Staff accounts. Passwords are stored only as Argon2id hashes (set by the accounts feature).
CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    login          text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,39}$'),
    display_name   text NOT NULL CHECK (length(btrim(display_name)) > 0),
    password_hash  text,
    locale         text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    is_active      boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE user_role AS ENUM ('administrator', 'coordinator', 'desk_staff', 'patrol_leader');

-- A role in one community; administrators hold theirs for all communities (community_id NULL).
CREATE TABLE user_roles (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    role          user_role NOT NULL,
    community_id  uuid REFERENCES communities (id),
    CHECK ((role = 'administrator') = (community_id IS NULL))
);
CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, coalesce(community_id, '00000000-0000-0000-0000-000000000000'));

-- Each worker process writes here every few seconds; `linli doctor` and /readyz read it.
CREATE TABLE worker_heartbeats (
    instance_name  text PRIMARY KEY,
    host           text NOT NULL,
    pid            integer NOT NULL,
    version        text NOT NULL,
    started_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL
);
