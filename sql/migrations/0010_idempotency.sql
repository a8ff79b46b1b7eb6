-- Idempotency keys of the API's writes, and the booking desk's proposals.
--
-- idempotency_keys: a write sent with an `Idempotency-Key` header claims the key (state
-- 'in_flight') before it runs and stores its final answer (status, the headers that matter,
-- body) when it ends with a 2xx or 4xx; a 5xx deletes the claim so the client may retry.
-- A retry with the same key and the same request replays the stored answer. Keys are scoped
-- per community and per user (user_id stays NULL until the API has sign-in; NULLS NOT
-- DISTINCT makes the NULL user one scope). Kept 24 hours; the worker's maintenance job
-- deletes expired rows.
CREATE TABLE idempotency_keys (
    id            bigserial PRIMARY KEY,
    community_id  uuid NOT NULL REFERENCES communities (id),
    user_id       uuid REFERENCES users (id),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path with query, and body: the "same request" test.
    fingerprint   bytea NOT NULL CHECK (length(fingerprint) = 32),
    state         text NOT NULL DEFAULT 'in_flight' CHECK (state IN ('in_flight', 'done')),
    status        integer CHECK (status BETWEEN 200 AND 499),
    headers       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headers) = 'object'),
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    CHECK ((state = 'done') = (status IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (community_id, user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- booking_proposals: what the desk was offered by POST …/bookings/proposals (a visit time and
-- its volunteers against a published roster), kept until confirmed or expired. Confirming
-- creates the booking, its slot and the assignments in one transaction and records the booking.
CREATE TABLE booking_proposals (
    id               uuid PRIMARY KEY,
    community_id     uuid NOT NULL REFERENCES communities (id),
    resident_id      uuid NOT NULL,
    service_type_id  uuid NOT NULL,
    minutes          integer NOT NULL CHECK (minutes BETWEEN 5 AND 720),
    notes            text,
    -- The acceptable windows as asked, recorded on the booking when confirmed.
    windows          tstzrange[] NOT NULL CHECK (cardinality(windows) >= 1),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz NOT NULL CHECK (ends_at > starts_at),
    volunteer_ids    uuid[] NOT NULL CHECK (cardinality(volunteer_ids) >= 1),
    roster_id        uuid NOT NULL,
    booking_id       uuid,
    created_by       uuid REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    FOREIGN KEY (resident_id, community_id) REFERENCES residents (id, community_id),
    FOREIGN KEY (service_type_id, community_id) REFERENCES service_types (id, community_id),
    FOREIGN KEY (roster_id, community_id) REFERENCES rosters (id, community_id),
    FOREIGN KEY (booking_id, community_id) REFERENCES bookings (id, community_id)
);
CREATE INDEX booking_proposals_expiry ON booking_proposals (expires_at) WHERE booking_id IS NULL;

-- Both are request bookkeeping, written on every keyed write or proposal: not audited (the
-- bookings, slots and assignments they lead to are).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['idempotency_keys', 'booking_proposals']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY community_isolation ON %I USING (linli_can_see(community_id)) WITH CHECK (linli_can_see(community_id))', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys, booking_proposals TO linli_app;
GRANT USAGE, SELECT ON SEQUENCE idempotency_keys_id_seq TO linli_app;
