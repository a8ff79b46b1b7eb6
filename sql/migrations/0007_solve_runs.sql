-- Roster solving runs: one row per "solve this community's week" request, whether the worker
-- runs it as a job (roster.solve) or `linli roster solve` runs it in-process. The UI and the
-- CLI read the progress (best score over time) from here; the coordinator cancels by setting
-- cancel_requested, which the solving process polls.

CREATE TYPE roster_solve_state AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

CREATE TABLE roster_solve_runs (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    community_id      uuid NOT NULL REFERENCES communities (id),
    week_start        date NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    requested_by      uuid REFERENCES users (id),
    -- The roster.solve job, when the worker runs it (no foreign key: finished jobs are purged).
    job_id            bigint,
    state             roster_solve_state NOT NULL DEFAULT 'queued',
    seconds_limit     double precision NOT NULL CHECK (seconds_limit > 0 AND seconds_limit <= 3600),
    seed              bigint NOT NULL DEFAULT 1 CHECK (seed >= 0),
    cancel_requested  boolean NOT NULL DEFAULT false,
    -- [{"elapsedMs": 1000, "score": {"hard": 0, "soft": 1234}, "unfilled": 3}, …], oldest first.
    progress          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(progress) = 'array'),
    best_score        jsonb,
    unfilled          integer CHECK (unfilled >= 0),
    result_roster_id  uuid,
    error             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    FOREIGN KEY (result_roster_id, community_id) REFERENCES rosters (id, community_id),
    CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (state <> 'succeeded' OR result_roster_id IS NOT NULL),
    CHECK (state <> 'failed' OR error IS NOT NULL),
    UNIQUE (id, community_id)
);
CREATE INDEX roster_solve_runs_week ON roster_solve_runs (community_id, week_start, created_at DESC);

-- Progress is written about once a second while a run lasts: not audited (the result roster is).
ALTER TABLE roster_solve_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE roster_solve_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY community_isolation ON roster_solve_runs
    USING (linli_can_see(community_id)) WITH CHECK (linli_can_see(community_id));

GRANT SELECT, INSERT, UPDATE, DELETE ON roster_solve_runs TO linli_app;
