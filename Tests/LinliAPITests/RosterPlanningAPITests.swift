import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliDomain
import LinliRostering
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@Suite("Roster planning over HTTP: solve runs, unfilled reasons, suggestions, hand edits, re-plan")
struct RosterPlanningAPITests {
    static let base = SchedulingData.base + "/rosters"

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    @Test("a solve is queued with a Location, its progress read, the worker's result seen, a queued run cancelled")
    func solveRuns() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            try await client.execute(
                uri: Self.base + "/solve", method: .post, headers: APITest.json, body: Self.body(#"{"week": "W9", "seconds": 0}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["week", "seconds"])
            }
            try await client.execute(
                uri: Self.base + "/solve", method: .post, headers: APITest.json,
                body: Self.body(#"{"week": "2027-W09", "when": 1}"#)
            ) { response async throws in
                try expectProblem(response, .badRequest, code: "unknown_field", fields: ["when"])
            }
            let location = try await client.execute(
                uri: Self.base + "/solve", method: .post, headers: APITest.json,
                body: Self.body(#"{"week": "2027-03-03", "seconds": 1, "seed": 7}"#)
            ) { response async throws in
                #expect(response.status == .accepted, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.string["state"] == "queued")
                #expect(body.string["week"] == "2027-W09")
                #expect(body["seed"] as? Int == 7)
                #expect(Set(body.object.keys) == Contract.shared.properties("SolveRun"))
                return try #require(response.headers[.location])
            }
            let runID = try #require(ID<SolveRun>(uuidString: String(location.split(separator: "/").last ?? "")))
            // The worker's part, run here: the solve job's work for this run.
            let finished = try await RosterSolving(store: Store(pool: pool)).solve(run: runID, community: data.community)
            #expect(finished.state == .succeeded)
            try await client.execute(uri: location, method: .get) { response async throws in
                #expect(response.status == .ok)
                let body = try JSONValue(response.body)
                #expect(body.string["state"] == "succeeded")
                #expect(body.string["result_roster_id"] == finished.resultRosterID?.description)
                #expect((body["progress"] as? [[String: Any]])?.isEmpty == false)
                #expect((body["best_score"] as? [String: Any])?["hard"] as? Int == 0)
            }
            let queued = try await client.execute(
                uri: Self.base + "/solve", method: .post, headers: APITest.json, body: Self.body(#"{"week": "2027-W09"}"#)
            ) { response async throws in try #require(response.headers[.location]) }
            try await client.execute(uri: queued + "/cancel", method: .post) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body).string["state"] == "cancelled")
            }
            try await client.execute(uri: Self.base + "/runs?week=2027-W09", method: .get) { response async throws in
                let states = try JSONValue(response.body).items.compactMap { $0["state"] as? String }
                #expect(states == ["cancelled", "succeeded"])
            }
            try await client.execute(uri: Self.base + "/runs/\(UUID())", method: .get) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
        }
    }

    @Test("unfilled slots with reasons in both languages, ranked suggestions, and hand edits judged by the scheduler")
    func handEdits() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            // A draft without the morning slot's volunteer, and a slot overlapping the morning.
            let (draft, overlapping) = try await Store(pool: pool).transaction(.community(data.community)) { tx in
                let draft = try await RosterStore().createDraft(community: data.community, week: SchedulingData.week, on: tx)
                let morning = try #require(
                    try await AssignmentStore().assignments(roster: draft.id, on: tx).first { $0.slotID == data.morning.id })
                try await AssignmentStore().unassign(morning.id, on: tx)
                var overlapping = data.afternoon
                overlapping.id = ID()
                overlapping.start = SchedulingTime.at("2027-03-01", 15)
                overlapping.end = SchedulingTime.at("2027-03-01", 17)
                try await SlotStore().create(overlapping, on: tx)
                return (draft.id, overlapping.id)
            }
            try await client.execute(uri: Self.base + "/\(draft)/unfilled", method: .get) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let items = try JSONValue(response.body).items
                let morning = try #require(items.first { $0["slot_id"] as? String == data.morning.id.description })
                #expect(morning["missing"] as? Int == 1)
                #expect((morning["reason_zh"] as? String)?.isEmpty == false)
                #expect((morning["reason_en"] as? String)?.isEmpty == false)
                #expect(morning["reason_zh"] as? String != morning["reason_en"] as? String)
                #expect(morning["starts_at"] as? String == "2027-03-01T09:00:00+08:00")
                #expect(Set(morning.keys) == Contract.shared.properties("UnfilledSlot"))
            }
            let candidate = try await client.execute(
                uri: Self.base + "/\(draft)/suggestions?slot=\(data.morning.id)&limit=5", method: .get
            ) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let items = try JSONValue(response.body).items
                #expect(!items.isEmpty && items.count <= 5)
                // Allowed ones first.
                let allowed = items.map { $0["allowed"] as? Bool ?? false }
                #expect(allowed == allowed.sorted { $0 && !$1 })
                let first = try #require(items.first)
                #expect(first["allowed"] as? Bool == true)
                return try #require(first["volunteer_id"] as? String)
            }
            try await client.execute(uri: Self.base + "/\(draft)/suggestions?slot=nope&limit=99", method: .get) {
                response async throws in
                try expectProblem(response, .badRequest, code: "invalid_parameter", fields: ["slot", "limit"])
            }
            // The volunteer already on 14:00–16:00 cannot take 15:00–17:00: a 409 naming why.
            try await client.execute(
                uri: Self.base + "/\(draft)/assignments", method: .post, headers: APITest.json,
                body: Self.body(#"{"slot_id": "\#(overlapping)", "volunteer_id": "\#(data.volunteer)"}"#)
            ) { response async throws in
                try expectProblem(response, .conflict, code: "breaks_rule")
                let errors = try JSONValue(response.body)["errors"] as? [[String: Any]]
                #expect(errors?.isEmpty == false)
                #expect(errors?.allSatisfy { $0["field"] as? String == "volunteer_id" } == true)
            }
            #expect(try await Self.count(pool, roster: draft, slot: overlapping) == 0)
            try await client.execute(
                uri: Self.base + "/\(data.roster)/assignments", method: .post, headers: APITest.json,
                body: Self.body(#"{"slot_id": "\#(data.morning.id)", "volunteer_id": "\#(candidate)"}"#)
            ) { response async throws in
                try expectProblem(response, .conflict, code: "not_a_draft")
            }
            let assignment = try await client.execute(
                uri: Self.base + "/\(draft)/assignments", method: .post, headers: APITest.json,
                body: Self.body(#"{"slot_id": "\#(data.morning.id)", "volunteer_id": "\#(candidate)", "pin_reason": "居民点名要她"}"#)
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body["is_pinned"] as? Bool == true)
                #expect(body.string["reason"] == "居民点名要她")
                return try #require(body.string["id"])
            }
            let one = Self.base + "/\(draft)/assignments/\(assignment)"
            try await client.execute(uri: one + "/unpin", method: .post) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body)["is_pinned"] as? Bool == false)
            }
            try await client.execute(
                uri: one + "/pin", method: .post, headers: APITest.json, body: Self.body(#"{"reason": " "}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["reason"])
            }
            try await client.execute(
                uri: one + "/pin", method: .post, headers: APITest.json, body: Self.body(#"{"reason": "老搭档"}"#)
            ) { response async throws in
                #expect(try JSONValue(response.body)["is_pinned"] as? Bool == true)
            }
            try await client.execute(uri: one, method: .delete) { response async throws in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: one, method: .delete) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
            #expect(try await Self.count(pool, roster: draft, slot: data.morning.id) == 0)
        }
    }

    @Test("re-plan after a volunteer drops out: a new draft without them, exactly what changed; no published week is 409")
    func replan() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            let request =
                #"{"week": "2027-W09", "volunteer_id": "\#(data.volunteer)", "from": "2027-03-01T00:00:00+08:00", "seconds": 1}"#
            try await client.execute(
                uri: Self.base + "/replan", method: .post, headers: APITest.json,
                body: Self.body(
                    #"{"week": "2027-W09", "volunteer_id": "\#(data.volunteer)", "from": "2027-03-02T00:00:00+08:00", "until": "2027-03-01T00:00:00+08:00", "reason": "flu"}"#
                )
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["until", "reason"])
            }
            try await client.execute(
                uri: Self.base + "/replan", method: .post, headers: APITest.json,
                body: Self.body(request.replacingOccurrences(of: "2027-W09", with: "2027-W20"))
            ) { response async throws in
                try expectProblem(response, .conflict, code: "no_published_roster")
            }
            try await client.execute(
                uri: Self.base + "/replan", method: .post, headers: APITest.json, body: Self.body(request)
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                let draft = body["draft"] as? [String: Any]
                #expect(draft?["state"] as? String == "draft")
                #expect(draft?["version"] as? Int == 2)
                #expect(body["published_version"] as? Int == 1)
                let removed = (body["removed"] as? [[String: Any]])?.compactMap { $0["volunteer_id"] as? String }
                #expect(removed?.count == 3)
                #expect(removed?.allSatisfy { $0 == data.volunteer.description } == true)
                let added = (body["added"] as? [[String: Any]])?.compactMap { $0["volunteer_id"] as? String }
                #expect(added?.contains(data.volunteer.description) == false)
                #expect(Set(body.object.keys) == Contract.shared.properties("Replan"))
            }
        }
    }

    @Test("a version's assignments and a resident's bookings come a page at a time, each row once")
    func pages() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            /// Follows `next_cursor` from `first` to the end; the ids in order.
            func walk(_ first: String) async throws -> [String] {
                var ids: [String] = []
                var uri: String? = first
                while let next = uri {
                    uri = try await client.execute(uri: next, method: .get) { response async throws in
                        #expect(response.status == .ok, "\(String(buffer: response.body))")
                        let body = try JSONValue(response.body)
                        ids += body.items.compactMap { $0["id"] as? String }
                        return (body["next_cursor"] as? String).map { first + "&cursor=" + $0 }
                    }
                    if ids.count > 20 { break }
                }
                return ids
            }
            let assignments = try await walk(Self.base + "/\(data.roster)/assignments?limit=2")
            let all = try await client.execute(uri: Self.base + "/\(data.roster)/assignments?limit=200", method: .get) {
                response async throws in
                let body = try JSONValue(response.body)
                #expect(body["next_cursor"] is NSNull)
                return body.items.compactMap { $0["id"] as? String }
            }
            #expect(all.count == 3)
            #expect(assignments == all)
            for minutes in [20, 40] {
                try await client.execute(
                    uri: SchedulingData.base + "/bookings", method: .post, headers: APITest.json,
                    body: Self.body(
                        #"{"resident_id": "\#(data.resident)", "service_type_id": "\#(data.mealDelivery)", "minutes": \#(minutes), "windows": [{"start": "2027-03-05T09:00:00+08:00", "end": "2027-03-05T12:00:00+08:00"}]}"#
                    )
                ) { response async throws in #expect(response.status == .created) }
            }
            let bookings = try await walk(SchedulingData.base + "/bookings?resident=\(data.resident)&limit=1")
            #expect(bookings.count >= 3)
            #expect(Set(bookings).count == bookings.count)
            #expect(bookings.contains(data.booking.description))
            try await client.execute(uri: SchedulingData.base + "/bookings?cursor=xyz&limit=0", method: .get) {
                response async throws in
                try expectProblem(response, .badRequest, code: "invalid_parameter", fields: ["limit", "cursor"])
            }
        }
    }

    static func count(_ pool: ConnectionPool, roster: ID<Roster>, slot: ID<Slot>) async throws -> Int {
        try await pool.query(
            "SELECT count(*) AS n FROM assignments WHERE roster_id = \(roster) AND slot_id = \(slot)"
        ).rows.first?.decode("n") ?? -1
    }
}
