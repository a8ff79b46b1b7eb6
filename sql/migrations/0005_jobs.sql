-- The job queue: jobs are rows, enqueued in the same transaction as the change that causes
-- them, claimed with FOR UPDATE SKIP LOCKED, held under a lease measured by the database's
-- clock, retried with backoff, and parked as 'dead' after their last attempt.

CREATE TYPE job_state AS ENUM ('pending', 'running', 'succeeded', 'dead', 'cancelled');

CREATE TABLE jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_id  uuid REFERENCES communities (id),
    kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{1,63}$'),
    -- At most one job ever per key (one reminder per assignment, kind and version).
    unique_key    text,
    payload       jsonb NOT NULL DEFAULT '{}',
    -- Higher runs first.
    priority      smallint NOT NULL DEFAULT 0,
    state         job_state NOT NULL DEFAULT 'pending',
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts  integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 100),
    locked_by     text,
    locked_until  timestamptz,
    heartbeat_at  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'dead', 'cancelled')) = (finished_at IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Workers run across communities (linli.all_communities); a community's staff see its own jobs.
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY community_isolation ON jobs
    USING (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END)
    WITH CHECK (CASE WHEN community_id IS NULL THEN linli_sees_all() ELSE linli_can_see(community_id) END);

GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO linli_app;
GRANT USAGE, SELECT ON SEQUENCE jobs_id_seq TO linli_app;
