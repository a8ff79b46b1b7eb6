-- Staff sign-in: browser sessions and API tokens, and the record of login attempts that
-- throttles password guessing. Passwords are Argon2id hashes in users.password_hash (0001).
--
-- Neither table is community data: a session belongs to a person, who may work in several
-- communities. Both are visible only to transactions that run with linli.all_communities
-- (the sign-in code in LinliAccounts, and administrators); a transaction scoped to one
-- community, as a coordinator's request is, sees no session and no login attempt, not even
-- its own. Tokens are never stored: only their SHA-256.

-- When the password was last set; the audit log shows it change (the hash itself is redacted).
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;

CREATE TYPE session_kind AS ENUM ('browser', 'api_token');

CREATE TABLE sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id),
    kind            session_kind NOT NULL,
    -- SHA-256 of the token. The token is shown once, when it is issued.
    token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    label           text CHECK (length(label) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The client's address (IPv6: its /64) when the session was opened.
    created_from    text CHECK (length(created_from) <= 64),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    -- A session ends at expires_at at the latest, and earlier when unused for idle_timeout.
    expires_at      timestamptz NOT NULL,
    idle_timeout    interval CHECK (idle_timeout > interval '0'),
    revoked_at      timestamptz,
    revoked_reason  text,
    CHECK (expires_at > created_at),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Every sign-in attempt, for throttling (counted per login and per address) and for review.
-- 'throttled' attempts were refused without looking at the password and do not count as failures.
CREATE TYPE login_outcome AS ENUM ('succeeded', 'failed', 'throttled');

CREATE TABLE login_attempts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- As typed (lower-cased, at most 100 characters), whether or not such a user exists.
    login         text NOT NULL CHECK (length(login) <= 100),
    address       text CHECK (length(address) <= 64),
    outcome       login_outcome NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX login_attempts_login ON login_attempts (login, attempted_at);
CREATE INDEX login_attempts_address ON login_attempts (address, attempted_at) WHERE address IS NOT NULL;
CREATE INDEX login_attempts_time ON login_attempts (attempted_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'login_attempts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY all_communities_only ON %I USING (linli_sees_all()) WITH CHECK (linli_sees_all())', t);
    END LOOP;
END
$$;

-- The audit log records sessions opened and revoked, with the user, without the token's hash.
-- Their use (last_used_at, every request) is not a change worth a log row, and neither is the
-- purge of long-expired rows.
CREATE FUNCTION audit_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (community_id, actor_user_id, action, table_name, row_id, before, after)
    VALUES (NULL, nullif(current_setting('linli.user_id', true), '')::uuid, TG_OP, TG_TABLE_NAME, NEW.id::text,
            CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) - 'token_hash' - 'last_used_at' END,
            to_jsonb(NEW) - 'token_hash' - 'last_used_at');
    RETURN NULL;
END
$$;
CREATE TRIGGER sessions_audit_open AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION audit_session();
CREATE TRIGGER sessions_audit_revoke AFTER UPDATE OF revoked_at ON sessions
    FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at) EXECUTE FUNCTION audit_session();

-- DELETE only for the purge of rows long past their expiry or retention; UPDATE of an attempt
-- only to turn its provisional 'failed' (written before the password is checked) into 'succeeded'.
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions TO linli_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_attempts TO linli_app;
GRANT USAGE, SELECT ON SEQUENCE login_attempts_id_seq TO linli_app;
