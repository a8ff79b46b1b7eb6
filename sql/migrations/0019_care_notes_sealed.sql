-- Residents' care notes encrypted at rest.
--
-- A care note is sealed by the programs (AES-256-GCM, a random nonce per value, the community
-- and the resident as associated data, so a sealed value copied onto another row does not
-- open) with a key from the settings (LINLI_CARE_NOTES_KEY_FILE or LINLI_CARE_NOTES_KEYS) that
-- the database never sees. `care_notes_sealed` holds nonce, ciphertext and tag;
-- `care_notes_key_id` the number of the key that sealed it, so keys can be rotated
-- (`linli care-notes rotate`) while older ones are still listed for reading.
--
-- SQL cannot seal the plain text already in `care_notes`: `linli care-notes seal` does, and
-- clears it; `linli migrate`, `linli doctor` and the service's start say how many are left.
-- Nothing in SQL can search the notes any more (no query ever did: residents are searched by
-- name, address and phone only).
--
-- Both new columns start with `care_notes`, so the worker's role cannot read them (0012).

ALTER TABLE residents
    ADD COLUMN care_notes_sealed bytea CHECK (length(care_notes_sealed) >= 28),
    ADD COLUMN care_notes_key_id integer CHECK (care_notes_key_id > 0),
    ADD CONSTRAINT residents_care_notes_sealed_with_key
        CHECK ((care_notes_sealed IS NULL) = (care_notes_key_id IS NULL));

-- The audit log no longer keeps a digest of the plain text (an MD5 of a short note can be
-- guessed); it records that the notes changed, and never copies the sealed bytes either.
-- Rows written before this migration keep their digests: the log is append-only.
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    community uuid;
    name text;
    mark text;
BEGIN
    IF TG_OP = 'UPDATE' AND old_row = new_row THEN
        RETURN NULL;
    END IF;
    -- Care notes are sensitive: the log says that they changed, not what they say.
    IF TG_TABLE_NAME = 'residents' THEN
        FOREACH name IN ARRAY ARRAY['care_notes', 'care_notes_sealed'] LOOP
            mark := CASE WHEN TG_OP = 'UPDATE' AND (to_jsonb(OLD)->name) IS DISTINCT FROM (to_jsonb(NEW)->name)
                         THEN '[redacted, changed]' ELSE '[redacted]' END;
            IF old_row ? name AND old_row->>name IS NOT NULL THEN
                old_row := jsonb_set(old_row, ARRAY[name], to_jsonb(mark));
            END IF;
            IF new_row ? name AND new_row->>name IS NOT NULL THEN
                new_row := jsonb_set(new_row, ARRAY[name], to_jsonb(mark));
            END IF;
        END LOOP;
    ELSIF TG_TABLE_NAME = 'users' THEN
        old_row := old_row - 'password_hash';
        new_row := new_row - 'password_hash';
    END IF;
    community := coalesce(new_row->>'community_id', old_row->>'community_id',
                          CASE WHEN TG_TABLE_NAME = 'communities' THEN coalesce(new_row->>'id', old_row->>'id') END)::uuid;
    INSERT INTO audit_log (community_id, actor_user_id, action, table_name, row_id, before, after)
    VALUES (community, nullif(current_setting('linli.user_id', true), '')::uuid, TG_OP, TG_TABLE_NAME,
            coalesce(new_row->>'id', old_row->>'id', new_row->>'assignment_id', old_row->>'assignment_id'),
            old_row, new_row);
    RETURN NULL;
END
$$;

-- The worker role gets what linli_app has, without the care notes columns (0012).
SELECT linli_grant_worker();
