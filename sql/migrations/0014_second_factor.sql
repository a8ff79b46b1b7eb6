-- The second factor of sign-in (TOTP, RFC 6238) for administrators and coordinators.
--
-- One row per enrolled account: the shared secret, and the last time step a code was accepted
-- for (a code is refused for that step or an earlier one, so an overheard code cannot be used
-- again). Like sessions, visible only to transactions that see all communities (the sign-in
-- code and administrators): no community's scope reads a secret.

CREATE TABLE user_second_factors (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    secret       bytea NOT NULL CHECK (length(secret) BETWEEN 16 AND 64),
    -- Enrolment is confirmed by a first valid code; until then the factor is not required.
    confirmed_at timestamptz,
    last_step    bigint,
    created_at   timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE user_second_factors ENABLE ROW LEVEL SECURITY;
ALTER TABLE user_second_factors FORCE ROW LEVEL SECURITY;
CREATE POLICY all_communities_only ON user_second_factors
    USING (linli_sees_all()) WITH CHECK (linli_sees_all());

GRANT SELECT, INSERT, UPDATE, DELETE ON user_second_factors TO linli_app;

-- The worker role gets what linli_app has (0012).
SELECT linli_grant_worker();
