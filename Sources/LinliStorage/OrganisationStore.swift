import Foundation
import LinliDatabase
import LinliDomain

/// Sub-districts, communities, grids, travel times and places. All SQL for them is here.
public struct OrganisationStore: Sendable {
    public init() {}

    // MARK: Sub-districts and communities (administrators)

    public func createSubDistrict(_ subDistrict: SubDistrict, on tx: Connection) async throws {
        try await tx.execute("INSERT INTO sub_districts (id, name) VALUES (\(subDistrict.id), \(subDistrict.name))")
    }

    /// The sub-district with this name, created if it does not exist yet.
    public func ensureSubDistrict(named name: String, on tx: Connection) async throws -> ID<SubDistrict> {
        try await tx.query(
            """
            INSERT INTO sub_districts (name) VALUES (\(name))
            ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
            RETURNING id
            """
        ).rows[0].decode("id")
    }

    public func createCommunity(_ community: Community, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO communities (id, sub_district_id, code, name, phone, time_zone, is_active)
            VALUES (\(community.id), \(community.subDistrictID), \(community.code), \(community.name), \(community.phone),
                    \(community.timeZone), \(community.isActive))
            """)
    }

    public func community(_ id: ID<Community>, on tx: Connection) async throws -> Community {
        let rows = try await tx.query("SELECT \(Self.communityColumns) FROM communities WHERE id = \(id)").rows
        guard let row = rows.first else { throw StorageError.notFound("community \(id)") }
        return try Self.community(row)
    }

    public func community(code: String, on tx: Connection) async throws -> Community? {
        try await tx.query("SELECT \(Self.communityColumns) FROM communities WHERE code = \(code)").rows.first.map(Self.community)
    }

    /// The communities this scope can see, by code.
    public func communities(on tx: Connection) async throws -> [Community] {
        try await tx.query("SELECT \(Self.communityColumns) FROM communities ORDER BY code").rows.map(Self.community)
    }

    static let communityColumns: SQLQuery = "id, sub_district_id, code, name, phone, time_zone, is_active"

    static func community(_ row: Row) throws -> Community {
        Community(
            id: try row.decode("id"), subDistrictID: try row.decode("sub_district_id"), code: try row.decode("code"),
            name: try row.decode("name"), phone: try row.decode("phone"), timeZone: try row.decode("time_zone"),
            isActive: try row.decode("is_active"))
    }

    /// The community's quiet hours and daily message cap (see `MessagingRules`).
    public func messagingRules(_ id: ID<Community>, on tx: Connection) async throws -> MessagingRules {
        let rows = try await tx.query("SELECT \(Self.messagingRulesColumns) FROM communities WHERE id = \(id)").rows
        guard let row = rows.first else { throw StorageError.notFound("community \(id)") }
        return try Self.messagingRules(row)
    }

    /// The columns of `communities` that `messagingRules(_:)` decodes: quiet hours as minutes
    /// after midnight, and the daily cap. The reminder sender reads them with the community's
    /// contact facts in one query.
    public static let messagingRulesColumns: SQLQuery = """
        extract(hour FROM quiet_hours_start)::int * 60 + extract(minute FROM quiet_hours_start)::int AS qs,
        extract(hour FROM quiet_hours_end)::int * 60 + extract(minute FROM quiet_hours_end)::int AS qe,
        daily_message_cap
        """

    public static func messagingRules(_ row: Row) throws -> MessagingRules {
        MessagingRules(
            quietStartMinute: try row.decode("qs"), quietEndMinute: try row.decode("qe"),
            dailyMessageCap: try row.decode("daily_message_cap"))
    }

    /// Changes the community's quiet hours and daily message cap; pending reminders follow the
    /// new rules when they are sent.
    public func setMessagingRules(_ rules: MessagingRules, community id: ID<Community>, on tx: Connection) async throws {
        guard (0..<1440).contains(rules.quietStartMinute), (0..<1440).contains(rules.quietEndMinute) else {
            throw StorageError(code: .invalidValue, message: "quiet hours must be times of day between 00:00 and 23:59")
        }
        guard (1...100).contains(rules.dailyMessageCap) else {
            throw StorageError(code: .invalidValue, message: "the daily message cap must be between 1 and 100")
        }
        let start = MessagingRules.clock(rules.quietStartMinute)
        let end = MessagingRules.clock(rules.quietEndMinute)
        let changed = try await tx.execute(
            """
            UPDATE communities SET quiet_hours_start = \(start)::time, quiet_hours_end = \(end)::time,
                daily_message_cap = \(rules.dailyMessageCap)
            WHERE id = \(id)
            """)
        if changed == 0 { throw StorageError.notFound("community \(id)") }
    }

    // MARK: Grids and travel

    public func createGrid(_ grid: Grid, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO grids (id, community_id, code, name, grid_worker_name, grid_worker_phone)
            VALUES (\(grid.id), \(grid.communityID), \(grid.code), \(grid.name), \(grid.gridWorkerName), \(grid.gridWorkerPhone))
            """)
    }

    public func grids(on tx: Connection) async throws -> [Grid] {
        try await tx.query(
            "SELECT id, community_id, code, name, grid_worker_name, grid_worker_phone FROM grids ORDER BY code"
        ).rows.map { row in
            Grid(
                id: try row.decode("id"), communityID: try row.decode("community_id"), code: try row.decode("code"),
                name: try row.decode("name"), gridWorkerName: try row.decode("grid_worker_name"),
                gridWorkerPhone: try row.decode("grid_worker_phone"))
        }
    }

    /// Sets the travel minutes between two grids, both ways.
    public func setTravel(_ travel: GridTravel, on tx: Connection) async throws {
        for (from, to) in [(travel.from, travel.to), (travel.to, travel.from)] {
            try await tx.execute(
                """
                INSERT INTO grid_travel_minutes (community_id, from_grid_id, to_grid_id, minutes)
                VALUES (\(travel.communityID), \(from), \(to), \(travel.minutes))
                ON CONFLICT (from_grid_id, to_grid_id) DO UPDATE SET minutes = EXCLUDED.minutes
                """)
        }
    }

    public func travel(on tx: Connection) async throws -> [GridTravel] {
        try await tx.query(
            "SELECT community_id, from_grid_id, to_grid_id, minutes FROM grid_travel_minutes ORDER BY from_grid_id, to_grid_id"
        ).rows.map { row in
            GridTravel(
                communityID: try row.decode("community_id"), from: try row.decode("from_grid_id"),
                to: try row.decode("to_grid_id"), minutes: try row.decode("minutes"))
        }
    }

    // MARK: Places

    public func createPlace(_ place: Place, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO places (id, community_id, grid_id, kind, name, address)
            VALUES (\(place.id), \(place.communityID), \(place.gridID), \(place.kind), \(place.name), \(place.address))
            """)
    }

    public func places(kind: PlaceKind? = nil, on tx: Connection) async throws -> [Place] {
        try await tx.query(
            """
            SELECT id, community_id, grid_id, kind, name, address FROM places
            WHERE \(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue)::place_kind ORDER BY kind, name
            """
        ).rows.map { row in
            Place(
                id: try row.decode("id"), communityID: try row.decode("community_id"), gridID: try row.decode("grid_id"),
                kind: try row.decode("kind"), name: try row.decode("name"), address: try row.decode("address"))
        }
    }
}
