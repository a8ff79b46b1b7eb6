-- The worker's own role: everything the application role may do, except touch residents'
-- care notes.
--
-- linli-worker runs its sessions as `linli_worker` (LINLI_WORKER_DATABASE_ROLE): the login
-- role itself, or `SET ROLE` from the connecting role. Like `linli_app` it owns nothing, so
-- row-level security applies. Sending a reminder or solving a roster never needs what a
-- coordinator wrote about a resident's health, so the worker cannot read it: a leaked worker
-- credential or an injected query in a job does not expose care notes.
--
-- `linli_grant_worker()` copies linli_app's current privileges to linli_worker (tables,
-- views, sequences), and on `residents` grants the columns one by one, leaving out every
-- column whose name starts with `care_notes`. A later migration that adds a table or a
-- resident column ends with `SELECT linli_grant_worker();` (a test compares the two roles).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'linli_worker') THEN
        CREATE ROLE linli_worker NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created at the same moment by a migration of another database in this cluster
END
$$;

CREATE FUNCTION linli_grant_worker() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    app oid := 'linli_app'::regrole;
    g record;
    columns text;
BEGIN
    EXECUTE 'GRANT USAGE ON SCHEMA public TO linli_worker';
    -- Tables and views: the same privileges, whole tables, except residents.
    FOR g IN
        SELECT c.oid, c.relname, c.relkind, string_agg(DISTINCT a.privilege_type, ', ') AS privileges
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND a.grantee = app
        GROUP BY c.oid, c.relname, c.relkind
    LOOP
        IF g.relname = 'residents' THEN
            CONTINUE;
        END IF;
        EXECUTE format('REVOKE ALL ON %s %I FROM linli_worker', CASE WHEN g.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, g.relname);
        EXECUTE format('GRANT %s ON %s %I TO linli_worker', g.privileges, CASE WHEN g.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, g.relname);
    END LOOP;

    -- Residents: the columns without care notes, for each column privilege linli_app has;
    -- DELETE only if linli_app has it (it names no column).
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
    FROM pg_attribute
    WHERE attrelid = 'residents'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE 'care\_notes%';
    EXECUTE 'REVOKE ALL ON TABLE residents FROM linli_worker';
    FOR g IN
        SELECT DISTINCT a.privilege_type
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid = 'residents'::regclass AND a.grantee = app
    LOOP
        IF g.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'REFERENCES') THEN
            EXECUTE format('GRANT %s (%s) ON TABLE residents TO linli_worker', g.privilege_type, columns);
        ELSIF g.privilege_type = 'DELETE' THEN
            EXECUTE 'GRANT DELETE ON TABLE residents TO linli_worker';
        END IF;
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION linli_grant_worker() FROM PUBLIC;

SELECT linli_grant_worker();
