import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliStorage
import LinliTestSupport
import LinliWeb
import NIOCore
import Testing

/// A published week of the demo community made for these tests, five weeks ahead (inside the
/// feeds' window, clear of the demo's own rosters): a volunteer renamed to something a page
/// must escape and a CSV must quote, on a shift of no team and on a patrol of a team whose name
/// tries to leave the download folder.
struct ExportsData: Sendable {
    static let base = "/api/v1/communities/demo"
    static let volunteerName = #"<script>alert("x")</script>,王"#
    static let teamName = #"../../etc/passwd"; 夜巡\队"#

    let community: ID<Community>
    let volunteer: ID<Volunteer>
    let team: ID<PatrolTeam>
    let monday: LocalDate
    /// 09:00–11:00 on Monday, no team.
    let duty: ID<Slot>
    /// 19:00–21:00 on Tuesday, the team's.
    let patrol: ID<Slot>
    let dutyAssignment: ID<Assignment>

    var week: String { monday.isoWeekName }

    static func make(_ pool: ConnectionPool) async throws -> ExportsData {
        let community = try await APITest.demoID(pool)
        let monday = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 35)
        func at(_ day: LocalDate, _ hour: Int) -> Date { day.startOfDay(in: .shanghai).addingTimeInterval(Double(hour) * 3600) }
        return try await Store(pool: pool).transaction(.community(community)) { tx in
            let service: ID<ServiceType> = try #require(
                try await tx.query("SELECT id FROM service_types WHERE code = 'library_duty' AND community_id = \(community)")
                    .rows.first?.decode("id"))
            let volunteer = try #require(try await VolunteerStore().volunteers(on: tx).first).id
            try await tx.execute("UPDATE volunteers SET name = \(volunteerName) WHERE id = \(volunteer)")
            let team = PatrolTeam(communityID: community, name: teamName)
            try await PatrolTeamStore().create(team, on: tx)
            let duty = Slot(
                communityID: community, serviceTypeID: service, start: at(monday, 9), end: at(monday, 11), headcountMin: 1,
                headcountMax: 2)
            let patrol = Slot(
                communityID: community, serviceTypeID: service, teamID: team.id, start: at(monday.adding(days: 1), 19),
                end: at(monday.adding(days: 1), 21), headcountMin: 1, headcountMax: 2)
            try await SlotStore().create(duty, on: tx)
            try await SlotStore().create(patrol, on: tx)
            let roster = try await RosterStore().createDraft(community: community, week: monday, on: tx)
            let assignment = try await AssignmentStore().assign(
                Assignment(rosterID: roster.id, slotID: duty.id, volunteerID: volunteer), on: tx)
            _ = try await AssignmentStore().assign(
                Assignment(rosterID: roster.id, slotID: patrol.id, volunteerID: volunteer), on: tx)
            try await ReminderPlanner().publish(roster.id, on: tx)
            return ExportsData(
                community: community, volunteer: volunteer, team: team.id, monday: monday, duty: duty.id, patrol: patrol.id,
                dutyAssignment: assignment.id)
        }
    }

    /// Every request of these tests goes through here: when sign-in guards the community routes,
    /// the credential is added in this one place (the public feed URL needs none).
    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:],
        json: String? = nil
    ) async throws -> TestResponse {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// What an independent reader (`PythonValidator.openpyxl`, `.icalendar`) makes of `body`,
    /// written to a temporary file for it.
    static func read(
        _ body: ByteBuffer, _ ext: String, with reader: (URL) throws -> [String: Any]
    ) throws -> [String: Any] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("linli-test-\(UUID().uuidString).\(ext)")
        try Data(body.readableBytesView).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try reader(url)
    }
}

@Suite("Exports, the printable roster, calendar feeds and attendance over HTTP")
struct ExportsAPITests {
    typealias D = ExportsData

    @Test("roster CSV: streamed with a BOM, RFC 4180 quoting; a team's export; a hostile team name makes a safe file name")
    func rosterCSV() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await D.make(pool)
            let all = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&format=csv")
            #expect(all.status == .ok, "\(String(buffer: all.body))")
            #expect(all.headers[.contentType] == "text/csv; charset=utf-8")
            let bytes = Array(all.body.readableBytesView)
            #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]))
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("日期 (Date),星期 (Weekday),"))
            #expect(text.contains(#""<script>alert(""x"")</script>,王""#), "the name is quoted, its quotes doubled")
            #expect(text.contains(data.duty.description) && text.contains(data.patrol.description))
            #expect(text.hasSuffix("\r\n"))

            let team = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&team=\(data.team)")
            #expect(team.status == .ok)
            let lines = String(decoding: team.body.readableBytesView.dropFirst(3), as: UTF8.self)
                .split(separator: "\r\n")
            #expect(lines.count == 2, "the header and the team's one patrol: \(lines)")
            #expect(lines.last?.contains(data.patrol.description) == true)
            let disposition = try #require(team.headers[.contentDisposition])
            #expect(!disposition.contains("/") && !disposition.contains("\\") && !disposition.contains(".."))
            #expect(!disposition.contains("\r") && !disposition.contains("\n"))
            let plain = try #require(disposition.split(separator: "filename=\"").last?.split(separator: "\"").first)
            #expect(plain.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "\(plain)")
            #expect(plain.hasSuffix(".csv") && !plain.hasPrefix("."))
            let encoded = try #require(disposition.split(separator: "filename*=UTF-8''").last)
            let decoded = try #require(String(encoded).removingPercentEncoding)
            #expect(decoded.hasPrefix("排班-etc_passwd_夜巡_队-") && decoded.hasSuffix(".csv"), "\(decoded)")
            #expect(disposition.hasPrefix("attachment; filename=\""))
        }
    }

    // Found by Benchmarks/load-faults.sh: the workbook is made before anything is sent, yet the
    // 200 went out first, so a database that failed meanwhile cut the transfer off.
    @Test("an XLSX export the database cannot finish is a 503 problem, not a 200 cut off")
    func rosterXLSXFailure() async throws {
        try await APITest.withAPI(statementTimeoutSeconds: 1) { client, pool in
            let data = try await D.make(pool)
            // A session holding ACCESS EXCLUSIVE on assignments, as VACUUM FULL would, keeps the
            // export's rows waiting past the statement timeout.
            try await pool.transaction { tx in
                try await tx.execute("LOCK TABLE assignments IN ACCESS EXCLUSIVE MODE")
                let xlsx = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&format=xlsx")
                #expect(xlsx.status == .serviceUnavailable)
                #expect(xlsx.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
        }
    }

    @Test("roster XLSX opens in openpyxl and JSON parses; an unknown week or team is 404, a bad format 400")
    func rosterXLSXAndJSON() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await D.make(pool)
            let xlsx = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&format=xlsx")
            #expect(xlsx.status == .ok)
            #expect(xlsx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(xlsx.headers[.contentDisposition]?.contains(".xlsx\"") == true)
            if !PythonValidator.isSkipped {
                let book = try D.read(xlsx.body, "xlsx", with: PythonValidator.openpyxl)
                let sheet = try #require((book["sheets"] as? [[String: Any]])?.first)
                #expect(sheet["title"] as? String == "排班 Roster")
                let rows = try #require(sheet["rows"] as? [[[Any]]])
                #expect(rows.first?.first?.last as? String == "日期 (Date)")
                let slotCells = rows.dropFirst().compactMap { $0.count > 16 ? $0[16].last as? String : nil }
                #expect(slotCells.contains(data.duty.description) && slotCells.contains(data.patrol.description))
                let names = rows.dropFirst().compactMap { $0.count > 10 ? $0[10].last as? String : nil }
                #expect(names.contains(D.volunteerName))
            }
            let json = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&format=json&team=\(data.team)")
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.body.readableBytesView)) as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["volunteer"] as? String == D.volunteerName)
            #expect(rows.first?["team"] as? String == D.teamName)

            let none = try await D.send(client, .get, D.base + "/exports/roster?week=2031-W10")
            try expectProblem(none, .notFound, code: "roster_not_found")
            let noTeam = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&team=\(UUID())")
            try expectProblem(noTeam, .notFound, code: "not_found")
            let format = try await D.send(client, .get, D.base + "/exports/roster?week=\(data.week)&format=pdf")
            try expectProblem(format, .badRequest, code: "invalid_value", fields: ["format"])
        }
    }

    @Test("the printable sheet escapes a <script> name, sends a strict CSP and speaks zh-CN or English")
    func printable() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await D.make(pool)
            let uri = D.base + "/exports/roster/print?week=\(data.week)&team=\(data.team)"
            let zh = try await D.send(client, .get, uri)
            #expect(zh.status == .ok, "\(String(buffer: zh.body))")
            #expect(zh.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(zh.headers[.contentSecurityPolicy])
            #expect(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"))
            #expect(!csp.contains("unsafe-inline") && !csp.contains("script-src"))
            let html = String(buffer: zh.body)
            #expect(!html.lowercased().contains("<script"), "no script, and the name escaped")
            #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,王"))
            #expect(html.contains("<html lang=\"zh-CN\">"))
            #expect(html.contains("签名") && html.contains(data.week) && html.contains("夜巡\\队"))
            #expect(html.contains("@page{size:A4"))
            #expect(html.components(separatedBy: "<td class=\"signature\"></td>").count == 2, "one row: the team's patrol")

            for request in [(uri + "&lang=en", HTTPFields()), (uri, APITest.headers([.acceptLanguage: "en-GB,en;q=0.9"]))] {
                let en = try await D.send(client, .get, request.0, headers: request.1)
                let page = String(buffer: en.body)
                #expect(page.contains("<html lang=\"en\">") && page.contains("Signature") && !page.contains("签名"))
                #expect(en.headers[.contentLanguage] == "en")
            }
            let whole = String(buffer: try await D.send(client, .get, D.base + "/exports/roster/print?week=\(data.week)").body)
            #expect(whole.contains("全部班次"))
        }
    }

    @Test("every page string exists in Chinese and English")
    func strings() throws {
        for (key, pair) in WebStrings.all {
            #expect(!pair.zh.isEmpty && !pair.en.isEmpty, "\(key)")
        }
        #expect(WebStrings.text("signature", .zhCN) == "签名")
        #expect(WebStrings.text("signature", .en) == "Signature")
        _ = try WebPages.load()
    }

    @Test("a calendar feed: created once with its URL, parsed strictly by icalendar, listed without token, revoked → 404")
    func feeds() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await D.make(pool)
            let created = try await D.send(
                client, .post, D.base + "/feeds", json: #"{"volunteer_id": "\#(data.volunteer)", "label": "王的手机"}"#)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let body = try JSONValue(created.body)
            let token = try #require(body.string["token"])
            let path = try #require(body.string["path"])
            #expect(path == "/feeds/\(token).ics")
            #expect(token.count == 43)
            #expect(Set(body.object.keys).isSubset(of: Contract.shared.properties("CalendarFeed")))
            let feed = try #require(body.string["id"])

            let calendar = try await D.send(client, .get, path)
            #expect(calendar.status == .ok, "\(String(buffer: calendar.body))")
            #expect(calendar.headers[.contentType] == "text/calendar; charset=utf-8")
            let ics = String(buffer: calendar.body).replacingOccurrences(of: "\r\n ", with: "")
            #expect(ics.contains("UID:\(data.duty)-\(data.volunteer)@linli"), "unfolded")
            if !PythonValidator.isSkipped {
                let parsed = try D.read(calendar.body, "ics", with: PythonValidator.icalendar)
                #expect(parsed["zones"] as? [String] == ["Asia/Shanghai"])
                let events = try #require(parsed["events"] as? [[String: Any]])
                let uids = Set(events.compactMap { $0["uid"] as? String })
                #expect(uids.isSuperset(of: ["\(data.duty)-\(data.volunteer)@linli", "\(data.patrol)-\(data.volunteer)@linli"]))
                let duty = try #require(events.first { $0["uid"] as? String == "\(data.duty)-\(data.volunteer)@linli" })
                #expect((duty["summary"] as? String)?.hasSuffix(D.volunteerName) == true)
                #expect(duty["tzid"] as? String == "Asia/Shanghai")
                #expect(duty["utcoffset"] as? Double == 28_800)
            }

            let teamFeed = try await D.send(client, .post, D.base + "/feeds", json: #"{"team_id": "\#(data.team)"}"#)
            #expect(teamFeed.status == .created)
            let teamPath = try #require(try JSONValue(teamFeed.body).string["path"])
            let teamICS = String(buffer: try await D.send(client, .get, teamPath).body)
            #expect(teamICS.contains("UID:\(data.patrol)-") && !teamICS.contains("UID:\(data.duty)-"))

            let list = try JSONValue(try await D.send(client, .get, D.base + "/feeds").body)
            #expect(list.items.count == 2)
            #expect(list.items.allSatisfy { $0["token"] == nil && $0["url"] == nil })

            let revoked = try await D.send(client, .delete, D.base + "/feeds/\(feed)")
            #expect(revoked.status == .ok)
            #expect(try JSONValue(revoked.body).string["revoked_at"] != nil)
            try expectProblem(try await D.send(client, .get, path), .notFound, code: "not_found")
            let unknown = "/feeds/" + String(repeating: "A", count: 43) + ".ics"
            try expectProblem(try await D.send(client, .get, unknown), .notFound, code: "not_found")
            try expectProblem(try await D.send(client, .get, "/feeds/short.ics"), .notFound, code: "not_found")
            #expect(try await D.send(client, .get, teamPath).status == .ok, "the other feed still works")

            let neither = try await D.send(client, .post, D.base + "/feeds", json: #"{"label": "x"}"#)
            try expectProblem(neither, .unprocessableContent, code: "validation_failed", fields: ["volunteer_id"])
            let stranger = try await D.send(client, .post, D.base + "/feeds", json: #"{"volunteer_id": "\#(UUID())"}"#)
            try expectProblem(stranger, .unprocessableContent, code: "invalid_reference", fields: ["volunteer_id"])
        }
    }

    @Test("attendance: recorded once (a second time is 409), corrected with PUT, and the hours report shows it")
    func attendanceAndHours() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await D.make(pool)
            let uri = D.base + "/assignments/\(data.dutyAssignment)/attendance"
            let first = try await D.send(client, .post, uri, json: #"{"status": "attended", "minutes": 90}"#)
            #expect(first.status == .created, "\(String(buffer: first.body))")
            #expect(try JSONValue(first.body).object["minutes"] as? Int == 90)
            let again = try await D.send(client, .post, uri, json: #"{"status": "late", "minutes": 60}"#)
            try expectProblem(again, .conflict, code: "attendance_recorded")
            let corrected = try await D.send(client, .put, uri, json: #"{"status": "late", "minutes": 120, "note": "迟到"}"#)
            #expect(corrected.status == .ok)
            let read = try JSONValue(try await D.send(client, .get, uri).body)
            #expect(read.string["status"] == "late" && read.object["minutes"] as? Int == 120)
            let absent = try await D.send(client, .post, uri, json: #"{"status": "absent", "minutes": 30}"#)
            try expectProblem(absent, .unprocessableContent, code: "validation_failed", fields: ["minutes"])
            let nobody = try await D.send(
                client, .post, D.base + "/assignments/\(UUID())/attendance", json: #"{"status": "attended", "minutes": 5}"#)
            try expectProblem(nobody, .notFound, code: "not_found")

            let day = data.monday.description
            let hours = try await D.send(client, .get, D.base + "/exports/hours?from=\(day)&to=\(day)&format=json")
            #expect(hours.status == .ok, "\(String(buffer: hours.body))")
            let lines = try #require(
                try JSONSerialization.jsonObject(with: Data(hours.body.readableBytesView)) as? [[String: Any]])
            #expect(lines.count == 1)
            #expect(lines.first?["minutes"] as? Int == 120 && lines.first?["name"] as? String == D.volunteerName)
            let csv = try await D.send(client, .get, D.base + "/exports/hours?from=\(day)&to=\(day)&by=grid")
            #expect(Array(csv.body.readableBytesView).starts(with: [0xEF, 0xBB, 0xBF]))
            #expect(csv.headers[.contentDisposition]?.contains("filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E6%97%B6%E9%95%BF") == true)
            let xlsx = try await D.send(client, .get, D.base + "/exports/hours?from=\(day)&to=\(day)&format=xlsx&by=all")
            #expect(xlsx.status == .ok)
            if !PythonValidator.isSkipped {
                let sheets = try #require(
                    try D.read(xlsx.body, "xlsx", with: PythonValidator.openpyxl)["sheets"] as? [[String: Any]])
                #expect(sheets.compactMap { $0["title"] as? String }.last == "参与率 Participation")
                #expect(sheets.count == 4)
            }
            let participation = try JSONValue(
                try await D.send(client, .get, D.base + "/reports/participation?from=\(day)&to=\(day)").body)
            let everyone = try #require(participation.items.first)
            #expect(everyone["group"] is NSNull)
            #expect(Set(everyone.keys) == Contract.shared.properties("Participation"))
            #expect(everyone["participants"] as? Int == 1 && everyone["minutes"] as? Int == 120)
            #expect((everyone["volunteers"] as? Int ?? 0) > 1)
            let by = try await D.send(client, .get, D.base + "/exports/hours?by=street")
            try expectProblem(by, .badRequest, code: "invalid_value", fields: ["by"])
            let month = try await D.send(client, .get, D.base + "/exports/hours?month=2026-13")
            try expectProblem(month, .badRequest, code: "invalid_parameter", fields: ["month"])
        }
    }

    @Test("visits per resident and unfilled work: counted from the bookings and the live roster, as JSON, CSV and XLSX")
    func serviceFigures() async throws {
        try await APITest.withAPI { client, pool in
            let data = try await D.make(pool)
            let day = data.monday.startOfDay(in: .shanghai)
            try await Store(pool: pool).transaction(.community(data.community)) { tx in
                let meals: ID<ServiceType> = try #require(
                    try await tx.query("SELECT id FROM service_types WHERE code = 'meal_delivery'").rows.first?.decode("id"))
                let library: ID<ServiceType> = try #require(
                    try await tx.query("SELECT id FROM service_types WHERE code = 'library_duty'").rows.first?.decode("id"))
                // Nobody on a duty wanting two: short by two.
                try await SlotStore().create(
                    Slot(
                        communityID: data.community, serviceTypeID: library, start: day.addingTimeInterval(14 * 3_600),
                        end: day.addingTimeInterval(16 * 3_600), headcountMin: 2, headcountMax: 2), on: tx)
                let resident = Resident(communityID: data.community, name: "钱奶奶", sex: .female)
                try await ResidentStore().create(resident, on: tx)
                func book(_ hour: Double) async throws -> Booking {
                    let window = TimeWindow(
                        start: day.addingTimeInterval(hour * 3_600), end: day.addingTimeInterval((hour + 2) * 3_600))
                    let booking = Booking(
                        communityID: data.community, residentID: resident.id, serviceTypeID: meals, minutes: 45,
                        windows: [window])
                    try await BookingStore().create(booking, on: tx)
                    return booking
                }
                // Done (45 minutes), cancelled, still requested; and one in the next week, not counted.
                let done = try await book(8)
                let visit = Slot(
                    communityID: data.community, serviceTypeID: meals, start: day.addingTimeInterval(8 * 3_600),
                    end: day.addingTimeInterval(8.75 * 3_600), headcountMin: 1, headcountMax: 1)
                try await SlotStore().create(visit, on: tx)
                try await BookingStore().schedule(done.id, slot: visit.id, on: tx)
                try await BookingStore().markDone(done.id, on: tx)
                try await BookingStore().cancel(try await book(10).id, reason: "住院", on: tx)
                _ = try await book(12)
                _ = try await book(24 * 7 + 9)
            }
            let week = "week=\(data.week)"
            let visits = try await D.send(client, .get, D.base + "/exports/visits?\(week)&format=json")
            #expect(visits.status == .ok, "\(String(buffer: visits.body))")
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(visits.body.readableBytesView)) as? [[String: Any]])
            let qian = try #require(rows.first { $0["resident_name"] as? String == "钱奶奶" })
            #expect(qian["done"] as? Int == 1 && qian["hours_done"] as? Double == 0.75)
            #expect(qian["cancelled"] as? Int == 1 && qian["requested"] as? Int == 1 && qian["scheduled"] as? Int == 0)
            let unfilled = try await D.send(client, .get, D.base + "/exports/unfilled?\(week)&format=json")
            let services = try #require(
                try JSONSerialization.jsonObject(with: Data(unfilled.body.readableBytesView)) as? [[String: Any]])
            let library = try #require(services.first { ($0["service"] as? String)?.hasPrefix("图书") == true })
            // The two shifts of the week's published roster, each of one person, and the empty one of two.
            #expect(library["slots"] as? Int == 3 && library["short_slots"] as? Int == 1, "\(library)")
            #expect(library["wanted"] as? Int == 4 && library["placed"] as? Int == 2 && library["missing"] as? Int == 2)
            #expect(library["filled_percent"] as? Double == 50)
            let meals = try #require(services.first { ($0["service"] as? String)?.contains("Meal") == true })
            #expect(meals["short_slots"] as? Int == 1 && meals["missing"] as? Int == 1)
            let csv = try await D.send(client, .get, D.base + "/exports/unfilled?\(week)")
            #expect(String(buffer: csv.body).contains("缺人班次 (Short slots)"))
            let xlsx = try await D.send(client, .get, D.base + "/exports/visits?\(week)&format=xlsx")
            #expect(xlsx.status == .ok)
            let bad = try await D.send(client, .get, D.base + "/exports/visits?month=2026-13")
            try expectProblem(bad, .badRequest, code: "invalid_parameter", fields: ["month"])
        }
    }

    @Test("the database keeps attendance to one per volunteer and shift, across roster versions")
    func attendanceConstraint() async throws {
        try await APITest.withAPI { _, pool in
            let data = try await D.make(pool)
            let store = Store(pool: pool)
            let draft = try await store.transaction(.community(data.community)) { tx in
                try await AttendanceStore().record(
                    Attendance(assignmentID: data.dutyAssignment, status: .attended, minutes: 60), on: tx)
                let draft = try await RosterStore().createDraft(community: data.community, week: data.monday, on: tx)
                return try await AssignmentStore().assignments(roster: draft.id, on: tx)
                    .first { $0.slotID == data.duty && $0.volunteerID == data.volunteer }
            }
            let copy = try #require(draft, "the draft copies the published assignment")
            // Written past AttendanceStore's own check, straight into the table.
            let error = await #expect(throws: StorageError.self) {
                try await store.transaction(.community(data.community)) { tx async throws in
                    try await tx.execute(
                        """
                        INSERT INTO attendance (assignment_id, community_id, status, minutes)
                        VALUES (\(copy.id), \(data.community), 'attended', 30)
                        """)
                }
            }
            #expect(error?.code == .duplicate)
            #expect(error?.constraint == "attendance_once_per_slot_volunteer")
        }
    }
}

@Suite("Reports from a read replica (LINLI_DATABASE_REPORTS_URL)")
struct ReportsReplicaTests {
    typealias D = ExportsData

    @Test("with a reports URL, hours and participation read through it, read-only; the roster export does not")
    func reportsGoToTheReplica() async throws {
        // The same database as the replica stands in for one: the reports answer, and writing through them fails.
        try await APITest.withAPI(reportsURL: { $0 }) { client, pool in
            let participation = try await D.send(client, .get, D.base + "/reports/participation?month=2026-11")
            #expect(participation.status == .ok, "\(String(buffer: participation.body))")
            let hours = try await D.send(client, .get, D.base + "/exports/hours?month=2026-11&format=json")
            #expect(hours.status == .ok)
            let readOnly = Store(pool: pool, readOnly: true)
            await #expect(throws: StorageError.self) {
                try await readOnly.transaction(.administrator()) { tx in
                    try await tx.execute("UPDATE communities SET phone = phone")
                }
            }
        }
        // An unreachable replica: the reports fail with 503, everything else still answers.
        try await APITest.withAPI(reportsURL: { _ in "postgresql://linli@127.0.0.1:1/linli?connect_timeout=2" }) {
            client, _ in
            let participation = try await D.send(client, .get, D.base + "/reports/participation?month=2026-11")
            try expectProblem(participation, .serviceUnavailable, code: "unavailable")
            let volunteers = try await D.send(client, .get, D.base + "/volunteers")
            #expect(volunteers.status == .ok)
            let roster = try await D.send(client, .get, D.base + "/exports/roster?week=2026-W47&format=json")
            #expect(roster.status != .serviceUnavailable)
        }
    }
}
