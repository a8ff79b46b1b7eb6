import Foundation
import LinliDatabase
import LinliDomain
import LinliExport

/// The figures a community reports besides hours and participation (the brief's Reporting):
/// home visits per resident (delivered, still scheduled, cancelled, no-show) and the work the live
/// roster leaves unfilled, per service, over a period of days in the community's time zone.
/// All SQL of these two reports is here.
public struct ServiceReports: Sendable {
    public init() {}

    /// Every resident with a home visit in the period (by its time, or, not yet scheduled, its
    /// first acceptable window), by grid and name.
    public func visitsPerResident(from: LocalDate, through: LocalDate, on tx: Connection) async throws -> [ResidentVisitsLine] {
        try await tx.query(
            """
            WITH visits AS (
                SELECT b.resident_id, b.state, b.minutes,
                       coalesce(s.starts_at, (SELECT min(lower(w.during)) FROM booking_windows w WHERE w.booking_id = b.id))
                           AS at
                FROM bookings b
                LEFT JOIN slots s ON s.id = b.slot_id
            )
            SELECT r.id, r.name, g.name AS grid,
                   count(*) FILTER (WHERE v.state = 'done')::bigint AS done,
                   coalesce(sum(v.minutes) FILTER (WHERE v.state = 'done'), 0)::bigint AS minutes_done,
                   count(*) FILTER (WHERE v.state = 'scheduled')::bigint AS scheduled,
                   count(*) FILTER (WHERE v.state = 'requested')::bigint AS requested,
                   count(*) FILTER (WHERE v.state = 'cancelled')::bigint AS cancelled,
                   count(*) FILTER (WHERE v.state = 'no_show')::bigint AS no_show
            FROM visits v
            JOIN residents r ON r.id = v.resident_id
            JOIN communities c ON c.id = r.community_id
            LEFT JOIN grids g ON g.id = r.grid_id
            WHERE v.at >= \(from)::date::timestamp AT TIME ZONE c.time_zone
              AND v.at < (\(through)::date + 1)::timestamp AT TIME ZONE c.time_zone
            GROUP BY r.id, r.name, g.name
            ORDER BY g.name NULLS LAST, r.name, r.id
            """
        ).rows.map { row in
            ResidentVisitsLine(
                residentID: try row.decode("id"), name: try row.decode("name"), grid: try row.decode("grid"),
                done: try row.decode("done"), minutesDone: try row.decode("minutes_done"),
                scheduled: try row.decode("scheduled"), requested: try row.decode("requested"),
                cancelled: try row.decode("cancelled"), noShow: try row.decode("no_show"))
        }
    }

    /// Every service with open slots starting in the period, with what the live roster places
    /// on them, in the catalogue's order of kind and priority.
    public func unfilledWork(from: LocalDate, through: LocalDate, on tx: Connection) async throws -> [UnfilledWorkLine] {
        try await tx.query(
            """
            WITH filled AS (
                SELECT s.id, s.service_type_id, s.headcount_min,
                       least((SELECT count(*) FROM assignments a WHERE a.slot_id = s.id AND a.is_live), s.headcount_min)
                           AS placed
                FROM slots s
                JOIN communities c ON c.id = s.community_id
                WHERE s.status = 'open'
                  AND s.starts_at >= \(from)::date::timestamp AT TIME ZONE c.time_zone
                  AND s.starts_at < (\(through)::date + 1)::timestamp AT TIME ZONE c.time_zone
            )
            SELECT t.code, t.name_zh, t.name_en, t.kind::text AS kind, count(*)::bigint AS slots,
                   count(*) FILTER (WHERE f.placed < f.headcount_min)::bigint AS short_slots,
                   sum(f.headcount_min)::bigint AS wanted, sum(f.placed)::bigint AS placed
            FROM filled f
            JOIN service_types t ON t.id = f.service_type_id
            GROUP BY t.id, t.code, t.name_zh, t.name_en, t.kind, t.priority
            ORDER BY t.kind, t.priority DESC, t.code
            """
        ).rows.map { row in
            UnfilledWorkLine(
                serviceCode: try row.decode("code"), serviceNameZh: try row.decode("name_zh"),
                serviceNameEn: try row.decode("name_en"),
                kind: ServiceKind(rawValue: try row.decode("kind")) ?? .duty,
                slots: try row.decode("slots"), shortSlots: try row.decode("short_slots"),
                wanted: try row.decode("wanted"), placed: try row.decode("placed"))
        }
    }
}
