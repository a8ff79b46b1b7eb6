import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@Suite("Changing reference data: teams and their members, one-off slots, the user's communities")
struct ReferenceWritesAPITests {
    static let base = "/api/v1/communities/demo"

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    /// A volunteer of the demo community who is on no team's member list of `team`.
    static func volunteer(notOn team: ID<PatrolTeam>, _ pool: ConnectionPool) async throws -> String {
        try await Store(pool: pool).transaction(.administrator()) { tx in
            try await tx.query(
                """
                SELECT v.id::text AS id FROM volunteers v JOIN communities c ON c.id = v.community_id
                WHERE c.code = 'demo' AND NOT EXISTS (
                    SELECT 1 FROM patrol_team_members m WHERE m.team_id = \(team) AND m.volunteer_id = v.id)
                ORDER BY v.name LIMIT 1
                """
            ).rows[0].decode("id", as: String.self)
        }
    }

    static func post(
        _ client: any TestClientProtocol, _ uri: String, _ json: String
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: APITest.json, body: body(json)) { $0 }
    }

    @Test("a team is created and read back; a duplicate name is 409 and an empty one 422, each naming name")
    func createTeam() async throws {
        try await APITest.withAPI { client, _ in
            let created = try await Self.post(client, Self.base + "/teams", #"{"name": "东区巡逻二队", "police_station": "东门派出所"}"#)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(try JSONValue(created.body).string["id"])
            try await client.execute(uri: Self.base + "/teams", method: .get) { response async throws in
                let team = try JSONValue(response.body).items.first { $0["id"] as? String == id }
                #expect(team?["name"] as? String == "东区巡逻二队")
                #expect(team?["police_station"] as? String == "东门派出所")
                #expect((team?["members"] as? [Any])?.isEmpty == true)
            }
            let again = try await Self.post(client, Self.base + "/teams", #"{"name": "东区巡逻二队"}"#)
            try expectProblem(again, .conflict, code: "duplicate", fields: ["name"])
            let empty = try await Self.post(client, Self.base + "/teams", #"{"name": "  "}"#)
            try expectProblem(empty, .unprocessableContent, code: "validation_failed", fields: ["name"])
        }
    }

    @Test("members are added (with their flags) and removed; twice is 409, a bad id 422, a missing one 404")
    func members() async throws {
        try await APITest.withAPI { client, pool in
            let created = try await Self.post(client, Self.base + "/teams", #"{"name": "成员测试队"}"#)
            let team = try #require(try JSONValue(created.body).string["id"])
            let volunteer = try await Self.volunteer(notOn: try #require(ID<PatrolTeam>(uuidString: team)), pool)
            let uri = Self.base + "/teams/\(team)/members"
            let added = try await Self.post(client, uri, #"{"volunteer_id": "\#(volunteer)", "is_experienced": true}"#)
            #expect(added.status == .created, "\(String(buffer: added.body))")
            let members = try JSONValue(added.body)["members"] as? [[String: Any]] ?? []
            #expect(members.count == 1)
            #expect(members.first?["volunteer_id"] as? String == volunteer)
            #expect(members.first?["is_experienced"] as? Bool == true)
            #expect(members.first?["is_leader"] as? Bool == false)
            let twice = try await Self.post(client, uri, #"{"volunteer_id": "\#(volunteer)"}"#)
            try expectProblem(twice, .conflict, code: "duplicate", fields: ["volunteer_id"])
            let bad = try await Self.post(client, uri, #"{"volunteer_id": "王芳"}"#)
            try expectProblem(bad, .unprocessableContent, code: "validation_failed", fields: ["volunteer_id"])
            let unknown = try await Self.post(client, uri, #"{"volunteer_id": "\#(UUID().uuidString)"}"#)
            try expectProblem(unknown, .unprocessableContent, code: "invalid_reference", fields: ["volunteer_id"])
            let noTeam = try await Self.post(
                client, Self.base + "/teams/\(UUID().uuidString)/members", #"{"volunteer_id": "\#(volunteer)"}"#)
            try expectProblem(noTeam, .notFound, code: "not_found")
            try await client.execute(uri: uri + "/" + volunteer, method: .delete) { response async throws in
                #expect(response.status == .noContent, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: uri + "/" + volunteer, method: .delete) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
        }
    }

    @Test("a patrol leader manages their own team's members (the database agrees) but not another team's: 403")
    func leaderOwnTeamOnly() async throws {
        try await APITest.withAPI { coordinator, pool in
            let own = try await RoleMatrixTests.demoTeam(pool)
            let leader = try await SignedInClient.signIn(coordinator, pool: pool, role: .patrolLeader, team: own)
            let volunteer = try await Self.volunteer(notOn: own, pool)
            let ownURI = Self.base + "/teams/\(own)/members"
            let added = try await Self.post(leader, ownURI, #"{"volunteer_id": "\#(volunteer)"}"#)
            #expect(added.status == .created, "\(String(buffer: added.body))")
            let ids = (try JSONValue(added.body)["members"] as? [[String: Any]] ?? []).compactMap {
                $0["volunteer_id"] as? String
            }
            #expect(ids.contains(volunteer))
            try await leader.execute(uri: ownURI + "/" + volunteer, method: .delete) { response async throws in
                #expect(response.status == .noContent, "\(String(buffer: response.body))")
            }
            let other = try await Self.post(coordinator, Self.base + "/teams", #"{"name": "别人的队"}"#)
            let otherID = try #require(try JSONValue(other.body).string["id"])
            let refused = try await Self.post(
                leader, Self.base + "/teams/\(otherID)/members", #"{"volunteer_id": "\#(volunteer)"}"#)
            try expectProblem(refused, .forbidden, code: "not_your_team")
            try await leader.execute(uri: Self.base + "/teams/\(otherID)/members/\(volunteer)", method: .delete) {
                response async throws in
                try expectProblem(response, .forbidden, code: "not_your_team")
            }
            // A patrol leader may not create a team.
            let team = try await Self.post(leader, Self.base + "/teams", #"{"name": "自建队"}"#)
            try expectProblem(team, .forbidden, code: "role_forbidden")
        }
    }

    @Test("a one-off slot is created and read back with its ETag; a reversed time and an unknown service are named")
    func createSlot() async throws {
        try await APITest.withAPI { client, _ in
            let service = try await client.execute(uri: Self.base + "/service-types", method: .get) {
                response async throws in
                try #require(try JSONValue(response.body).items.first?["id"] as? String)
            }
            let json = """
                {"service_type_id": "\(service)", "starts_at": "2027-03-01T09:00:00+08:00",
                 "ends_at": "2027-03-01T11:30:00+08:00", "headcount_min": 1, "headcount_max": 2, "note": "社区义诊"}
                """
            let created = try await Self.post(client, Self.base + "/slots", json)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(created.headers[.eTag] == "\"1\"")
            let location = try #require(created.headers[.location])
            try await client.execute(uri: location, method: .get) { response async throws in
                #expect(response.status == .ok)
                let slot = try JSONValue(response.body)
                #expect(slot.string["starts_at"] == "2027-03-01T09:00:00+08:00")
                #expect(slot.string["ends_at"] == "2027-03-01T11:30:00+08:00")
                #expect(slot.string["note"] == "社区义诊")
                #expect(slot["headcount_max"] as? Int == 2)
                #expect(slot.string["status"] == "open")
            }
            let reversed = json.replacingOccurrences(of: "11:30:00", with: "08:00:00")
            try expectProblem(
                try await Self.post(client, Self.base + "/slots", reversed), .unprocessableContent,
                code: "validation_failed", fields: ["ends_at"])
            let unknown = json.replacingOccurrences(of: service, with: UUID().uuidString.lowercased())
            try expectProblem(
                try await Self.post(client, Self.base + "/slots", unknown), .unprocessableContent,
                code: "invalid_reference", fields: ["service_type_id"])
            let bounds = json.replacingOccurrences(of: #""headcount_max": 2"#, with: #""headcount_max": 0"#)
            try expectProblem(
                try await Self.post(client, Self.base + "/slots", bounds), .unprocessableContent,
                code: "validation_failed", fields: ["headcount_max"])
        }
    }

    @Test("GET /api/v1/communities: a coordinator's own communities, an administrator's all; 401 signed out")
    func communities() async throws {
        try await APITest.withAPI { coordinator, pool in
            try await Store(pool: pool).transaction(.administrator()) { tx in
                try await OrganisationStore().createCommunity(Community(code: "other-one", name: "另一个社区"), on: tx)
            }
            func codes(_ client: any TestClientProtocol) async throws -> [String] {
                try await client.execute(uri: "/api/v1/communities", method: .get) { response async throws in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    return try JSONValue(response.body).items.compactMap { $0["code"] as? String }
                }
            }
            #expect(try await codes(coordinator) == ["demo"])
            let administrator = try await SignedInClient.signIn(coordinator, pool: pool, role: .administrator)
            let all: [String] = try await Store(pool: pool).transaction(.administrator()) { tx in
                try await OrganisationStore().communities(on: tx).filter(\.isActive).map(\.code)
            }
            #expect(all.contains("other-one"))
            #expect(try await codes(administrator) == all)
            let anonymous = try #require(coordinator as? SignedInClient).base
            try await anonymous.execute(uri: "/api/v1/communities", method: .get) { response async throws in
                try expectProblem(response, .unauthorized, code: "unauthenticated")
            }
        }
    }
    @Test("grids and places are created and read back; duplicates are 409 and bad fields 422, each named")
    func gridsAndPlaces() async throws {
        try await APITest.withAPI { client, _ in
            let grid = try await Self.post(
                client, Self.base + "/grids",
                #"{"code": "g-east-9", "name": "东九网格", "grid_worker_name": "李网格", "grid_worker_phone": "13800009999"}"#)
            #expect(grid.status == .created, "\(String(buffer: grid.body))")
            let gridID = try #require(try JSONValue(grid.body).string["id"])
            try await client.execute(uri: Self.base + "/grids", method: .get) { response async throws in
                let found = try JSONValue(response.body).items.first { $0["id"] as? String == gridID }
                #expect(found?["name"] as? String == "东九网格")
                #expect(found?["grid_worker_name"] as? String == "李网格")
            }
            try expectProblem(
                try await Self.post(client, Self.base + "/grids", #"{"code": "g-east-9", "name": "重复"}"#), .conflict,
                code: "duplicate", fields: ["code"])
            try expectProblem(
                try await Self.post(client, Self.base + "/grids", #"{"code": "g-x", "name": "x", "grid_worker_phone": "12"}"#),
                .unprocessableContent, code: "validation_failed", fields: ["grid_worker_phone"])
            let place = try await Self.post(
                client, Self.base + "/places",
                #"{"kind": "building", "name": "九号楼", "grid_id": "\#(gridID)", "address": "幸福路 9 号"}"#)
            #expect(place.status == .created, "\(String(buffer: place.body))")
            let placeID = try #require(try JSONValue(place.body).string["id"])
            try await client.execute(uri: Self.base + "/places", method: .get) { response async throws in
                let found = try JSONValue(response.body).items.first { $0["id"] as? String == placeID }
                #expect(found?["grid_id"] as? String == gridID)
                #expect(found?["address"] as? String == "幸福路 9 号")
            }
            try expectProblem(
                try await Self.post(client, Self.base + "/places", #"{"kind": "building", "name": "九号楼"}"#), .conflict,
                code: "duplicate", fields: ["name"])
            try expectProblem(
                try await Self.post(
                    client, Self.base + "/places", #"{"kind": "building", "name": "十号楼", "grid_id": "\#(UUID().uuidString)"}"#),
                .unprocessableContent, code: "invalid_reference", fields: ["grid_id"])
        }
    }

    @Test("a slot template is created, listed, and deactivated; bad weekdays and dates are named")
    func slotTemplates() async throws {
        try await APITest.withAPI { client, _ in
            let service = try await client.execute(uri: Self.base + "/service-types", method: .get) {
                response async throws in
                try #require(try JSONValue(response.body).items.first?["id"] as? String)
            }
            let json = """
                {"service_type_id": "\(service)", "weekdays": [5, 2], "start_time": "19:00", "minutes": 120,
                 "headcount_min": 2, "headcount_max": 3, "valid_from": "2027-01-04", "valid_until": null}
                """
            let created = try await Self.post(client, Self.base + "/slot-templates", json)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let body = try JSONValue(created.body)
            let id = try #require(body.string["id"])
            #expect(body["weekdays"] as? [Int] == [2, 5])
            #expect(body.string["start_time"] == "19:00")
            #expect(body["is_active"] as? Bool == true)
            try await client.execute(uri: Self.base + "/slot-templates", method: .get) { response async throws in
                #expect(try JSONValue(response.body).items.contains { $0["id"] as? String == id })
            }
            let off = try await Self.post(client, Self.base + "/slot-templates/\(id)/deactivate", "")
            #expect(off.status == .ok, "\(String(buffer: off.body))")
            #expect(try JSONValue(off.body)["is_active"] as? Bool == false)
            try await client.execute(uri: Self.base + "/slot-templates", method: .get) { response async throws in
                #expect(!(try JSONValue(response.body).items.contains { $0["id"] as? String == id }))
            }
            try await client.execute(uri: Self.base + "/slot-templates/\(UUID().uuidString)/deactivate", method: .post) {
                response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
            let bad = json.replacingOccurrences(of: "[5, 2]", with: "[8]")
                .replacingOccurrences(of: #""valid_until": null"#, with: #""valid_until": "2026-12-31""#)
            try expectProblem(
                try await Self.post(client, Self.base + "/slot-templates", bad), .unprocessableContent,
                code: "validation_failed", fields: ["weekdays", "valid_until"])
        }
    }

    @Test("a service type is created, changed by merge patch and read back; a duplicate code is 409")
    func serviceTypes() async throws {
        try await APITest.withAPI { client, _ in
            let json = """
                {"code": "foot_care_x", "name_zh": "上门理发", "name_en": "Home haircut", "kind": "home_visit",
                 "default_minutes": 45, "same_sex_as_resident": true, "priority": 40, "reminder_lead_minutes": [1440]}
                """
            let created = try await Self.post(client, Self.base + "/service-types", json)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let id = try #require(try JSONValue(created.body).string["id"])
            try expectProblem(
                try await Self.post(client, Self.base + "/service-types", json), .conflict, code: "duplicate",
                fields: ["code"])
            let patched = try await client.execute(
                uri: Self.base + "/service-types/\(id)", method: .patch, headers: APITest.json,
                body: Self.body(#"{"name_en": "Haircut at home", "headcount_min": 2, "headcount_max": 2, "never_alone": true}"#)
            ) { $0 }
            #expect(patched.status == .ok, "\(String(buffer: patched.body))")
            try await client.execute(uri: Self.base + "/service-types", method: .get) { response async throws in
                let found = try JSONValue(response.body).items.first { $0["id"] as? String == id }
                #expect(found?["name_en"] as? String == "Haircut at home")
                #expect(found?["name_zh"] as? String == "上门理发")
                #expect(found?["never_alone"] as? Bool == true)
                #expect(found?["reminder_lead_minutes"] as? [Int] == [1440])
            }
            let alone = try await client.execute(
                uri: Self.base + "/service-types/\(id)", method: .patch, headers: APITest.json,
                body: Self.body(#"{"headcount_min": 1}"#)
            ) { $0 }
            try expectProblem(alone, .unprocessableContent, code: "validation_failed", fields: ["never_alone"])
            let duty = json.replacingOccurrences(of: "foot_care_x", with: "desk_duty_x")
                .replacingOccurrences(of: "home_visit", with: "duty")
            try expectProblem(
                try await Self.post(client, Self.base + "/service-types", duty), .unprocessableContent,
                code: "validation_failed", fields: ["same_sex_as_resident"])
        }
    }
}
