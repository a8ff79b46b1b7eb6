import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliSettings
import LinliStorage
import LinliTestSupport
import LinliWorker
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import LinliAPI
@testable import LinliRostering

/// Every request of these tests goes through here, so that adding sign-in is one line.
@discardableResult
func send(
    _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, json: [String: Any]? = nil,
    headers: [HTTPField.Name: String] = [:]
) async throws -> TestResponse {
    var fields = APITest.headers(headers)
    var body: ByteBuffer?
    if let json {
        fields[.contentType] = "application/json"
        body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
    }
    return try await client.execute(uri: uri, method: method, headers: fields, body: body)
}

/// The desk's world in the demo community, in week 2027-W10 (Monday 8 March 2027): the demo's
/// volunteers retired; 王芳 (female) and 李强 (male), both free 08:00–20:00 every day; 王芳 on a
/// library duty on Tuesday 9 March 09:00–11:00 in the published roster; 张奶奶 (female); a
/// home visit `desk_care` (60 minutes, same sex as the resident) besides the demo's meal delivery.
struct DeskWorld: Sendable {
    static let base = "/api/v1/communities/demo"
    static let proposals = base + "/bookings/proposals"
    static let week = SchedulingTime.date("2027-03-08")

    let community: ID<Community>
    let fang: ID<Volunteer>
    let qiang: ID<Volunteer>
    let resident: ID<Resident>
    let meals: ID<ServiceType>
    let care: ID<ServiceType>
    let library: ID<ServiceType>
    let roster: ID<Roster>

    static func make(_ pool: ConnectionPool) async throws -> DeskWorld {
        let community = try await APITest.demoID(pool)
        return try await Store(pool: pool).transaction(.community(community)) { tx in
            try await tx.execute("UPDATE volunteers SET is_active = false, deactivated_at = now()")
            func service(_ code: String) async throws -> ID<ServiceType> {
                try #require(try await tx.query("SELECT id FROM service_types WHERE code = \(code)").rows.first?.decode("id"))
            }
            let everyDay = (1...7).map { AvailabilityWindow(weekday: $0, startMinute: 8 * 60, endMinute: 20 * 60) }
            var ids: [ID<Volunteer>] = []
            for (name, sex, phone) in [("王芳", Sex.female, "13900000001"), ("李强", Sex.male, "13900000002")] {
                let v = Volunteer(communityID: community, name: name, phone: phone, sex: sex)
                try await VolunteerStore().create(v, on: tx)
                try await VolunteerStore().setAvailability(everyDay, of: v.id, communityID: community, on: tx)
                ids.append(v.id)
            }
            let resident = Resident(communityID: community, name: "张奶奶", sex: .female)
            try await ResidentStore().create(resident, on: tx)
            let care = ServiceType(
                communityID: community, code: "desk_care", nameZh: "上门照护", nameEn: "Home care", kind: .homeVisit,
                defaultMinutes: 60, sameSexAsResident: true, priority: 70)
            try await ServiceTypeStore().create(care, on: tx)
            let library = try await service("library_duty")
            let duty = Slot(
                communityID: community, serviceTypeID: library, start: SchedulingTime.at("2027-03-09", 9),
                end: SchedulingTime.at("2027-03-09", 11), headcountMin: 1, headcountMax: 2)
            try await SlotStore().create(duty, on: tx)
            let roster = try await RosterStore().createDraft(community: community, week: week, on: tx)
            try await AssignmentStore().assign(
                Assignment(rosterID: roster.id, slotID: duty.id, volunteerID: ids[0]), on: tx)
            try await ReminderPlanner().publish(roster.id, on: tx)
            return DeskWorld(
                community: community, fang: ids[0], qiang: ids[1], resident: resident.id,
                meals: try await service("meal_delivery"), care: care.id, library: library, roster: roster.id)
        }
    }

    func ask(_ service: ID<ServiceType>, _ day: String, from: (Int, Int), to: (Int, Int)) -> [String: Any] {
        [
            "resident_id": resident.description, "service_type_id": service.description,
            "windows": [
                ["start": "\(day)T\(Self.clock(from))+08:00", "end": "\(day)T\(Self.clock(to))+08:00"]
            ],
        ]
    }

    static func clock(_ t: (Int, Int)) -> String { String(format: "%02d:%02d:00", t.0, t.1) }

    static func time(_ text: Any?) throws -> Date {
        let string = try #require(text as? String)
        return try #require(APITime.parse(string))
    }

    static func names(_ visit: Any?) -> [String] {
        ((visit as? [String: Any])?["volunteers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    static func count(_ pool: ConnectionPool, _ sql: SQLQuery) async throws -> Int {
        try await pool.query(sql).rows[0].decode("n")
    }

    /// How many idempotency keys are left once none are, or `limit` has passed.
    static func keysLeft(_ pool: ConnectionPool, waitingUpTo limit: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + limit
        var left = try await count(pool, "SELECT count(*) AS n FROM idempotency_keys")
        while left > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            left = try await count(pool, "SELECT count(*) AS n FROM idempotency_keys")
        }
        return left
    }
}

@Suite("Booking desk and Idempotency-Key")
struct BookingDeskTests {
    @Test("a proposal is a concrete visit inside the window, with volunteers by name")
    func proposalInsideWindow() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            let response = try await send(
                client, .post, DeskWorld.proposals, json: world.ask(world.meals, "2027-03-10", from: (9, 0), to: (12, 0)))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let body = try JSONValue(response.body)
            #expect(body.string["status"] == "proposed")
            let visit = try #require(body["visit"] as? [String: Any])
            let start = try DeskWorld.time(visit["starts_at"]), end = try DeskWorld.time(visit["ends_at"])
            #expect(start >= SchedulingTime.at("2027-03-10", 9) && end <= SchedulingTime.at("2027-03-10", 12))
            #expect(end.timeIntervalSince(start) == 30 * 60)
            #expect((visit["starts_at"] as? String)?.hasSuffix("+08:00") == true)
            let names = DeskWorld.names(visit)
            #expect(names.count == 1 && ["王芳", "李强"].contains(names[0]))
            #expect(Set(((visit["volunteers"] as? [[String: Any]]) ?? []).flatMap(\.keys)) == ["name"])
            #expect(body.string["confirm"]?.hasSuffix("/confirm") == true)
            #expect(!(body["alternatives"] as? [Any] ?? []).isEmpty)
        }
    }

    @Test("a proposal keeps clear of a published assignment and keeps the same-sex rule")
    func proposalRespectsClashAndSameSex() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            // 王芳 is on library duty 09:00–11:00; 李强 is a man and the resident a woman.
            let response = try await send(
                client, .post, DeskWorld.proposals, json: world.ask(world.care, "2027-03-09", from: (9, 0), to: (14, 0)))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let body = try JSONValue(response.body)
            #expect(DeskWorld.names(body["visit"]) == ["王芳"])
            let start = try DeskWorld.time((body["visit"] as? [String: Any])?["starts_at"])
            #expect(start >= SchedulingTime.at("2027-03-09", 11))
            for alternative in body["alternatives"] as? [[String: Any]] ?? [] {
                #expect(DeskWorld.names(alternative) == ["王芳"])
                #expect(try DeskWorld.time(alternative["starts_at"]) >= SchedulingTime.at("2027-03-09", 11))
            }
        }
    }

    @Test("when nothing fits, the reasons in zh-CN and en and the nearest alternatives")
    func nothingFits() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            let response = try await send(
                client, .post, DeskWorld.proposals, json: world.ask(world.care, "2027-03-09", from: (9, 0), to: (10, 30)))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let body = try JSONValue(response.body)
            #expect(body.string["status"] == "nothing_fits")
            #expect(body["visit"] is NSNull && body["id"] is NSNull)
            let reasons = try #require(body["reasons"] as? [[String: String]])
            let zh = try #require(reasons.first?["zh"]), en = try #require(reasons.first?["en"])
            #expect(zh.contains("李强") && zh.contains("同性别") && zh.contains("王芳"), "\(zh)")
            #expect(en.contains("李强") && en.contains("same sex") && en.contains("busy"), "\(en)")
            let alternatives = try #require(body["alternatives"] as? [[String: Any]])
            #expect(!alternatives.isEmpty)
            for alternative in alternatives {
                let start = try DeskWorld.time(alternative["starts_at"])
                #expect(start >= SchedulingTime.at("2027-03-09", 11) || start < SchedulingTime.at("2027-03-09", 9))
                #expect(DeskWorld.names(alternative) == ["王芳"])
            }
        }
    }

    @Test("confirming writes the booking, its slot, the assignment and the reminder jobs; a second confirm is refused")
    func confirmCreatesEverything() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            let proposed = try JSONValue(
                try await send(
                    client, .post, DeskWorld.proposals,
                    json: world.ask(world.meals, "2027-03-10", from: (9, 0), to: (12, 0))
                )
                .body)
            let confirm = try #require(proposed.string["confirm"])
            let response = try await send(client, .post, confirm, headers: [IdempotencyMiddleware.header: "confirm-1"])
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let body = try JSONValue(response.body)
            let booking = try #require(body["booking"] as? [String: Any])
            #expect(booking["state"] as? String == "scheduled")
            let slotText = try #require(body.string["slot_id"])
            let slot = try #require(ID<Slot>(uuidString: slotText))
            #expect(booking["slot_id"] as? String == slot.description)
            #expect(DeskWorld.names(body.object) == DeskWorld.names(proposed["visit"]))
            #expect(body.string["starts_at"] == (proposed["visit"] as? [String: Any])?["starts_at"] as? String)
            #expect(response.headers[.location]?.hasSuffix("/bookings/\(booking["id"] as? String ?? "")") == true)
            let live = try await DeskWorld.count(
                pool, "SELECT count(*) AS n FROM assignments WHERE slot_id = \(slot) AND is_live AND roster_id = \(world.roster)")
            #expect(live == 1)
            let reminders = try await SchedulingData.pendingReminders(pool, slot: slot)
            #expect(!reminders.isEmpty)
            #expect(body["reminders_queued"] as? Int == reminders.count)
            // The same request again with its key replays the answer; without, it is refused.
            let replay = try await send(client, .post, confirm, headers: [IdempotencyMiddleware.header: "confirm-1"])
            #expect(replay.status == .created)
            #expect(replay.headers[IdempotencyMiddleware.replayed] == "true")
            #expect(String(buffer: replay.body) == String(buffer: response.body))
            try expectProblem(try await send(client, .post, confirm), .conflict, code: "proposal_confirmed")
            let bookings = try await DeskWorld.count(
                pool, "SELECT count(*) AS n FROM bookings WHERE resident_id = \(world.resident)")
            #expect(bookings == 1)
            // Who booked it: the signed-in user, on the booking and on the proposal it came from.
            let attributed = try await DeskWorld.count(
                pool,
                """
                SELECT count(*) AS n FROM bookings b JOIN booking_proposals p ON p.booking_id = b.id
                WHERE b.resident_id = \(world.resident) AND b.booked_by IS NOT NULL AND b.booked_by = p.created_by
                """)
            #expect(attributed == 1)
        }
    }

    @Test("a confirmed visit goes into the week's drafts and into a solve's draft made from a week loaded before it")
    func confirmedVisitReachesDrafts() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            let store = Store(pool: pool)
            // A draft made before the visit, holding both volunteers on a duty at the visit's time,
            // and the week as a solve running meanwhile loaded it.
            let (draft, duty, loaded) = try await store.transaction(.community(world.community)) { tx in
                let draft = try await RosterStore().createDraft(community: world.community, week: DeskWorld.week, on: tx)
                let duty = Slot(
                    communityID: world.community, serviceTypeID: world.library, start: SchedulingTime.at("2027-03-11", 9),
                    end: SchedulingTime.at("2027-03-11", 12), headcountMin: 1, headcountMax: 2)
                try await SlotStore().create(duty, on: tx)
                for volunteer in [world.fang, world.qiang] {
                    try await AssignmentStore().assign(
                        Assignment(rosterID: draft.id, slotID: duty.id, volunteerID: volunteer), on: tx)
                }
                let loaded = try await WeekProblemLoader().load(
                    community: world.community, week: DeskWorld.week, pins: .published, on: tx)
                return (draft.id, duty.id, loaded)
            }
            let proposed = try JSONValue(
                try await send(
                    client, .post, DeskWorld.proposals,
                    json: world.ask(world.meals, "2027-03-11", from: (9, 0), to: (12, 0))
                )
                .body)
            let confirm = try #require(proposed.string["confirm"])
            let response = try await send(client, .post, confirm)
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let slotText = try #require(try JSONValue(response.body).string["slot_id"])
            let slot = try #require(ID<Slot>(uuidString: slotText))
            let visitors: [ID<Volunteer>] = try await pool.query(
                "SELECT volunteer_id FROM assignments WHERE slot_id = \(slot) AND roster_id = \(world.roster)"
            ).rows.map { try $0.decode("volunteer_id") }
            try #require(visitors.count == 1)
            let visitor = visitors[0]
            // The draft has the visit, pinned, and its overlapping duty was given up by the visitor only.
            let inDraft = try await DeskWorld.count(
                pool,
                """
                SELECT count(*) AS n FROM assignments
                WHERE roster_id = \(draft) AND slot_id = \(slot) AND volunteer_id = \(visitor) AND is_pinned AND NOT is_live
                """)
            #expect(inDraft == 1)
            let onDuty: [ID<Volunteer>] = try await pool.query(
                "SELECT volunteer_id FROM assignments WHERE roster_id = \(draft) AND slot_id = \(duty)"
            ).rows.map { try $0.decode("volunteer_id") }
            #expect(onDuty.count == 1 && !onDuty.contains(visitor))
            // A solve's draft, from the week loaded before the visit, keeps it too.
            let solved = try await store.transaction(.community(world.community)) { tx in
                let score = RosterScore(
                    hard: 0, soft: 0, valid: true, unfilled: 0, missing: 0, breakdown: [:], seconds: 0,
                    firstValidSeconds: 0, seed: 1, iterations: 0, run: nil)
                return try await RosterSolving.writeDraft(loaded, [], score: score, createdBy: nil, on: tx).id
            }
            let inSolved = try await DeskWorld.count(
                pool, "SELECT count(*) AS n FROM assignments WHERE roster_id = \(solved) AND slot_id = \(slot)")
            #expect(inSolved == 1)
            // Publishing the earlier draft keeps the visit live, with the same volunteer.
            try await store.transaction(.community(world.community)) { tx in
                _ = try await ReminderPlanner().publish(draft, on: tx)
            }
            let live = try await DeskWorld.count(
                pool,
                "SELECT count(*) AS n FROM assignments WHERE slot_id = \(slot) AND volunteer_id = \(visitor) AND is_live")
            #expect(live == 1)
        }
    }

    @Test("a resident has one visit at a time: proposals keep clear of their visits, a second confirmation is a 409")
    func residentOneVisitAtATime() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            // Meal delivery takes 30 minutes: a window of just that.
            let ask = world.ask(world.meals, "2027-03-10", from: (9, 0), to: (9, 30))
            // Two proposals for the same half hour, made before either is confirmed.
            let first = try JSONValue(try await send(client, .post, DeskWorld.proposals, json: ask).body)
            let second = try JSONValue(try await send(client, .post, DeskWorld.proposals, json: ask).body)
            let booked = try await send(client, .post, try #require(first.string["confirm"]))
            #expect(booked.status == .created, "\(String(buffer: booked.body))")
            let refused = try await send(client, .post, try #require(second.string["confirm"]))
            try expectProblem(refused, .conflict, code: "resident_busy")
            #expect(String(buffer: refused.body).contains("同一时间只能安排一次上门"))
            let bookings = try await DeskWorld.count(
                pool, "SELECT count(*) AS n FROM bookings WHERE resident_id = \(world.resident) AND state = 'scheduled'")
            #expect(bookings == 1)
            // A new proposal for that half hour: nothing inside it, and the reason says why.
            let again = try JSONValue(try await send(client, .post, DeskWorld.proposals, json: ask).body)
            #expect(again["visit"] is NSNull || again["visit"] == nil)
            #expect(String(describing: again["reasons"]).contains("one visit at a time"))
            // A wider window gets a time after the booked visit.
            let wider = try JSONValue(
                try await send(
                    client, .post, DeskWorld.proposals,
                    json: world.ask(world.meals, "2027-03-10", from: (9, 0), to: (12, 0))
                )
                .body)
            let start = try DeskWorld.time((wider["visit"] as? [String: Any])?["starts_at"])
            let bookedBody = try JSONValue(booked.body)
            let bookedEnd = try DeskWorld.time(bookedBody.string["ends_at"])
            #expect(start >= bookedEnd)
        }
    }

    @Test("two confirmations for one volunteer at once queue: a per-day limit the first fills refuses the second")
    func concurrentConfirmationsKeepPerDayLimits() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            // Only 王芳 may visit the two women (same sex), and she takes one shift a day.
            let other = try await Store(pool: pool).transaction(.community(world.community)) { tx in
                try await tx.execute("UPDATE volunteers SET max_shifts_per_day = 1 WHERE id = \(world.fang)")
                let resident = Resident(communityID: world.community, name: "李阿姨", sex: .female)
                try await ResidentStore().create(resident, on: tx)
                return resident.id
            }
            var second = world.ask(world.care, "2027-03-12", from: (15, 0), to: (16, 0))
            second["resident_id"] = other.description
            let proposals = [world.ask(world.care, "2027-03-12", from: (9, 0), to: (10, 0)), second]
            var ids: [ID<VisitProposal>] = []
            for ask in proposals {
                let proposed = try JSONValue(try await send(client, .post, DeskWorld.proposals, json: ask).body)
                #expect(DeskWorld.names(proposed["visit"]) == ["王芳"])
                let confirm = try #require(proposed.string["confirm"])
                let id = confirm.split(separator: "/").dropLast().last.map(String.init) ?? ""
                ids.append(try #require(ID<VisitProposal>(uuidString: id)))
            }
            // The first confirmation holds its transaction open for a second after its checks; the
            // second runs meanwhile: the per-volunteer lock `assign` takes makes it wait for the first
            // to commit, so its recheck sees her day full.
            let store = Store(pool: pool)
            let (firstID, secondID) = (ids[0], ids[1])
            let checked = AsyncStream<Void>.makeStream()
            async let first: Void = store.transaction(.community(world.community)) { tx in
                _ = try await ReminderPlanner().confirmProposal(firstID, on: tx)
                checked.continuation.yield()
                try await Task.sleep(for: .seconds(1))
            }
            var signals = checked.stream.makeAsyncIterator()
            _ = await signals.next()
            let secondError = await #expect(throws: BookingDeskError.self) {
                try await store.transaction(.community(world.community)) { tx in
                    _ = try await ReminderPlanner().confirmProposal(secondID, on: tx)
                }
            }
            try await first
            #expect(secondError?.code == .taken)
            let visits = try await DeskWorld.count(
                pool,
                """
                SELECT count(*) AS n FROM assignments WHERE volunteer_id = \(world.fang) AND roster_id = \(world.roster)
                  AND lower(during) >= '2027-03-12 00:00+08' AND lower(during) < '2027-03-13 00:00+08'
                """)
            #expect(visits == 1)
        }
    }

    @Test("confirming after the volunteer was taken is a 409 naming the clash, and writes nothing")
    func confirmAfterTaken() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            let proposed = try JSONValue(
                try await send(
                    client, .post, DeskWorld.proposals,
                    json: world.ask(world.meals, "2027-03-11", from: (9, 0), to: (9, 30))
                )
                .body)
            let name = try #require(DeskWorld.names(proposed["visit"]).first)
            let volunteer = name == "王芳" ? world.fang : world.qiang
            // Meanwhile a coordinator puts them on a library duty at the same time.
            try await Store(pool: pool).transaction(.community(world.community)) { tx in
                let duty = Slot(
                    communityID: world.community, serviceTypeID: world.library, start: SchedulingTime.at("2027-03-11", 9),
                    end: SchedulingTime.at("2027-03-11", 10), headcountMin: 1, headcountMax: 1)
                try await SlotStore().create(duty, on: tx)
                try await AssignmentStore().assign(
                    Assignment(rosterID: world.roster, slotID: duty.id, volunteerID: volunteer), on: tx)
            }
            let slotsBefore = try await DeskWorld.count(pool, "SELECT count(*) AS n FROM slots")
            let response = try await send(
                client, .post, try #require(proposed.string["confirm"]), headers: [.acceptLanguage: "en"])
            try expectProblem(response, .conflict, code: "volunteer_taken")
            let detail = try JSONValue(response.body).string["detail"] ?? ""
            #expect(detail.contains(name) && detail.contains("Library duty"), "\(detail)")
            #expect(try await DeskWorld.count(pool, "SELECT count(*) AS n FROM slots") == slotsBefore)
            #expect(
                try await DeskWorld.count(pool, "SELECT count(*) AS n FROM bookings WHERE resident_id = \(world.resident)")
                    == 0)
            #expect(
                try await DeskWorld.count(pool, "SELECT count(*) AS n FROM booking_proposals WHERE booking_id IS NOT NULL")
                    == 0)
        }
    }

    @Test("a week kept by the cache is loaded again once an absence changes it: the absent volunteer is not proposed")
    func cacheFollowsChanges() async throws {
        try await APITest.withAPI { client, pool in
            let world = try await DeskWorld.make(pool)
            // 王芳 is the only woman for the resident's same-sex home care.
            let ask = world.ask(world.care, "2027-03-10", from: (9, 0), to: (12, 0))
            let first = try JSONValue(try await send(client, .post, DeskWorld.proposals, json: ask).body)
            #expect(DeskWorld.names(first["visit"]) == ["王芳"])
            let cache = WeekCache()
            let desk = BookingDesk(cache: cache)
            let request = VisitRequest(
                communityID: world.community, residentID: world.resident, serviceTypeID: world.care, minutes: nil,
                windows: [TimeWindow(start: SchedulingTime.at("2027-03-10", 9), end: SchedulingTime.at("2027-03-10", 12))],
                notes: nil)
            let store = Store(pool: pool)
            for _ in 0..<2 {
                let proposal = try await store.transaction(.community(world.community)) { tx in
                    try await desk.propose(request, on: tx)
                }
                #expect(proposal.visit?.volunteers.map(\.id) == [world.fang])
            }
            #expect(cache.counts.hits == 1 && cache.counts.misses == 1)
            // She calls in ill for the morning.
            try await store.transaction(.community(world.community)) { tx in
                try await VolunteerStore().addAbsence(
                    Absence(
                        volunteerID: world.fang, start: SchedulingTime.at("2027-03-10", 8),
                        end: SchedulingTime.at("2027-03-10", 13), reason: .ill),
                    communityID: world.community, on: tx)
            }
            let after = try await store.transaction(.community(world.community)) { tx in
                try await desk.propose(request, on: tx)
            }
            #expect(after.visit == nil)
            #expect(
                !after.alternatives.contains {
                    $0.volunteers.map(\.id).contains(world.fang) && $0.start < SchedulingTime.at("2027-03-10", 13)
                })
            #expect(cache.counts.misses == 2)
            // The server's own cache too.
            let second = try JSONValue(try await send(client, .post, DeskWorld.proposals, json: ask).body)
            #expect(second.string["status"] == "nothing_fits", "\(second.object)")
            #expect(!DeskWorld.names(second["visit"]).contains("王芳"))
        }
    }

    @Test("Idempotency-Key: a retry replays, another body is a 422, one in flight a 409")
    func idempotentWrites() async throws {
        try await APITest.withAPI { client, pool in
            let community = try await APITest.demoID(pool)
            let resident: [String: Any] = ["name": "幂等测试", "sex": "female"]
            let key: [HTTPField.Name: String] = [IdempotencyMiddleware.header: "resident-1"]
            let first = try await send(client, .post, APITest.residents, json: resident, headers: key)
            #expect(first.status == .created)
            #expect(first.headers[IdempotencyMiddleware.replayed] == nil)
            let again = try await send(client, .post, APITest.residents, json: resident, headers: key)
            #expect(again.status == .created)
            #expect(again.headers[IdempotencyMiddleware.replayed] == "true")
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again.headers[.eTag] == first.headers[.eTag])
            #expect(String(buffer: again.body) == String(buffer: first.body))
            let stored = try await DeskWorld.count(pool, "SELECT count(*) AS n FROM residents WHERE name = '幂等测试'")
            #expect(stored == 1)
            try expectProblem(
                try await send(client, .post, APITest.residents, json: ["name": "另一个", "sex": "male"], headers: key),
                .unprocessableContent, code: "idempotency_key_reused")
            // A 4xx answer is stored and replayed too.
            let bad = try await send(
                client, .post, APITest.residents, json: ["name": ""], headers: [IdempotencyMiddleware.header: "bad-1"])
            let badAgain = try await send(
                client, .post, APITest.residents, json: ["name": ""], headers: [IdempotencyMiddleware.header: "bad-1"])
            #expect(bad.status.code / 100 == 4 && badAgain.status == bad.status)
            #expect(badAgain.headers[IdempotencyMiddleware.replayed] == "true")
            // A request with this key still running elsewhere.
            _ = try await Store(pool: pool).transaction(.community(community)) { tx in
                try await IdempotencyStore().claim(
                    key: "busy-1", fingerprint: Data(repeating: 7, count: 32), community: community,
                    user: (client as? SignedInClient)?.user.id, on: tx)
            }
            try expectProblem(
                try await send(
                    client, .post, APITest.residents, json: resident, headers: [IdempotencyMiddleware.header: "busy-1"]),
                .conflict, code: "idempotency_key_in_flight")
            try expectProblem(
                try await send(client, .post, APITest.residents, json: resident, headers: [IdempotencyMiddleware.header: ""]),
                .badRequest, code: "invalid_idempotency_key")
        }
    }

    @Test("Idempotency-Key: a 5xx frees the key so the retry runs; the worker purges expired keys")
    func serverErrorsAreNotStored() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let store = Store(pool: pool)
            let calls = Atomic<Int>(0)
            let router = Router(context: APIRequestContext.self)
            let problems = ProblemMiddleware(routes: RouteIndex())
            router.add(middleware: problems)
            router.group("/api/v1/communities/{code}")
                .add(middleware: AuthenticationMiddleware(authenticator: Authenticator(store: store)))
                .add(middleware: CommunityMiddleware(store: store))
                .add(
                    middleware: IdempotencyMiddleware(
                        store: store, maxBodyBytes: 1 << 20, problems: problems, releases: IdempotencyReleases(store: store))
                )
                .post("flaky") { _, _ -> Response in
                    // The first call fails as an unexpected server error would.
                    if calls.add(1, ordering: .sequentiallyConsistent).newValue == 1 {
                        throw CancellationError()
                    }
                    return Response(status: .created)
                }
            let app = Application(router: router, logger: TestDatabase.logger)
            let key: [HTTPField.Name: String] = [IdempotencyMiddleware.header: "flaky-1"]
            try await app.test(.router) { anonymous in
                let client = try await SignedInClient.signIn(anonymous, pool: pool)
                let uri = "/api/v1/communities/demo/flaky"
                #expect(try await send(client, .post, uri, json: ["a": 1], headers: key).status == .internalServerError)
                #expect(try await DeskWorld.count(pool, "SELECT count(*) AS n FROM idempotency_keys") == 0)
                #expect(try await send(client, .post, uri, json: ["a": 1], headers: key).status == .created)
                let third = try await send(client, .post, uri, json: ["a": 1], headers: key)
                #expect(third.status == .created && third.headers[IdempotencyMiddleware.replayed] == "true")
                #expect(calls.load(ordering: .sequentiallyConsistent) == 2)
            }
            // Past its 24 hours, the worker's daily maintenance deletes it.
            try await pool.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 minute'")
            let settings = LinliSettings(databaseURL: configuration.connectionString, instanceName: "desk-worker")
            let group = try buildWorker(settings: settings, logger: TestDatabase.logger)
            let running = Task { try await group.run() }
            let left = try await DeskWorld.keysLeft(pool, waitingUpTo: .seconds(10))
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(left == 0)
        }
    }

    @Test("a key whose release fails (the database away) is freed in the background once it answers again")
    func failedReleaseIsRetried() async throws {
        try await TestDatabase.withDatabase { pool, _ in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let community = try await APITest.demoID(pool)
            let store = Store(pool: pool)
            let claim = try await store.transaction(.community(community)) { tx in
                try await IdempotencyStore().claim(
                    key: "away-1", fingerprint: Data(repeating: 7, count: 32), community: community, user: nil, on: tx)
            }
            guard case .claimed(let id) = claim else {
                Issue.record("the key was not claimed: \(claim)")
                return
            }
            // The first three attempts fail as they would with the database away; then the real delete.
            let attempts = Atomic<Int>(0)
            let releases = IdempotencyReleases(logger: TestDatabase.logger, maximumBackoff: .milliseconds(500)) {
                key, community in
                if attempts.add(1, ordering: .sequentiallyConsistent).newValue <= 3 {
                    throw StorageError(code: .unavailable, message: "the database is away")
                }
                try await store.transaction(.community(community)) { tx in
                    try await IdempotencyStore().release(key, on: tx)
                }
            }
            let group = ServiceGroup(services: [releases], logger: TestDatabase.logger)
            let running = Task { try await group.run() }
            await releases.free(id, community: community)
            let left = try await DeskWorld.keysLeft(pool, waitingUpTo: .seconds(10))
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(left == 0)
            #expect(attempts.load(ordering: .sequentiallyConsistent) == 4)
        }
    }
}
