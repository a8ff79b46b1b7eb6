import Foundation
import LinliDatabase
import LinliDomain

/// Expands slot templates into the slots of one week, in each community's time zone
/// (Asia/Shanghai), following the holiday calendar.
///
/// For every day of the week the calendar entry that counts is the community's own, or else the
/// national one. On a 法定节假日 (`holiday`) templates with `skipHolidays` do not run; on a 调休
/// working day (`workday`, works as weekday N) the templates of weekday N run instead of those
/// of the day's own weekday. A template runs only on days within its validity and while it and
/// its service type are active. Running it again creates nothing new: a template makes at most
/// one slot a day, and a slot already made that day (even if moved or cancelled since) stays.
public struct SlotGenerator: Sendable {
    public init() {}

    /// Creates the missing slots of the week starting on `week` (a Monday) for every template
    /// this transaction can see; returns how many it created.
    public func generate(week: LocalDate, on tx: Connection) async throws -> Int {
        guard week.isoWeekday == 1 else {
            throw StorageError(code: .invalidValue, message: "a week starts on a Monday; \(week) is not one")
        }
        return try await tx.execute(
            """
            INSERT INTO slots (community_id, service_type_id, place_id, team_id, template_id, starts_at, ends_at,
                               headcount_min, headcount_max)
            SELECT t.community_id, t.service_type_id, t.place_id, t.team_id, t.id,
                   (d.day::timestamp + make_interval(mins => t.start_minute)) AT TIME ZONE c.time_zone,
                   (d.day::timestamp + make_interval(mins => t.start_minute + t.minutes)) AT TIME ZONE c.time_zone,
                   t.headcount_min, t.headcount_max
            FROM slot_templates t
            JOIN communities c ON c.id = t.community_id
            JOIN service_types st ON st.id = t.service_type_id
            CROSS JOIN LATERAL (SELECT (\(week)::date + i) AS day FROM generate_series(0, 6) AS i) AS d
            LEFT JOIN LATERAL (
                SELECT cd.kind, cd.works_as_weekday FROM calendar_days cd
                WHERE cd.day = d.day AND (cd.community_id = t.community_id OR cd.community_id IS NULL)
                ORDER BY cd.community_id NULLS LAST
                LIMIT 1) AS cal ON true
            WHERE t.is_active AND st.is_active
              AND d.day >= t.valid_from AND (t.valid_until IS NULL OR d.day <= t.valid_until)
              AND coalesce(cal.works_as_weekday, extract(isodow FROM d.day)::int) = ANY (t.weekdays)
              AND NOT (t.skip_holidays AND cal.kind IS NOT DISTINCT FROM 'holiday')
              AND NOT EXISTS (
                  SELECT 1 FROM slots s
                  WHERE s.template_id = t.id
                    AND s.starts_at >= d.day::timestamp AT TIME ZONE c.time_zone
                    AND s.starts_at < (d.day + 1)::timestamp AT TIME ZONE c.time_zone)
            ON CONFLICT (template_id, starts_at) DO NOTHING
            """)
    }

    /// `generate(week:on:)` in a transaction of its own under `scope`.
    public func generate(week: LocalDate, scope: DataScope, in store: Store) async throws -> Int {
        try await store.transaction(scope) { tx in try await generate(week: week, on: tx) }
    }
}
