import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliSettings
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@testable import LinliAPI

/// Each role × each community route: allowed or 403, as `AccessPolicy` says and as written out
/// here independently; and the database's row-level security behind it.
@Suite("Roles: the matrix over every route, and row-level security")
struct RoleMatrixTests {
    /// What each role may call, written out by hand (not derived from AccessPolicy).
    static let expected: [Role: Set<String>] = {
        let all = Set(AccessPolicy.routes.keys)
        return [
            .administrator: all,
            .coordinator: all,
            .deskStaff: [
                "GET residents", "POST residents", "GET residents/{id}", "PATCH residents/{id}",
                "GET bookings", "POST bookings", "GET bookings/{id}", "POST bookings/{id}/cancel",
                "POST bookings/proposals", "POST bookings/proposals/{id}/confirm",
                "GET slots", "GET slots/{id}",
                "GET service-types", "GET skills", "GET grids", "GET places", "GET teams", "GET slot-templates",
            ],
            .patrolLeader: [
                "GET volunteers", "GET volunteers/{id}", "GET slots", "GET slots/{id}",
                "GET volunteers/{id}/availability", "GET volunteers/{id}/absences", "GET volunteers/{id}/skills",
                "GET volunteers/{id}/limits",
                "GET service-types", "GET skills", "GET grids", "GET places", "GET teams", "GET slot-templates",
                "GET exports/roster", "GET exports/roster/print", "GET assignments/{id}/attendance",
                "POST teams/{id}/members", "DELETE teams/{id}/members/{volunteer}",
            ],
        ]
    }()

    /// The demo community's first patrol team.
    static func demoTeam(_ pool: ConnectionPool) async throws -> ID<PatrolTeam> {
        try await Store(pool: pool).transaction(.administrator()) { tx in
            try await tx.query(
                "SELECT t.id FROM patrol_teams t JOIN communities c ON c.id = t.community_id WHERE c.code = 'demo' ORDER BY t.name LIMIT 1"
            ).rows[0].decode("id")
        }
    }

    @Test("every community route of the router is in AccessPolicy's table")
    func tableCoversRouter() async throws {
        try await APITest.withAPI { client, pool in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response async throws in
                #expect(response.status == .ok)
            }
            let documented = Contract.shared.operations.compactMap { operation -> String? in
                let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts[1].hasPrefix(AccessPolicy.communityPrefix) else { return nil }
                return "\(parts[0]) \(parts[1].dropFirst(AccessPolicy.communityPrefix.count))"
            }
            #expect(Set(documented) == Set(AccessPolicy.routes.keys))
            #expect(Set(AccessPolicy.routes.keys) == Self.expected[.coordinator])
        }
    }

    @Test("each role × each route: allowed (not 403) or 403 role_forbidden, in Chinese and English")
    func matrix() async throws {
        try await APITest.withAPI { signedIn, pool in
            let team = try await Self.demoTeam(pool)
            for role in Role.allCases {
                let client = try await SignedInClient.signIn(signedIn, pool: pool, role: role, team: team)
                let allowed = try #require(Self.expected[role])
                for (key, entry) in AccessPolicy.routes.sorted(by: { $0.key < $1.key }) {
                    #expect(
                        AccessPolicy.allows([role], entry.resource, entry.verb) == allowed.contains(key), "\(role) \(key)")
                    let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                    let path = parts[1].replacingOccurrences(of: "{id}", with: UUID().uuidString.lowercased())
                    let uri = "/api/v1/communities/demo/\(path)" + (path.hasPrefix("rosters") ? "?week=2026-W48" : "")
                    let method = HTTPRequest.Method(parts[0]) ?? .get
                    let body: ByteBuffer? = method == .get ? nil : ByteBuffer(string: "{}")
                    try await client.execute(
                        uri: uri, method: method,
                        headers: APITest.headers([.contentType: "application/json", .acceptLanguage: "en"]), body: body
                    ) { response async throws in
                        if allowed.contains(key) {
                            #expect(response.status != .forbidden, "\(role) \(key): \(String(buffer: response.body))")
                            #expect(response.status != .unauthorized, "\(role) \(key)")
                        } else {
                            try expectProblem(response, .forbidden, code: "role_forbidden")
                            let detail = try JSONValue(response.body).string["detail"] ?? ""
                            #expect(detail.contains("may not"), "\(detail)")
                            #expect(detail.contains(entry.resource.name.en), "\(detail)")
                        }
                    }
                }
            }
            // The 403 in Chinese names the role and what it may not do.
            let desk = try await SignedInClient.signIn(signedIn, pool: pool, role: .deskStaff)
            try await desk.execute(uri: APITest.volunteers, method: .get) { response async throws in
                try expectProblem(response, .forbidden, code: "role_forbidden")
                #expect(try JSONValue(response.body).string["detail"] == "服务台人员无权查看志愿者")
            }
        }
    }

    @Test("patrol leaders see their team's volunteers and slots only; desk staff see residents whole but no care notes")
    func narrowedViews() async throws {
        try await APITest.withAPI { coordinator, pool in
            let team = try await Self.demoTeam(pool)
            let leader = try await SignedInClient.signIn(coordinator, pool: pool, role: .patrolLeader, team: team)
            let members: Set<String> = try await Store(pool: pool).transaction(.administrator()) { tx in
                Set(
                    try await tx.query("SELECT volunteer_id::text AS id FROM patrol_team_members WHERE team_id = \(team)")
                        .rows.map { try $0.decode("id", as: String.self) })
            }
            #expect(!members.isEmpty)
            try await leader.execute(uri: APITest.volunteers + "?limit=200", method: .get) { response async throws in
                #expect(response.status == .ok)
                let ids = Set(try JSONValue(response.body).items.compactMap { $0["id"] as? String })
                #expect(ids == members)
            }
            let day = try await Store(pool: pool).transaction(.administrator()) { tx in
                try await tx.query(
                    "SELECT to_char(min(starts_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day FROM slots WHERE team_id = \(team)"
                ).rows[0].decode("day", as: String.self)
            }
            try await leader.execute(uri: "/api/v1/communities/demo/slots?week=\(day)", method: .get) { response async throws in
                #expect(response.status == .ok)
                let items = try JSONValue(response.body).items
                #expect(!items.isEmpty)
                #expect(items.allSatisfy { $0["team_id"] as? String == team.description }, "\(items.prefix(2))")
            }
            try await coordinator.execute(uri: "/api/v1/communities/demo/slots?week=\(day)", method: .get) {
                response async throws in
                #expect(try JSONValue(response.body).items.contains { $0["team_id"] as? String != team.description })
            }
            let resident = try await coordinator.execute(uri: APITest.residents + "?limit=1", method: .get) {
                response async throws in
                try #require(try JSONValue(response.body).items.first?["id"] as? String)
            }
            try await coordinator.execute(uri: APITest.residents + "/" + resident, method: .get) { response async throws in
                #expect(try JSONValue(response.body).object.keys.contains("care_notes"))
            }
            let desk = try await SignedInClient.signIn(coordinator, pool: pool, role: .deskStaff)
            try await desk.execute(uri: APITest.residents + "/" + resident, method: .get) { response async throws in
                #expect(response.status == .ok)
                let body = try JSONValue(response.body)
                #expect(!body.object.keys.contains("care_notes"))
                #expect(body.string["phone"]?.contains("*") != true)
            }
            // A visit names its volunteers to desk staff (who can read no volunteer's row) by name only.
            let bookings = "/api/v1/communities/demo/bookings?state=scheduled"
            let seenByDesk = try await desk.execute(uri: bookings, method: .get) { response async throws in
                #expect(response.status == .ok)
                return try JSONValue(response.body).items.map { $0["visit_volunteers"] as? [String] ?? [] }
            }
            let seenByCoordinator = try await coordinator.execute(uri: bookings, method: .get) { response async throws in
                try JSONValue(response.body).items.map { $0["visit_volunteers"] as? [String] ?? [] }
            }
            #expect(seenByDesk.contains { !$0.isEmpty })
            #expect(seenByDesk == seenByCoordinator)
            try await desk.execute(uri: APITest.residents, method: .get) { response async throws in
                let phones = try JSONValue(response.body).items.compactMap { $0["phone"] as? String }
                #expect(!phones.isEmpty && phones.allSatisfy { $0.contains("****") })
            }
        }
    }

    @Test("the database refuses too: SQL run directly under a desk or patrol-leader scope")
    func rowLevelSecurity() async throws {
        try await TestDatabase.withDatabase { owner, configuration in
            try await DemoData.load(pool: owner, migrationsDirectory: TestDatabase.migrationsDirectory)
            // As the service runs: the application role, which row-level security binds.
            let pool = try LinliSettings(databaseURL: configuration.connectionString).makePool(
                applicationName: "rls-test", asApplication: true, logger: TestDatabase.logger)
            do {
                try await Self.checkRowLevelSecurity(pool)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
        }
    }

    static func checkRowLevelSecurity(_ pool: ConnectionPool) async throws {
        let store = Store(pool: pool)
        let demo = try await APITest.demoID(pool)
        let team = try await Self.demoTeam(pool)
        let role: String = try await pool.query("SELECT current_user::text AS r").rows[0].decode("r")
        #expect(role == "linli_app")
        func count(_ table: SQLQuery, _ scope: DataScope) async throws -> Int {
            try await store.transaction(scope) { tx in
                try await tx.query("SELECT count(*)::int AS n FROM \(table)").rows[0].decode("n", as: Int.self)
            }
        }
        let coordinator = DataScope.community(demo, role: .coordinator)
        let desk = DataScope.community(demo, role: .deskStaff)
        let leader = DataScope.community(demo, role: .patrolLeader, teams: [team])
        #expect(try await count("volunteers", coordinator) == 48)
        #expect(try await count("volunteers", desk) == 0)
        #expect(try await count("volunteer_availability", desk) == 0)
        #expect(try await count("residents", desk) > 0)
        #expect(try await count("residents", leader) == 0)
        #expect(try await count("bookings", leader) == 0)
        let members = try await count("patrol_team_members WHERE team_id = \(team)", coordinator)
        #expect(try await count("volunteers", leader) == members)
        #expect(try await count("slots WHERE team_id IS DISTINCT FROM \(team)", leader) == 0)
        #expect(try await count("slots WHERE team_id = \(team)", leader) > 0)
        // A patrol leader's scope changes no volunteer, even with a WHERE that names one.
        let changed = try await store.transaction(leader) { tx in
            try await tx.execute("UPDATE volunteers SET name = name || '!'")
        }
        #expect(changed == 0)
        // A patrol leader's scope adds members to their own team only (migration 0016).
        let otherTeam = PatrolTeam(communityID: demo, name: "RLS 测试队")
        try await store.transaction(coordinator) { tx in try await PatrolTeamStore().create(otherTeam, on: tx) }
        let outsider: ID<Volunteer> = try await store.transaction(coordinator) { tx in
            try await tx.query(
                """
                SELECT id FROM volunteers v WHERE NOT EXISTS (
                    SELECT 1 FROM patrol_team_members m WHERE m.volunteer_id = v.id AND m.team_id = \(team))
                ORDER BY id LIMIT 1
                """
            ).rows[0].decode("id")
        }
        await #expect(throws: StorageError.self) {
            try await store.transaction(leader) { tx in
                try await PatrolTeamStore().addMember(
                    PatrolTeamMember(teamID: otherTeam.id, volunteerID: outsider), communityID: demo, on: tx)
            }
        }
        try await store.transaction(leader) { tx in
            try await PatrolTeamStore().addMember(
                PatrolTeamMember(teamID: team, volunteerID: outsider), communityID: demo, on: tx)
            try await PatrolTeamStore().removeMember(team: team, volunteer: outsider, on: tx)
        }
        // A desk scope cannot add a volunteer.
        await #expect(throws: StorageError.self) {
            try await store.transaction(desk) { tx in
                try await VolunteerStore().create(Volunteer(communityID: demo, name: "不该有", sex: .male), on: tx)
            }
        }
    }
}
