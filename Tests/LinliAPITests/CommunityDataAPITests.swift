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

@Suite("Reference data, slot generation, reminder rules and a volunteer's availability, absences and skills")
struct CommunityDataAPITests {
    static let base = "/api/v1/communities/demo"

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    @Test("the lists forms pick from, each item shaped as the document says")
    func referenceLists() async throws {
        try await APITest.withAPI { client, _ in
            let lists = [
                ("service-types", "ServiceType"), ("skills", "Skill"), ("grids", "Grid"), ("places", "Place"),
                ("teams", "Team"), ("slot-templates", "SlotTemplate"),
            ]
            for (path, schema) in lists {
                try await client.execute(uri: Self.base + "/" + path, method: .get) { response async throws in
                    #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
                    let items = try JSONValue(response.body).items
                    #expect(!items.isEmpty, "\(path) is empty in the demo")
                    let known = Contract.shared.properties(schema)
                    #expect(!known.isEmpty, "no schema \(schema)")
                    for item in items { #expect(Set(item.keys).isSubset(of: known), "\(path): \(item.keys)") }
                }
            }
            try await client.execute(uri: Self.base + "/service-types", method: .get) { response async throws in
                let meals = try JSONValue(response.body).items.first { $0["code"] as? String == "meal_delivery" }
                #expect(meals?["kind"] as? String == "home_visit")
                #expect((meals?["name_zh"] as? String)?.isEmpty == false)
            }
            try await client.execute(uri: Self.base + "/teams", method: .get) { response async throws in
                let members = try JSONValue(response.body).items.first?["members"] as? [[String: Any]]
                #expect(members?.contains { $0["is_leader"] as? Bool == true } == true)
            }
        }
    }

    @Test("a week's slots are made from the templates once; a bad week is named")
    func generate() async throws {
        try await APITest.withAPI { client, _ in
            let uri = Self.base + "/slots/generate"
            let first = try await client.execute(
                uri: uri, method: .post, headers: APITest.json, body: Self.body(#"{"week": "2027-W10"}"#)
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.string["week"] == "2027-W10")
                return body["created"] as? Int ?? 0
            }
            #expect(first > 0)
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: Self.body(#"{"week": "2027-03-10"}"#))
            {
                response async throws in
                #expect(try JSONValue(response.body)["created"] as? Int == 0)
            }
            try await client.execute(uri: Self.base + "/slots?week=2027-W10", method: .get) { response async throws in
                #expect(try JSONValue(response.body).items.count == first)
            }
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: Self.body(#"{"week": "next"}"#)) {
                response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["week"])
            }
        }
    }

    @Test("quiet hours and the daily cap: read, changed, and refused with the field named")
    func messagingRules() async throws {
        try await APITest.withAPI { client, _ in
            let uri = Self.base + "/messaging"
            try await client.execute(uri: uri, method: .get) { response async throws in
                let body = try JSONValue(response.body)
                #expect(body.string["quiet_hours_start"] == "21:00")
                #expect(body.string["quiet_hours_end"] == "07:30")
                #expect(body["daily_message_cap"] as? Int == 6)
            }
            try await client.execute(
                uri: uri, method: .put, headers: APITest.json,
                body: Self.body(#"{"quiet_hours_start": "25:00", "quiet_hours_end": "07:00", "daily_message_cap": 0}"#)
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed",
                    fields: ["quiet_hours_start", "daily_message_cap"])
            }
            try await client.execute(
                uri: uri, method: .put, headers: APITest.json,
                body: Self.body(#"{"quiet_hours_start": "22:15", "quiet_hours_end": "06:45", "daily_message_cap": 3}"#)
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: uri, method: .get) { response async throws in
                let body = try JSONValue(response.body)
                #expect(body.string["quiet_hours_start"] == "22:15")
                #expect(body["daily_message_cap"] as? Int == 3)
            }
        }
    }

    @Test("availability replaced as a grid, absences added and removed, skills replaced; each mistake named")
    func volunteerSchedule() async throws {
        try await APITest.withAPI { client, pool in
            let community = try await APITest.demoID(pool)
            let (volunteer, skill) = try await Store(pool: pool).transaction(.community(community)) { tx in
                (
                    try #require(try await VolunteerStore().volunteers(on: tx).first).id,
                    try #require(try await SkillStore().skills(on: tx).first).id
                )
            }
            let one = Self.base + "/volunteers/\(volunteer)"
            try await client.execute(
                uri: one + "/availability", method: .put, headers: APITest.json,
                body: Self.body(
                    #"{"windows": [{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 1, "start": "11:00", "end": "13:00"}, {"weekday": 8, "start": "10:00", "end": "09:00"}]}"#
                )
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed",
                    fields: ["windows[2].weekday", "windows[2].end", "windows[1]"])
            }
            try await client.execute(
                uri: one + "/availability", method: .put, headers: APITest.json,
                body: Self.body(#"{"windows": [{"weekday": 1, "start": "09:00", "end": "12:00", "stat": 1}]}"#)
            ) { response async throws in
                try expectProblem(response, .badRequest, code: "unknown_field", fields: ["windows[0].stat"])
            }
            try await client.execute(
                uri: one + "/availability", method: .put, headers: APITest.json,
                body: Self.body(
                    #"{"windows": [{"weekday": 6, "start": "18:00", "end": "24:00"}, {"weekday": 1, "start": "08:30", "end": "11:30"}]}"#
                )
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: one + "/availability", method: .get) { response async throws in
                let windows = try JSONValue(response.body)["windows"] as? [[String: Any]]
                #expect(windows?.compactMap { $0["start"] as? String } == ["08:30", "18:00"])
                #expect(windows?.last?["end"] as? String == "24:00")
            }
            try await client.execute(
                uri: one + "/absences", method: .post, headers: APITest.json,
                body: Self.body(#"{"start": "2027-03-02T00:00:00+08:00", "end": "2027-03-01T00:00:00+08:00", "reason": "sick"}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["end", "reason"])
            }
            let absence = try await client.execute(
                uri: one + "/absences", method: .post, headers: APITest.json,
                body: Self.body(
                    #"{"start": "2027-03-01T00:00:00+08:00", "end": "2027-03-04T00:00:00+08:00", "reason": "away", "note": "回老家"}"#
                )
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.string["start"] == "2027-03-01T00:00:00+08:00")
                return try #require(body.string["id"])
            }
            try await client.execute(uri: one + "/absences", method: .get) { response async throws in
                let items = try JSONValue(response.body).items
                #expect(items.contains { $0["id"] as? String == absence && $0["note"] as? String == "回老家" })
            }
            try await client.execute(uri: one + "/absences/\(absence)", method: .delete) { response async throws in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: one + "/absences/\(absence)", method: .delete) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
            try await client.execute(
                uri: one + "/skills", method: .put, headers: APITest.json,
                body: Self.body(
                    #"{"skills": [{"skill_id": "\#(skill)", "expires_on": "June"}, {"skill_id": "\#(skill)"}]}"#)
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed",
                    fields: ["skills[0].expires_on", "skills[1].skill_id"])
            }
            try await client.execute(
                uri: one + "/skills", method: .put, headers: APITest.json,
                body: Self.body(
                    #"{"skills": [{"skill_id": "\#(skill)", "certificate_number": "护-2027-001", "expires_on": "2027-06-30"}]}"#)
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let skills = try JSONValue(response.body)["skills"] as? [[String: Any]]
                #expect(skills?.count == 1)
                #expect(skills?.first?["certificate_number"] as? String == "护-2027-001")
                #expect(skills?.first?["expires_on"] as? String == "2027-06-30")
            }
            try await client.execute(uri: Self.base + "/volunteers/\(UUID())/skills", method: .get) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
        }
    }

    @Test("a volunteer's limits: replaced, read back with the ETag, a stale If-Match is 412, bad values named")
    func limits() async throws {
        try await APITest.withAPI { client, pool in
            let community = try await APITest.demoID(pool)
            let volunteer = try await Store(pool: pool).transaction(.community(community)) { tx in
                try #require(try await VolunteerStore().volunteers(on: tx).first).id
            }
            let uri = Self.base + "/volunteers/\(volunteer)/limits"
            try await client.execute(
                uri: uri, method: .put, headers: APITest.json,
                body: Self.body(#"{"max_minutes_per_week": -5, "max_consecutive_days": 9}"#)
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed",
                    fields: ["max_minutes_per_week", "max_consecutive_days"])
            }
            let etag = try await client.execute(
                uri: uri, method: .put, headers: APITest.json,
                body: Self.body(#"{"max_minutes_per_week": 360, "no_evening": true, "min_rest_minutes": 600}"#)
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body["max_minutes_per_week"] as? Int == 360)
                #expect(body["no_evening"] as? Bool == true)
                #expect(body["max_shifts_per_day"] is NSNull)
                #expect(Set(body.object.keys) == Contract.shared.properties("VolunteerLimits"))
                return try #require(response.headers[.eTag])
            }
            try await client.execute(uri: uri, method: .get) { response async throws in
                #expect(try JSONValue(response.body)["min_rest_minutes"] as? Int == 600)
                #expect(response.headers[.eTag] == etag)
            }
            let stale = APITest.headers([.contentType: "application/json", .ifMatch: "\"1\""])
            try await client.execute(uri: uri, method: .put, headers: stale, body: Self.body(#"{"no_night": true}"#)) {
                response async throws in
                try expectProblem(response, .preconditionFailed, code: "stale_version")
            }
            let stored = try await Store(pool: pool).transaction(.community(community)) { tx in
                try await VolunteerStore().volunteer(volunteer, on: tx).limits
            }
            #expect(stored.maxMinutesPerWeek == 360 && stored.noEvening && !stored.noNight)
        }
    }

    @Test("an unknown field inside a booking's window is refused, named by its path")
    func nestedUnknownField() async throws {
        try await APITest.withAPI { client, _ in
            try await client.execute(
                uri: Self.base + "/bookings", method: .post, headers: APITest.json,
                body: Self.body(
                    #"{"resident_id": "x", "service_type_id": "y", "minutes": 30, "windows": [{"start": "2027-03-03T09:00:00+08:00", "end": "2027-03-03T10:00:00+08:00", "flexible": true}]}"#
                )
            ) { response async throws in
                try expectProblem(response, .badRequest, code: "unknown_field", fields: ["windows[0].flexible"])
            }
        }
    }
}
