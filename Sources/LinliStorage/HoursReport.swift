import Foundation
import LinliDatabase
import LinliDomain
import LinliExport

/// Service hours (志愿服务时长, the 时间银行 record) from the append-only `service_hours` ledger:
/// totals per volunteer, per patrol team and per home grid, and a volunteer's entries. A period
/// runs from the start of `from` to the end of `through` in the community's time zone. All SQL
/// reading `service_hours` is here.
public struct HoursReport: Sendable {
    public init() {}

    /// One ledger entry; corrections are entries with negative minutes.
    public struct Entry: Hashable, Sendable, Codable {
        public var id: Int64
        public var volunteerID: ID<Volunteer>
        public var assignmentID: ID<Assignment>?
        public var kind: ServiceKind
        public var servedAt: Date
        public var minutes: Int
        public var reason: String
        public init(
            id: Int64, volunteerID: ID<Volunteer>, assignmentID: ID<Assignment>?, kind: ServiceKind, servedAt: Date,
            minutes: Int, reason: String
        ) {
            self.id = id
            self.volunteerID = volunteerID
            self.assignmentID = assignmentID
            self.kind = kind
            self.servedAt = servedAt
            self.minutes = minutes
            self.reason = reason
        }
    }

    /// Minutes served by a patrol team's current members.
    public struct TeamTotal: Hashable, Sendable, Codable {
        public var teamID: ID<PatrolTeam>
        public var minutes: Int
        /// Members with any entry in the period.
        public var volunteers: Int
        public init(teamID: ID<PatrolTeam>, minutes: Int, volunteers: Int) {
            self.teamID = teamID
            self.minutes = minutes
            self.volunteers = volunteers
        }
    }

    /// Minutes served by the volunteers living in a grid (nil: no home grid).
    public struct GridTotal: Hashable, Sendable, Codable {
        public var gridID: ID<Grid>?
        public var minutes: Int
        public var volunteers: Int
        public init(gridID: ID<Grid>?, minutes: Int, volunteers: Int) {
            self.gridID = gridID
            self.minutes = minutes
            self.volunteers = volunteers
        }
    }

    /// Minutes per volunteer, most first; `kind` limits it to one kind of service.
    public func perVolunteer(
        from: LocalDate, through: LocalDate, kind: ServiceKind? = nil, on tx: Connection
    ) async throws -> [HoursTotal] {
        try await tx.query(
            """
            SELECT h.volunteer_id, sum(h.minutes)::bigint AS minutes, count(*)::bigint AS entries
            FROM service_hours h \(Self.period(from, through, kind))
            GROUP BY h.volunteer_id
            ORDER BY minutes DESC, h.volunteer_id
            """
        ).rows.map { row in
            HoursTotal(
                volunteerID: try row.decode("volunteer_id"), minutes: try row.decode("minutes"),
                entries: try row.decode("entries"))
        }
    }

    /// Minutes per patrol team, counted through its members (someone in two teams counts for both).
    public func perTeam(
        from: LocalDate, through: LocalDate, kind: ServiceKind? = nil, on tx: Connection
    ) async throws -> [TeamTotal] {
        try await tx.query(
            """
            SELECT m.team_id, sum(h.minutes)::bigint AS minutes, count(DISTINCT h.volunteer_id)::bigint AS volunteers
            FROM service_hours h JOIN patrol_team_members m ON m.volunteer_id = h.volunteer_id
            \(Self.period(from, through, kind))
            GROUP BY m.team_id
            ORDER BY minutes DESC, m.team_id
            """
        ).rows.map { row in
            TeamTotal(
                teamID: try row.decode("team_id"), minutes: try row.decode("minutes"),
                volunteers: try row.decode("volunteers"))
        }
    }

    /// Minutes per home grid of the volunteers.
    public func perGrid(
        from: LocalDate, through: LocalDate, kind: ServiceKind? = nil, on tx: Connection
    ) async throws -> [GridTotal] {
        try await tx.query(
            """
            SELECT v.home_grid_id, sum(h.minutes)::bigint AS minutes, count(DISTINCT h.volunteer_id)::bigint AS volunteers
            FROM service_hours h JOIN volunteers v ON v.id = h.volunteer_id
            \(Self.period(from, through, kind))
            GROUP BY v.home_grid_id
            ORDER BY minutes DESC, v.home_grid_id NULLS LAST
            """
        ).rows.map { row in
            GridTotal(
                gridID: try row.decode("home_grid_id"), minutes: try row.decode("minutes"),
                volunteers: try row.decode("volunteers"))
        }
    }

    /// A volunteer's ledger entries in the period, oldest first.
    public func entries(
        volunteer: ID<Volunteer>, from: LocalDate, through: LocalDate, on tx: Connection
    ) async throws -> [Entry] {
        try await tx.query(
            """
            SELECT h.id, h.volunteer_id, h.assignment_id, h.service_kind, h.served_at, h.minutes, h.reason
            FROM service_hours h \(Self.period(from, through, nil)) AND h.volunteer_id = \(volunteer)
            ORDER BY h.served_at, h.id
            """
        ).rows.map { row in
            Entry(
                id: try row.decode("id"), volunteerID: try row.decode("volunteer_id"),
                assignmentID: try row.decode("assignment_id"), kind: try row.decode("service_kind"),
                servedAt: try row.decode("served_at"), minutes: try row.decode("minutes"),
                reason: try row.decode("reason"))
        }
    }

    /// The report's totals with names, for exports: per volunteer (with phone and home grid),
    /// per patrol team or per home grid, most minutes first, read from a server-side cursor
    /// and handed over `batchSize` lines at a time. Returns the number of lines.
    @discardableResult
    public func lines(
        by grouping: HoursGrouping, from: LocalDate, through: LocalDate, kind: ServiceKind? = nil, batchSize: Int = 500,
        on tx: Connection, _ consume: ([HoursLine]) async throws -> Void
    ) async throws -> Int {
        let query: SQLQuery
        switch grouping {
        case .volunteer:
            query = """
                SELECT v.id::text AS id, v.external_id AS code, v.name, v.phone, g.name AS grid,
                       sum(h.minutes)::bigint AS minutes, count(*)::bigint AS n
                FROM service_hours h JOIN volunteers v ON v.id = h.volunteer_id LEFT JOIN grids g ON g.id = v.home_grid_id
                \(Self.period(from, through, kind))
                GROUP BY v.id, g.name
                ORDER BY minutes DESC, v.name, v.id
                """
        case .team:
            query = """
                SELECT t.id::text AS id, NULL::text AS code, t.name, NULL::text AS phone, NULL::text AS grid,
                       sum(h.minutes)::bigint AS minutes, count(DISTINCT h.volunteer_id)::bigint AS n
                FROM service_hours h JOIN patrol_team_members m ON m.volunteer_id = h.volunteer_id
                JOIN patrol_teams t ON t.id = m.team_id
                \(Self.period(from, through, kind))
                GROUP BY t.id
                ORDER BY minutes DESC, t.name, t.id
                """
        case .grid:
            query = """
                SELECT g.id::text AS id, g.code, coalesce(g.name, '（无网格）(no home grid)') AS name, NULL::text AS phone,
                       NULL::text AS grid, sum(h.minutes)::bigint AS minutes, count(DISTINCT h.volunteer_id)::bigint AS n
                FROM service_hours h JOIN volunteers v ON v.id = h.volunteer_id LEFT JOIN grids g ON g.id = v.home_grid_id
                \(Self.period(from, through, kind))
                GROUP BY g.id
                ORDER BY minutes DESC, g.code NULLS LAST
                """
        }
        return try await tx.forEachBatch(of: query, batchSize: batchSize) { rows in
            try await consume(
                rows.map { row in
                    HoursLine(
                        grouping: grouping, id: try row.decode("id"), code: try row.decode("code"),
                        name: try row.decode("name"), phone: try row.decode("phone"), grid: try row.decode("grid"),
                        minutes: try row.decode("minutes"), count: try row.decode("n"))
                })
        }
    }

    /// Participation in the period (党员参与率 and the like): for all active volunteers and for
    /// each volunteer group, how many there are, how many served (more than 0 minutes net) and
    /// their minutes. The line for all volunteers comes first (`group` nil), then the groups in
    /// their declared order; a group nobody belongs to has no line.
    public func participation(
        from: LocalDate, through: LocalDate, kind: ServiceKind? = nil, on tx: Connection
    ) async throws -> [ParticipationLine] {
        try await tx.query(
            """
            WITH served AS (
                SELECT h.volunteer_id, sum(h.minutes)::bigint AS minutes FROM service_hours h
                \(Self.period(from, through, kind))
                GROUP BY h.volunteer_id
            ), members AS (
                SELECT v.id, NULL::volunteer_group AS grp FROM volunteers v WHERE v.is_active
                UNION ALL
                SELECT v.id, g.grp FROM volunteers v CROSS JOIN LATERAL unnest(v.groups) AS g(grp) WHERE v.is_active
            )
            SELECT m.grp::text AS grp, count(*)::bigint AS volunteers,
                   count(*) FILTER (WHERE s.minutes > 0)::bigint AS participants,
                   coalesce(sum(s.minutes) FILTER (WHERE s.minutes > 0), 0)::bigint AS minutes
            FROM members m LEFT JOIN served s ON s.volunteer_id = m.id
            GROUP BY m.grp
            ORDER BY m.grp NULLS FIRST
            """
        ).rows.map { row in
            ParticipationLine(
                group: try row.decode("grp", as: String?.self).flatMap(VolunteerGroup.init(rawValue:)),
                volunteers: try row.decode("volunteers"), participants: try row.decode("participants"),
                minutes: try row.decode("minutes"))
        }
    }

    /// Minutes served in one calendar month of the community's time zone.
    public struct MonthTotal: Hashable, Sendable, Codable {
        /// "2026-11".
        public var month: String
        public var minutes: Int
        /// Volunteers with any entry in the month.
        public var volunteers: Int
        public init(month: String, minutes: Int, volunteers: Int) {
            self.month = month
            self.minutes = minutes
            self.volunteers = volunteers
        }
    }

    /// Minutes per calendar month in the period, oldest first; a month without entries has no line.
    public func perMonth(
        from: LocalDate, through: LocalDate, kind: ServiceKind? = nil, on tx: Connection
    ) async throws -> [MonthTotal] {
        try await tx.query(
            """
            SELECT to_char(h.served_at AT TIME ZONE c.time_zone, 'YYYY-MM') AS month, sum(h.minutes)::bigint AS minutes,
                   count(DISTINCT h.volunteer_id)::bigint AS volunteers
            FROM service_hours h \(Self.period(from, through, kind))
            GROUP BY 1
            ORDER BY 1
            """
        ).rows.map { row in
            MonthTotal(
                month: try row.decode("month"), minutes: try row.decode("minutes"), volunteers: try row.decode("volunteers"))
        }
    }

    /// Joins the community for its time zone and limits `h` to the period (and kind).
    private static func period(_ from: LocalDate, _ through: LocalDate, _ kind: ServiceKind?) -> SQLQuery {
        """
        JOIN communities c ON c.id = h.community_id
        WHERE h.served_at >= \(from)::date::timestamp AT TIME ZONE c.time_zone
          AND h.served_at < (\(through)::date + 1)::timestamp AT TIME ZONE c.time_zone
          AND (\(kind?.rawValue)::text IS NULL OR h.service_kind = \(kind?.rawValue)::service_kind)
        """
    }
}
