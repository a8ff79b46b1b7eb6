import Foundation
import LinliDatabase
import LinliDomain
import LinliExport

/// Reads what the exports write (a week's roster, the volunteer list) from a server-side
/// cursor, handing rows over in batches, so a year of a sub-district's data never sits in
/// memory. Call inside `Store.transaction(.community(id))`. Residents' data (names, care
/// notes) is never read here. The hours report is `HoursReport.lines`. All SQL of the
/// roster and volunteer exports is here.
public struct ExportQueries: Sendable {
    /// Rows per FETCH.
    public var batchSize: Int

    public init(batchSize: Int = 500) { self.batchSize = batchSize }

    /// The roster version an export of `community`'s week shows: `version` if given, else the
    /// published one. `.notFound` names the versions there are.
    public func roster(
        community: ID<Community>, week: LocalDate, version: Int? = nil, on tx: Connection
    ) async throws -> Roster {
        let store = RosterStore()
        let versions = try await store.versions(community: community, week: week.weekStart, on: tx)
        let chosen =
            version.map { wanted in versions.first { $0.version == wanted } } ?? versions.first { $0.state == .published }
        if let chosen { return chosen }
        let list = versions.map { "\($0.version) (\($0.state.rawValue))" }.joined(separator: ", ")
        let existing = versions.isEmpty ? "该周还没有排班 / the week has no roster yet" : "现有版本 / versions: \(list)"
        let what =
            version.map { "该周没有第 \($0) 版排班 / the week of \(week.weekStart) has no roster version \($0)" }
            ?? "该周没有已发布的排班 / the week of \(week.weekStart) has no published roster; choose a version with --version"
        throw StorageError(code: .notFound, message: "\(what); \(existing)")
    }

    /// Every slot of the roster's week with the people on it in that version, by start time:
    /// one line per assignment, and one line without a volunteer for a slot nobody fills.
    /// With `volunteer`, only that volunteer's lines; with `team`, only that patrol team's
    /// slots. Returns the number of lines.
    @discardableResult
    public func rosterLines(
        _ roster: Roster, volunteer: ID<Volunteer>? = nil, team: ID<PatrolTeam>? = nil, on tx: Connection,
        _ consume: ([RosterLine]) async throws -> Void
    ) async throws -> Int {
        try await tx.forEachBatch(
            of: """
                SELECT \(Self.lineColumns), \(roster.version)::int AS roster_version
                FROM slots s
                JOIN communities c ON c.id = s.community_id
                JOIN service_types st ON st.id = s.service_type_id
                LEFT JOIN places p ON p.id = s.place_id
                LEFT JOIN grids g ON g.id = p.grid_id
                LEFT JOIN patrol_teams t ON t.id = s.team_id
                LEFT JOIN roster_slot_fill f ON f.slot_id = s.id AND f.roster_id = \(roster.id)
                LEFT JOIN assignments a ON a.slot_id = s.id AND a.roster_id = \(roster.id)
                LEFT JOIN volunteers v ON v.id = a.volunteer_id
                WHERE s.community_id = \(roster.communityID)
                  AND s.starts_at >= \(roster.weekStart)::date::timestamp AT TIME ZONE c.time_zone
                  AND s.starts_at < (\(roster.weekStart)::date + 7)::timestamp AT TIME ZONE c.time_zone
                  AND (\(volunteer)::uuid IS NULL OR a.volunteer_id = \(volunteer)::uuid)
                  AND (\(team)::uuid IS NULL OR s.team_id = \(team)::uuid)
                ORDER BY s.starts_at, st.code, s.id, v.name, a.volunteer_id
                """,
            batchSize: batchSize
        ) { rows in try await consume(rows.map(Self.line)) }
    }

    /// The shifts a calendar feed shows: every assignment of the published rosters of the weeks
    /// from `from` through `through` (Mondays), of one volunteer or on one patrol team's slots,
    /// by start time, cancelled slots included (calendars then mark them cancelled). Returns
    /// the number of lines.
    @discardableResult
    public func publishedLines(
        community: ID<Community>, volunteer: ID<Volunteer>? = nil, team: ID<PatrolTeam>? = nil, from: LocalDate,
        through: LocalDate, on tx: Connection, _ consume: ([RosterLine]) async throws -> Void
    ) async throws -> Int {
        try await tx.forEachBatch(
            of: """
                SELECT \(Self.lineColumns), r.version AS roster_version
                FROM rosters r
                JOIN assignments a ON a.roster_id = r.id
                JOIN volunteers v ON v.id = a.volunteer_id
                JOIN slots s ON s.id = a.slot_id
                JOIN service_types st ON st.id = s.service_type_id
                LEFT JOIN places p ON p.id = s.place_id
                LEFT JOIN grids g ON g.id = p.grid_id
                LEFT JOIN patrol_teams t ON t.id = s.team_id
                LEFT JOIN roster_slot_fill f ON f.slot_id = s.id AND f.roster_id = r.id
                WHERE r.community_id = \(community) AND r.state = 'published'
                  AND r.week_start BETWEEN \(from)::date AND \(through)::date
                  AND (\(volunteer)::uuid IS NULL OR a.volunteer_id = \(volunteer)::uuid)
                  AND (\(team)::uuid IS NULL OR s.team_id = \(team)::uuid)
                ORDER BY s.starts_at, st.code, s.id, v.name, a.volunteer_id
                """,
            batchSize: batchSize
        ) { rows in try await consume(rows.map(Self.line)) }
    }

    /// What a roster line reads, from `s` (slot), `st`, `p`, `g`, `t`, `f`, `a` and `v`.
    private static let lineColumns: SQLQuery = """
        s.id AS slot_id, s.starts_at, s.ends_at, st.code AS service_code, st.name_zh, st.name_en, st.kind,
        p.name AS place, g.name AS grid, t.name AS team, s.status, s.version AS slot_version,
        s.headcount_min, s.headcount_max, coalesce(f.assigned, 0) AS filled,
        a.volunteer_id, v.name AS volunteer_name, v.phone, v.external_id
        """

    private static func line(_ row: Row) throws -> RosterLine {
        let volunteerID: ID<Volunteer>? = try row.decode("volunteer_id")
        let assignee = try volunteerID.map { id in
            RosterLine.Assignee(
                id: id, name: try row.decode("volunteer_name"), phone: try row.decode("phone"),
                externalID: try row.decode("external_id"))
        }
        return RosterLine(
            slotID: try row.decode("slot_id"), start: try row.decode("starts_at"), end: try row.decode("ends_at"),
            serviceCode: try row.decode("service_code"), serviceNameZh: try row.decode("name_zh"),
            serviceNameEn: try row.decode("name_en"), kind: try row.decode("kind"), place: try row.decode("place"),
            grid: try row.decode("grid"), team: try row.decode("team"),
            isCancelled: try row.decode("status", as: SlotStatus.self) == .cancelled,
            slotVersion: try row.decode("slot_version"), headcountMin: try row.decode("headcount_min"),
            headcountMax: try row.decode("headcount_max"), filled: try row.decode("filled"),
            rosterVersion: try row.decode("roster_version"), volunteer: assignee)
    }

    /// The community's volunteers (active first, by external ID and name) with their skills,
    /// certificates and patrol teams. Returns the number of volunteers.
    @discardableResult
    public func volunteers(
        community: ID<Community>, includeInactive: Bool = true, on tx: Connection,
        _ consume: ([VolunteerLine]) async throws -> Void
    ) async throws -> Int {
        try await tx.forEachBatch(
            of: """
                SELECT v.id, v.external_id, v.name, v.phone, v.sex, v.birth_year, g.name AS grid, v.groups,
                       v.notify_channel, v.is_active,
                       coalesce((SELECT array_agg(k.name_zh ORDER BY k.name_zh) FROM volunteer_skills vs
                                 JOIN skills k ON k.id = vs.skill_id
                                 WHERE vs.volunteer_id = v.id AND NOT k.is_certificate), '{}') AS skills,
                       coalesce((SELECT array_agg(k.name_zh ORDER BY k.name_zh) FROM volunteer_skills vs
                                 JOIN skills k ON k.id = vs.skill_id
                                 WHERE vs.volunteer_id = v.id AND k.is_certificate), '{}') AS certificates,
                       coalesce((SELECT array_agg(t.name ORDER BY t.name) FROM patrol_team_members m
                                 JOIN patrol_teams t ON t.id = m.team_id
                                 WHERE m.volunteer_id = v.id), '{}') AS teams
                FROM volunteers v
                LEFT JOIN grids g ON g.id = v.home_grid_id
                WHERE v.community_id = \(community) AND (\(includeInactive) OR v.is_active)
                ORDER BY v.is_active DESC, v.external_id NULLS LAST, v.name, v.id
                """,
            batchSize: batchSize
        ) { rows in
            try await consume(
                rows.map { row in
                    VolunteerLine(
                        id: try row.decode("id"), externalID: try row.decode("external_id"), name: try row.decode("name"),
                        phone: try row.decode("phone"), sex: try row.decode("sex"), birthYear: try row.decode("birth_year"),
                        grid: try row.decode("grid"), groups: try row.decode("groups"), skills: try row.decode("skills"),
                        certificates: try row.decode("certificates"), teams: try row.decode("teams"),
                        notifyChannel: try row.decode("notify_channel"), isActive: try row.decode("is_active"))
                })
        }
    }
}
