import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliRostering
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

/// Slots, a published roster and a volunteer on them in the demo community, in a week no demo
/// data uses (2027-W10, Monday 1 March 2027).
struct SchedulingData: Sendable {
    static let base = "/api/v1/communities/demo"
    static let week = SchedulingTime.date("2027-03-01")

    let community: ID<Community>
    let volunteer: ID<Volunteer>
    let roster: ID<Roster>
    /// 1 March 09:00–11:00 and 14:00–16:00, the volunteer on both, roster published.
    let morning: Slot
    let afternoon: Slot
    /// A meal delivery on 2 March 10:00–10:30 for a resident, scheduled, the volunteer on it.
    let visit: Slot
    let booking: ID<Booking>
    let resident: ID<Resident>
    let mealDelivery: ID<ServiceType>

    static func make(_ pool: ConnectionPool) async throws -> SchedulingData {
        let community = try await APITest.demoID(pool)
        let store = Store(pool: pool)
        return try await store.transaction(.community(community)) { tx in
            func service(_ code: String) async throws -> ID<ServiceType> {
                try #require(
                    try await tx.query("SELECT id FROM service_types WHERE code = \(code) AND community_id = \(community)")
                        .rows.first?.decode("id"))
            }
            let library = try await service("library_duty"), meals = try await service("meal_delivery")
            let volunteer = try #require(try await VolunteerStore().volunteers(on: tx).first).id
            let resident = try #require(try await ResidentStore().residents(on: tx).first).id
            var slots = [(9, 11), (14, 16)].map { from, to in
                Slot(
                    communityID: community, serviceTypeID: library, start: SchedulingTime.at("2027-03-01", from),
                    end: SchedulingTime.at("2027-03-01", to), headcountMin: 1, headcountMax: 2)
            }
            slots.append(
                Slot(
                    communityID: community, serviceTypeID: meals, start: SchedulingTime.at("2027-03-02", 10),
                    end: SchedulingTime.at("2027-03-02", 10, 30), headcountMin: 1, headcountMax: 1))
            for slot in slots { try await SlotStore().create(slot, on: tx) }
            let booking = Booking(
                communityID: community, residentID: resident, serviceTypeID: meals, minutes: 30,
                windows: [TimeWindow(start: SchedulingTime.at("2027-03-02", 9), end: SchedulingTime.at("2027-03-02", 12))])
            try await BookingStore().create(booking, on: tx)
            try await BookingStore().schedule(booking.id, slot: slots[2].id, on: tx)
            let roster = try await RosterStore().createDraft(community: community, week: week, on: tx)
            for slot in slots {
                try await AssignmentStore().assign(
                    Assignment(rosterID: roster.id, slotID: slot.id, volunteerID: volunteer), on: tx)
            }
            try await ReminderPlanner().publish(roster.id, on: tx)
            return SchedulingData(
                community: community, volunteer: volunteer, roster: roster.id, morning: slots[0], afternoon: slots[1],
                visit: slots[2], booking: booking.id, resident: resident, mealDelivery: meals)
        }
    }

    /// Pending reminder jobs of `slot`, and the slot versions they were planned for.
    static func pendingReminders(_ pool: ConnectionPool, slot: ID<Slot>) async throws -> [Int] {
        try await pool.query(
            """
            SELECT (payload->>'slotVersion')::int AS v FROM jobs
            WHERE subject = \("slot:\(slot)") AND state = 'pending' ORDER BY 1
            """
        ).rows.map { try $0.decode("v") }
    }
}

@Suite("Slots over /api/v1/communities/{code}/slots")
struct SlotsAPITests {
    @Test("a week's slots and one slot: times with +08:00, ETag; a bad week is a 400 naming it")
    func read() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            for week in ["2027-W09", "2027-03-03"] {
                try await client.execute(uri: SchedulingData.base + "/slots?week=\(week)", method: .get) {
                    response async throws in
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    let body = try JSONValue(response.body)
                    #expect(body.string["week"] == "2027-W09")
                    let ids = body.items.compactMap { $0["id"] as? String }
                    #expect(ids == [data.morning.id, data.afternoon.id, data.visit.id].map(\.description))
                    #expect(body.items.first?["starts_at"] as? String == "2027-03-01T09:00:00+08:00")
                    #expect(body.items.first.map { Set($0.keys) } == Contract.shared.properties("Slot"))
                }
            }
            for query in ["", "?week=2027-W60", "?week=soon"] {
                try await client.execute(uri: SchedulingData.base + "/slots" + query, method: .get) { response async throws in
                    try expectProblem(response, .badRequest, code: "invalid_parameter", fields: ["week"])
                }
            }
            try await client.execute(uri: SchedulingData.base + "/slots/\(data.morning.id)", method: .get) {
                response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "\"1\"")
                #expect(try JSONValue(response.body).string["ends_at"] == "2027-03-01T11:00:00+08:00")
            }
            try await client.execute(uri: SchedulingData.base + "/slots/\(UUID())", method: .get) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
        }
    }

    @Test("PATCH moves a slot under If-Match and its reminders follow; end before start is 422 naming ends_at")
    func move() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            let uri = SchedulingData.base + "/slots/\(data.morning.id)"
            let planned = try await SchedulingData.pendingReminders(pool, slot: data.morning.id)
            #expect(!planned.isEmpty && planned.allSatisfy { $0 == 1 }, "\(planned)")
            let later = ByteBuffer(string: #"{"starts_at": "2027-03-01T10:00:00+08:00", "ends_at": "2027-03-01T12:00:00+08:00"}"#)
            try await client.execute(uri: uri, method: .patch, headers: APITest.json, body: later) { response async throws in
                try expectProblem(response, .preconditionRequired, code: "if_match_required")
            }
            var headers = APITest.json
            headers[.ifMatch] = "\"1\""
            try await client.execute(
                uri: uri, method: .patch, headers: headers, body: ByteBuffer(string: #"{"ends_at": "2027-03-01T08:00:00+08:00"}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["ends_at"])
            }
            try await client.execute(
                uri: uri, method: .patch, headers: headers, body: ByteBuffer(string: #"{"starts_at": "tomorrow"}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["starts_at"])
            }
            try await client.execute(uri: uri, method: .patch, headers: headers, body: later) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(response.headers[.eTag] == "\"2\"")
                let body = try JSONValue(response.body)
                #expect(body.string["starts_at"] == "2027-03-01T10:00:00+08:00")
                #expect(body.string["ends_at"] == "2027-03-01T12:00:00+08:00")
            }
            // The reminders planned for version 1 are gone; the new ones are for version 2.
            let replanned = try await SchedulingData.pendingReminders(pool, slot: data.morning.id)
            #expect(!replanned.isEmpty && replanned.allSatisfy { $0 == 2 }, "\(replanned)")
            try await client.execute(uri: uri, method: .patch, headers: headers, body: later) { response async throws in
                try expectProblem(response, .preconditionFailed, code: "stale_version")
            }
        }
    }

    @Test("moving a slot onto another assignment of its volunteer is a 409 naming the clash; nothing changes")
    func clash() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            let name = try await Store(pool: pool).transaction(.community(data.community)) { tx in
                try await VolunteerStore().volunteer(data.volunteer, on: tx).name
            }
            var headers = APITest.json
            headers[.ifMatch] = "\"1\""
            try await client.execute(
                uri: SchedulingData.base + "/slots/\(data.afternoon.id)", method: .patch, headers: headers,
                body: ByteBuffer(string: #"{"starts_at": "2027-03-01T10:00:00+08:00", "ends_at": "2027-03-01T12:00:00+08:00"}"#)
            ) { response async throws in
                try expectProblem(response, .conflict, code: "double_booking", fields: ["starts_at"])
                let body = try JSONValue(response.body)
                #expect(body.string["detail"]?.contains(name) == true, "\(body.object)")
                let message = (body["errors"] as? [[String: Any]])?.first?["message"] as? String
                #expect(message?.contains(data.morning.id.description) == true, "\(body.object)")
            }
            try await client.execute(uri: SchedulingData.base + "/slots/\(data.afternoon.id)", method: .get) {
                response async throws in
                #expect(response.headers[.eTag] == "\"1\"")
            }
        }
    }

    @Test("POST …/cancel needs a reason, cancels the slot and its reminders; a second time is 409")
    func cancel() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            let uri = SchedulingData.base + "/slots/\(data.morning.id)/cancel"
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: ByteBuffer(string: "{}")) {
                response async throws in
                try expectProblem(response, .badRequest, code: "required", fields: ["reason"])
            }
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json, body: ByteBuffer(string: #"{"reason": "  "}"#)
            ) { response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["reason"])
            }
            let reason = ByteBuffer(string: #"{"reason": "图书室停电"}"#)
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: reason) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.string["status"] == "cancelled")
                #expect(body.string["note"] == "图书室停电")
            }
            #expect(try await SchedulingData.pendingReminders(pool, slot: data.morning.id) == [])
            #expect(try await SchedulingData.pendingReminders(pool, slot: data.afternoon.id).count == 2)
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: reason) { response async throws in
                try expectProblem(response, .conflict, code: "already_cancelled")
            }
        }
    }
}

@Suite("Bookings over /api/v1/communities/{code}/bookings")
struct BookingsAPITests {
    @Test("book with windows (each must end after it starts, named windows[i].end), read, list by resident and state")
    func book() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            let uri = SchedulingData.base + "/bookings"
            func body(_ secondEnd: String) -> ByteBuffer {
                ByteBuffer(
                    string: """
                        {"resident_id": "\(data.resident)", "service_type_id": "\(data.mealDelivery)", "minutes": 30,
                         "notes": "请敲门三下",
                         "windows": [{"start": "2027-03-03T09:00:00+08:00", "end": "2027-03-03T11:00:00+08:00"},
                                     {"start": "2027-03-04T15:00:00+08:00", "end": "\(secondEnd)"}]}
                        """)
            }
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: body("2027-03-04T14:00:00+08:00")) {
                response async throws in
                try expectProblem(response, .unprocessableContent, code: "validation_failed", fields: ["windows[1].end"])
            }
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json,
                body: ByteBuffer(string: #"{"resident_id": "x", "service_type_id": "y", "minutes": 0, "windows": []}"#)
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed",
                    fields: ["resident_id", "service_type_id", "minutes", "windows"])
            }
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json,
                body: ByteBuffer(
                    string:
                        #"{"resident_id": "\#(data.resident)", "service_type_id": "\#(data.mealDelivery)", "minutes": 30, "windows": [{"start": "2027-03-03T09:00:00+08:00"}]}"#
                )
            ) { response async throws in
                try expectProblem(response, .badRequest, code: "required", fields: ["windows[0].end"])
            }
            // A year like 0012 is a slip, not a time the community's schedule can hold (found by schemathesis).
            try await client.execute(
                uri: uri, method: .post, headers: APITest.json,
                body: ByteBuffer(
                    string:
                        #"{"resident_id": "\#(data.resident)", "service_type_id": "\#(data.mealDelivery)", "minutes": 30, "windows": [{"start": "0012-01-18T00:22:29Z", "end": "0026-09-07T16:08:08Z"}]}"#
                )
            ) { response async throws in
                try expectProblem(
                    response, .unprocessableContent, code: "validation_failed", fields: ["windows[0].start", "windows[0].end"])
            }
            let location = try await client.execute(
                uri: uri, method: .post, headers: APITest.json, body: body("2027-03-04T17:00:00+08:00")
            ) { response async throws in
                #expect(response.status == .created, "\(String(buffer: response.body))")
                #expect(response.headers[.eTag] == "\"1\"")
                let json = try JSONValue(response.body)
                #expect(Set(json.object.keys) == Contract.shared.properties("Booking"))
                #expect(json.string["state"] == "requested")
                let windows = json["windows"] as? [[String: String]]
                #expect(windows?.last?["end"] == "2027-03-04T17:00:00+08:00")
                return try #require(response.headers[.location])
            }
            let id = String(location.split(separator: "/").last ?? "")
            try await client.execute(uri: location, method: .get) { response async throws in
                #expect(response.status == .ok)
                #expect(try JSONValue(response.body).string["notes"] == "请敲门三下")
            }
            try await client.execute(uri: uri + "?resident=\(data.resident)", method: .get) { response async throws in
                let ids = try JSONValue(response.body).items.compactMap { $0["id"] as? String }
                #expect(Set(ids).isSuperset(of: [id, data.booking.description]))
            }
            try await client.execute(uri: uri + "?resident=\(data.resident)&state=scheduled", method: .get) {
                response async throws in
                let items = try JSONValue(response.body).items
                #expect(items.compactMap { $0["id"] as? String }.contains(data.booking.description))
                #expect(!items.contains { $0["id"] as? String == id })
                #expect(
                    items.allSatisfy {
                        $0["state"] as? String == "scheduled" && $0["resident_id"] as? String == data.resident.description
                    })
            }
            try await client.execute(uri: uri + "?state=requested", method: .get) { response async throws in
                #expect(try JSONValue(response.body).items.compactMap { $0["id"] as? String }.contains(id))
            }
            try await client.execute(uri: uri + "?state=maybe&resident=1", method: .get) { response async throws in
                try expectProblem(response, .badRequest, code: "invalid_parameter", fields: ["resident", "state"])
            }
        }
    }

    @Test("cancelling a scheduled booking cancels its slot and the slot's reminders; twice is 409")
    func cancel() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            #expect(try await SchedulingData.pendingReminders(pool, slot: data.visit.id).isEmpty == false)
            let uri = SchedulingData.base + "/bookings/\(data.booking)/cancel"
            let reason = ByteBuffer(string: #"{"reason": "老人住院"}"#)
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: reason) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.string["state"] == "cancelled")
                #expect(body.string["state_reason"] == "老人住院")
            }
            #expect(try await SchedulingData.pendingReminders(pool, slot: data.visit.id) == [])
            try await client.execute(uri: SchedulingData.base + "/slots/\(data.visit.id)", method: .get) {
                response async throws in
                #expect(try JSONValue(response.body).string["status"] == "cancelled")
            }
            try await client.execute(uri: uri, method: .post, headers: APITest.json, body: reason) { response async throws in
                try expectProblem(response, .conflict, code: "not_cancellable")
            }
        }
    }
}

@Suite("Rosters over /api/v1/communities/{code}/rosters")
struct RostersAPITests {
    @Test("versions with state and score, a version's assignments, the diff, and publishing with reminders queued")
    func rosters() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await SchedulingData.make(pool)
            // Version 2: the afternoon slot dropped, an evening slot added.
            let (draft, evening) = try await Store(pool: pool).transaction(.community(data.community)) { tx in
                let draft = try await RosterStore().createDraft(community: data.community, week: SchedulingData.week, on: tx)
                let afternoon = try #require(
                    try await AssignmentStore().assignments(roster: draft.id, on: tx).first { $0.slotID == data.afternoon.id })
                try await AssignmentStore().unassign(afternoon.id, on: tx)
                var evening = data.afternoon
                evening.id = ID()
                evening.start = SchedulingTime.at("2027-03-01", 18)
                evening.end = SchedulingTime.at("2027-03-01", 19)
                try await SlotStore().create(evening, on: tx)
                try await AssignmentStore().assign(
                    Assignment(rosterID: draft.id, slotID: evening.id, volunteerID: data.volunteer), on: tx)
                return (draft.id, evening.id)
            }
            let score = RosterScore(
                hard: 0, soft: 120, valid: true, unfilled: 1, missing: 1, breakdown: ["fairness": 120], seconds: 1.5,
                firstValidSeconds: 0.2, seed: 7, iterations: 900, run: nil)
            let scoreJSON = String(decoding: try JSONEncoder().encode(score), as: UTF8.self)
            _ = try await pool.execute("UPDATE rosters SET score = \(scoreJSON)::jsonb WHERE id = \(draft)")
            let base = SchedulingData.base + "/rosters"
            try await client.execute(uri: base + "?week=2027-W09", method: .get) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body.items.compactMap { $0["state"] as? String } == ["published", "draft"])
                #expect(body.items.compactMap { $0["version"] as? Int } == [1, 2])
                #expect(body.items.first?["score"] is NSNull)
                let second = body.items.last?["score"] as? [String: Any]
                #expect(second?["soft"] as? Int == 120)
                #expect(second?["unfilled"] as? Int == 1)
                #expect(body.items.last.map { Set($0.keys) } == Contract.shared.properties("RosterVersion"))
            }
            try await client.execute(uri: base + "?week=W9", method: .get) { response async throws in
                try expectProblem(response, .badRequest, code: "invalid_parameter", fields: ["week"])
            }
            try await client.execute(uri: base + "/\(data.roster)/assignments", method: .get) { response async throws in
                let items = try JSONValue(response.body).items
                #expect(
                    items.compactMap { $0["slot_id"] as? String }
                        == [data.morning.id, data.afternoon.id, data.visit.id].map(\.description))
                #expect(items.allSatisfy { $0["is_live"] as? Bool == true })
            }
            try await client.execute(uri: base + "/\(UUID())/assignments", method: .get) { response async throws in
                try expectProblem(response, .notFound, code: "not_found")
            }
            try await client.execute(uri: base + "/diff?from=\(data.roster)&to=\(draft)", method: .get) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body["from_version"] as? Int == 1)
                #expect(body["to_version"] as? Int == 2)
                let added = body["added"] as? [[String: Any]], removed = body["removed"] as? [[String: Any]]
                #expect(added?.compactMap { $0["slot_id"] as? String } == [evening.description])
                #expect(added?.first?["starts_at"] as? String == "2027-03-01T18:00:00+08:00")
                #expect(removed?.compactMap { $0["slot_id"] as? String } == [data.afternoon.id.description])
            }
            try await client.execute(uri: base + "/diff?from=\(data.roster)", method: .get) { response async throws in
                try expectProblem(response, .badRequest, code: "invalid_parameter", fields: ["to"])
            }
            // Publishing queues the evening slot's two reminders (12 h and 2 h before); the rest were planned with v1.
            try await client.execute(uri: base + "/\(draft)/publish", method: .post) { response async throws in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try JSONValue(response.body)
                #expect(body["version"] as? Int == 2)
                #expect(body.string["state"] == "published")
                #expect(body.string["week"] == "2027-W09")
                #expect(body["reminders_queued"] as? Int == 2)
                #expect(Set(body.object.keys) == Contract.shared.properties("PublishedRoster"))
            }
            #expect(try await SchedulingData.pendingReminders(pool, slot: evening).count == 2)
            for roster in [draft, data.roster] {
                try await client.execute(uri: base + "/\(roster)/publish", method: .post) { response async throws in
                    try expectProblem(response, .conflict, code: "not_a_draft")
                }
            }
        }
    }
}
