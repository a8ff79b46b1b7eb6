import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// Shared by the storage, reminder and rostering tests.
/// A fresh database with two communities (A with a grid, places, a patrol team, services,
/// volunteers and a resident; B with one volunteer), set up as superuser, and a `Store` whose
/// sessions run as `linli_app` so row-level security applies.
public struct SchedulingWorld: Sendable {
    public let admin: ConnectionPool
    public let store: Store
    public let community: ID<Community>
    public let otherCommunity: ID<Community>
    public let grids: [ID<Grid>]
    public let station: ID<Place>
    public let route: ID<Place>
    public let team: ID<PatrolTeam>
    /// Duty, 1–3 people.
    public let duty: ID<ServiceType>
    /// Patrol, 2–3 people.
    public let patrol: ID<ServiceType>
    /// Home visit, 1 person.
    public let visit: ID<ServiceType>
    public let volunteers: [ID<Volunteer>]
    public let otherVolunteer: ID<Volunteer>
    public let resident: ID<Resident>
    public let otherResident: ID<Resident>
    public let coordinator: ID<User>

    public var scope: DataScope { .community(community, user: coordinator) }
    public var otherScope: DataScope { .community(otherCommunity) }

    public func tx<T>(_ body: (Connection) async throws -> T) async throws -> T {
        try await store.transaction(scope, body)
    }

    /// Runs `body` in a world with `volunteers` volunteers in community A; `appPoolSize`
    /// connections as `linli_app`.
    public static func with<T>(
        volunteers count: Int = 4, appPoolSize: Int = 4, _ body: (SchedulingWorld) async throws -> T
    ) async throws -> T {
        try await TestDatabase.withDatabase { admin, configuration in
            let app = ConnectionPool(
                configuration: ConnectionConfiguration(
                    connectionString: configuration.connectionString, sessionRole: "linli_app"),
                options: .init(maximumConnections: appPoolSize, acquireTimeout: .seconds(30)), logger: TestDatabase.logger)
            do {
                let world = try await make(admin: admin, app: app, volunteers: count)
                let value = try await body(world)
                await app.shutdown()
                return value
            } catch {
                await app.shutdown()
                throw error
            }
        }
    }

    private static func make(
        admin: ConnectionPool, app: ConnectionPool, volunteers count: Int
    ) async throws
        -> SchedulingWorld
    {
        let community = ID<Community>(), other = ID<Community>()
        let grids = [ID<Grid>(), ID<Grid>()]
        let station = ID<Place>(), route = ID<Place>(), team = ID<PatrolTeam>()
        let duty = ID<ServiceType>(), patrol = ID<ServiceType>(), visit = ID<ServiceType>()
        let volunteers = (0..<count).map { _ in ID<Volunteer>() }
        let otherVolunteer = ID<Volunteer>(), resident = ID<Resident>(), otherResident = ID<Resident>()
        let coordinator = ID<User>()
        try await admin.transaction { tx in
            try await tx.execute(
                """
                INSERT INTO communities (id, code, name) VALUES (\(community), 'xingfuli', '幸福里社区'),
                                                                (\(other), 'heping', '和平社区')
                """)
            try await tx.execute(
                """
                INSERT INTO grids (id, community_id, code, name) VALUES (\(grids[0]), \(community), 'G1', '第一网格'),
                                                                        (\(grids[1]), \(community), 'G2', '第二网格')
                """)
            try await tx.execute(
                """
                INSERT INTO places (id, community_id, grid_id, kind, name) VALUES
                    (\(station), \(community), \(grids[0]), 'service_station', '幸福里便民服务站'),
                    (\(route), \(community), \(grids[1]), 'patrol_route', '一号巡逻线（东门—菜市场—小学）')
                """)
            try await tx.execute(
                """
                INSERT INTO service_types (id, community_id, code, name_zh, name_en, kind, default_minutes,
                                           headcount_min, headcount_max, never_alone, same_sex_as_resident) VALUES
                    (\(duty), \(community), 'station_duty', '便民服务站值班', 'Service station duty', 'duty', 180, 1, 3, false, false),
                    (\(patrol), \(community), 'patrol_evening', '晚间巡逻', 'Evening patrol', 'patrol', 120, 2, 3, true, false),
                    (\(visit), \(community), 'companionship', '陪聊', 'Companionship visit', 'home_visit', 60, 1, 1, false, false)
                """)
            for (i, volunteer) in volunteers.enumerated() {
                let phone = "1380000" + String(format: "%04d", i)
                // Grids: even volunteers in G1, odd in G2, every fourth without one.
                let grid: ID<Grid>? = i % 4 == 3 ? nil : grids[i % 2]
                let name = "志愿者\(i)"
                let sex = i % 2 == 0 ? "female" : "male"
                try await tx.execute(
                    """
                    INSERT INTO volunteers (id, community_id, name, phone, sex, birth_year, home_grid_id, groups)
                    VALUES (\(volunteer), \(community), \(name), \(phone), \(sex),
                            1960, \(grid), '{party_member}')
                    """)
            }
            try await tx.execute(
                """
                INSERT INTO volunteers (id, community_id, name, phone, sex) VALUES
                    (\(otherVolunteer), \(other), '李桂兰', '13900001111', 'female')
                """)
            try await tx.execute(
                "INSERT INTO patrol_teams (id, community_id, name) VALUES (\(team), \(community), '幸福里三老巡逻队')")
            for (i, volunteer) in volunteers.prefix(2).enumerated() {
                try await tx.execute(
                    """
                    INSERT INTO patrol_team_members (team_id, volunteer_id, community_id, is_leader)
                    VALUES (\(team), \(volunteer), \(community), \(i == 0))
                    """)
            }
            try await tx.execute(
                """
                INSERT INTO residents (id, community_id, name, sex, birth_year, address, lives_alone) VALUES
                    (\(resident), \(community), '王秀英', 'female', 1938, '幸福里3号楼2单元401', true),
                    (\(otherResident), \(other), '赵德明', 'male', 1941, '和平里8号楼101', false)
                """)
            try await tx.execute("INSERT INTO users (id, login, display_name) VALUES (\(coordinator), 'coord.zhang', '张协调员')")
            try await tx.execute(
                "INSERT INTO user_roles (user_id, role, community_id) VALUES (\(coordinator), 'coordinator', \(community))")
        }
        return SchedulingWorld(
            admin: admin, store: Store(pool: app), community: community, otherCommunity: other, grids: grids,
            station: station, route: route, team: team, duty: duty, patrol: patrol, visit: visit, volunteers: volunteers,
            otherVolunteer: otherVolunteer, resident: resident, otherResident: otherResident, coordinator: coordinator)
    }

    /// Inserts an open slot of `service` (default duty) in community A, as `linli_app`.
    @discardableResult
    public func slot(
        _ start: Date, minutes: Int = 120, service: ID<ServiceType>? = nil, headcountMax: Int = 3
    ) async throws -> Slot {
        let slot = Slot(
            communityID: community, serviceTypeID: service ?? duty, placeID: station, start: start,
            end: start.addingTimeInterval(Double(minutes) * 60), headcountMin: 1, headcountMax: headcountMax)
        try await tx { tx in try await SlotStore().create(slot, on: tx) }
        return slot
    }
}

/// Days and times in Asia/Shanghai for test data.
public enum SchedulingTime {
    public static func date(_ iso: String) -> LocalDate {
        guard let date = LocalDate(iso: iso) else { preconditionFailure("bad test date \(iso)") }
        return date
    }

    /// `hour:minute` on `day`, Asia/Shanghai.
    public static func at(_ day: String, _ hour: Int, _ minute: Int = 0) -> Date {
        date(day).startOfDay(in: .shanghai).addingTimeInterval(Double(hour * 3600 + minute * 60))
    }
}
