-- A community's own staff may change its reminder rules (quiet hours, daily message cap) and
-- its phone number; its code, name, sub-district, time zone and whether it is active stay the
-- business of administrators (sessions that see all communities).
--
-- Policies are permissive: this one lets a community's own scope UPDATE its row, next to
-- `community_isolation`, which lets administrators do everything. The trigger limits what the
-- community's scope may change.

CREATE POLICY community_own_settings ON communities FOR UPDATE
    USING (linli_can_see(id)) WITH CHECK (linli_can_see(id));

CREATE FUNCTION communities_guard_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT linli_sees_all()
       AND (NEW.id, NEW.code, NEW.name, NEW.sub_district_id, NEW.time_zone, NEW.is_active)
           IS DISTINCT FROM (OLD.id, OLD.code, OLD.name, OLD.sub_district_id, OLD.time_zone, OLD.is_active) THEN
        RAISE EXCEPTION 'only an administrator may change a community''s code, name, sub-district, time zone or state'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER communities_guard_identity BEFORE UPDATE ON communities
    FOR EACH ROW EXECUTE FUNCTION communities_guard_identity();
