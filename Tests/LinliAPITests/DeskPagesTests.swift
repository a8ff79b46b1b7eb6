import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

@testable import LinliAPI

/// A browser's session on the pages: the cookie and the CSRF token its forms carry.
struct PageSession {
    let client: any TestClientProtocol
    let token: String

    var csrf: String { CSRFToken.token(for: token) }
    var cookie: HTTPFields { APITest.headers([.cookie: "linli_session=\(token)"]) }

    /// Signs in a new user holding `role` in demo, by password as the sign-in form does.
    static func signIn(_ signedIn: any TestClientProtocol, _ pool: ConnectionPool, role: Role) async throws -> PageSession {
        let client = try #require(signedIn as? SignedInClient).base
        let login = "page-\(role.rawValue.replacingOccurrences(of: "_", with: "-"))-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await AuthTests.passwordUser(pool, login: login, role: role)
        let issued = try await Authenticator(store: Store(pool: pool)).login(
            login: login, password: AuthTests.password, from: nil)
        return PageSession(client: client, token: issued.token.value)
    }

    func get(_ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: cookie, body: nil)
    }

    /// Posts a form; the session's CSRF token is added unless `csrf` is false.
    func post(_ uri: String, _ fields: [(String, String)], csrf: Bool = true) async throws -> TestResponse {
        var headers = cookie
        headers[.contentType] = "application/x-www-form-urlencoded"
        let all = csrf ? [("csrf_token", self.csrf)] + fields : fields
        return try await client.execute(uri: uri, method: .post, headers: headers, body: PagesTests.formBody(all))
    }
}

@Suite("The booking desk's pages: find, propose, confirm, slip, cancel, register, call list")
struct DeskPagesTests {
    /// The text between `start` and the next `end` in `html`.
    static func between(_ html: String, _ start: String, _ end: String) -> String? {
        guard let from = html.range(of: start)?.upperBound, let to = html[from...].range(of: end)?.lowerBound else {
            return nil
        }
        return String(html[from..<to])
    }

    /// Desk staff (who read no volunteer's row) propose a visit on the desk's world.
    static func propose(_ desk: PageSession, _ world: DeskWorld, day: String = "2027-03-10") async throws -> TestResponse {
        try await desk.post(
            "/app/desk/residents/\(world.resident)/propose",
            [
                ("service", world.meals.description), ("date", day), ("from", "09:00"), ("to", "12:00"),
                ("notes", "请敲门"),
            ])
    }

    @Test("the start page links desk staff to the desk and the call list; a patrol leader is refused the desk")
    func homeAndRoles() async throws {
        try await APITest.withAPI { signedIn, pool in
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let home = String(buffer: try await desk.get("/app").body)
            #expect(home.contains(#"href="/app/desk?lang=zh-CN""#) && home.contains(#"href="/app/desk/calls?lang=zh-CN""#))
            let leader = try await PageSession.signIn(signedIn, pool, role: .patrolLeader)
            #expect(!String(buffer: try await leader.get("/app").body).contains("/app/desk"))
            let refused = try await leader.get("/app/desk")
            expectPageProblem(refused, .forbidden, code: "role_forbidden")
            #expect(String(buffer: refused.body).contains("您的岗位不能打开这个页面"))
            // An administrator holds no community role: the desk opens on the first community.
            let admin = try await PageSession.signIn(signedIn, pool, role: .administrator)
            let adminDesk = try await admin.get("/app/desk")
            #expect(adminDesk.status == .ok && String(buffer: adminDesk.body).contains("幸福里社区"))
            let anonymous = try await desk.client.execute(uri: "/app/desk", method: .get, headers: [:], body: nil)
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/signin?lang=zh-CN")
        }
    }

    @Test("search finds residents by name, pinyin initials, phone tail and address, with masked contacts")
    func search() async throws {
        try await APITest.withAPI { signedIn, pool in
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let community = try await APITest.demoID(pool)
            try await Store(pool: pool).transaction(.community(community)) { tx in
                try await ResidentStore().create(
                    Resident(
                        communityID: community, name: "欧阳春花", sex: .female, address: "幸福里九号院 3单元101室",
                        phone: "13812349876"), on: tx)
            }
            for query in ["欧阳", "oycH", "9876", "九号院"] {
                let ascii = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                let response = try await desk.get(
                    "/app/desk?q=\(query.addingPercentEncoding(withAllowedCharacters: ascii) ?? "")")
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains(">欧阳春花</a>"), "\(query)")
                #expect(html.contains("138****9876") && !html.contains("13812349876"), "\(query)")
            }
            let none = String(buffer: try await desk.get("/app/desk?q=zzzz").body)
            #expect(none.contains("没有找到符合的居民") && !none.contains("欧阳春花"))
        }
    }

    @Test("desk staff propose a visit, see who comes and when, confirm it and print the slip")
    func proposeConfirmSlip() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let resident = String(buffer: try await desk.get("/app/desk/residents/\(world.resident)").body)
            #expect(resident.contains("<h1>张奶奶</h1>") && resident.contains("助餐（送餐上门）（30 分钟）"))
            #expect(resident.contains(#"<label for="service">"#) && resident.contains(#"name="csrf_token""#))
            #expect(resident.utf8.count < 100_000)
            let english = String(buffer: try await desk.get("/app/desk/residents/\(world.resident)?lang=en").body)
            #expect(english.contains(#"<html lang="en">"#) && english.contains("Book a home visit"))
            #expect(english.contains("Meal delivery (30 minutes)") && english.contains("Tomorrow morning"))
            let proposed = try await Self.propose(desk, world)
            #expect(proposed.status == .ok)
            let html = String(buffer: proposed.body)
            let who = try #require(Self.between(html, #"id="proposal-who">"#, "</dd>"))
            #expect(["王芳", "李强"].contains(who), "\(html)")
            let when = try #require(Self.between(html, #"id="proposal-when">"#, "</dd>"))
            #expect(when.hasPrefix("3月10日 周三 "), "\(when)")
            let action = try #require(Self.between(html, #"action="/app/desk/proposals/"#, #"""#))
            let confirmed = try await desk.post(
                "/app/desk/proposals/\(action.replacingOccurrences(of: "&amp;", with: "&"))",
                [
                    ("resident", world.resident.description)
                ])
            #expect(confirmed.status == .seeOther, "\(String(buffer: confirmed.body))")
            let location = try #require(confirmed.headers[.location])
            #expect(location.hasPrefix("/app/desk/bookings/") && location.hasSuffix("&done=booked"))
            let booking = String(buffer: try await desk.get(location).body)
            #expect(booking.contains("预约成功") && booking.contains(#"id="booking-who">\#(who)</dd>"#))
            let bookingID = try #require(Self.between(location, "/app/desk/bookings/", "?"))
            let stored = try await Store(pool: pool).transaction(.community(world.community)) { tx in
                try await BookingStore().booking(try #require(ID<Booking>(uuidString: bookingID)), on: tx)
            }
            #expect(stored.state == .scheduled && stored.notes == "请敲门")
            let slip = String(buffer: try await desk.get("/app/desk/bookings/\(bookingID)/slip").body)
            #expect(slip.contains(#"<article class="slip">"#) && slip.contains("<dd>张奶奶</dd>"))
            #expect(slip.contains("<dd>3月10日 周三</dd>") && slip.contains(#"<dd id="slip-who">\#(who)</dd>"#))
            #expect(slip.contains("<dd>助餐（送餐上门）</dd>"))
            // Confirming the same proposal again is refused with the reason.
            let again = try await desk.post("/app/desk/proposals/\(action.replacingOccurrences(of: "&amp;", with: "&"))", [])
            #expect(again.status == .conflict && String(buffer: again.body).contains("该建议已确认"))
            // The resident's page lists it; cancelling needs a reason, then takes it off.
            let page = String(buffer: try await desk.get("/app/desk/residents/\(world.resident)").body)
            #expect(page.contains("/app/desk/bookings/\(bookingID)?") && page.contains("已安排"))
            let noReason = try await desk.post("/app/desk/bookings/\(bookingID)/cancel", [("reason", "  ")])
            #expect(noReason.status == .unprocessableContent)
            #expect(String(buffer: noReason.body).contains(#"id="reason-error">不能为空"#))
            let cancelled = try await desk.post("/app/desk/bookings/\(bookingID)/cancel", [("reason", "老人住院")])
            #expect(cancelled.status == .seeOther)
            #expect(cancelled.headers[.location] == "/app/desk/residents/\(world.resident)?lang=zh-CN&done=cancelled")
            let after = try await Store(pool: pool).transaction(.community(world.community)) { tx in
                try await BookingStore().booking(try #require(ID<Booking>(uuidString: bookingID)), on: tx)
            }
            #expect(after.state == .cancelled && after.stateReason == "老人住院")
        }
    }

    @Test("moving a booking: the new time is proposed and confirmed, and the old booking is cancelled with it")
    func moveBooking() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            func confirm(_ html: String, _ fields: [(String, String)]) async throws -> String {
                let action = try #require(Self.between(html, #"action="/app/desk/proposals/"#, #"""#))
                let response = try await desk.post(
                    "/app/desk/proposals/\(action.replacingOccurrences(of: "&amp;", with: "&"))", fields)
                #expect(response.status == .seeOther, "\(String(buffer: response.body))")
                let location = try #require(response.headers[.location])
                return try #require(Self.between(location, "/app/desk/bookings/", "?"))
            }
            let first = try await confirm(String(buffer: try await Self.propose(desk, world).body), [])
            let page = String(buffer: try await desk.get("/app/desk/bookings/\(first)").body)
            let link = try #require(Self.between(page, #"<a id="move" href=""#, #"""#))
                .replacingOccurrences(of: "&amp;", with: "&")
            #expect(link.contains("move=\(first)") && link.contains("service=\(world.meals)"))
            let form = String(buffer: try await desk.get(link).body)
            #expect(form.contains(#"<input type="hidden" name="move" value="\#(first)">"#))
            #expect(form.contains(#"<option value="\#(world.meals)" selected>"#) && form.contains("正在改约"))
            let proposed = try await desk.post(
                "/app/desk/residents/\(world.resident)/propose",
                [
                    ("service", world.meals.description), ("date", "2027-03-11"), ("from", "14:00"), ("to", "16:00"),
                    ("move", first),
                ])
            let html = String(buffer: proposed.body)
            #expect(html.contains(#"<input type="hidden" name="move" value="\#(first)">"#))
            let second = try await confirm(html, [("move", first)])
            #expect(second != first)
            let (old, new) = try await Store(pool: pool).transaction(.community(world.community)) { tx in
                (
                    try await BookingStore().booking(try #require(ID<Booking>(uuidString: first)), on: tx),
                    try await BookingStore().booking(try #require(ID<Booking>(uuidString: second)), on: tx)
                )
            }
            #expect(old.state == .cancelled && old.stateReason == "改约 / moved to another time")
            #expect(new.state == .scheduled)
        }
    }

    @Test("desk staff's proposals over the JSON API see the volunteers too, and confirm")
    func deskStaffOverTheAPI() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            let desk = try await SignedInClient.signIn(signedIn, pool: pool, role: .deskStaff)
            let response = try await send(
                desk, .post, DeskWorld.proposals, json: world.ask(world.meals, "2027-03-10", from: (9, 0), to: (12, 0)))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let confirm = try #require(try JSONValue(response.body).string["confirm"])
            let confirmed = try await send(desk, .post, confirm, headers: [IdempotencyMiddleware.header: "desk-api-1"])
            #expect(confirmed.status == .created, "\(String(buffer: confirmed.body))")
        }
    }

    @Test("when nothing fits the reasons and the nearest times are shown, each a one-press form")
    func nothingFits() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            // 王芳 is on library duty 09:00–11:00 and 李强 is a man: nothing fits then.
            let response = try await desk.post(
                "/app/desk/residents/\(world.resident)/propose",
                [("service", world.care.description), ("date", "2027-03-09"), ("from", "09:00"), ("to", "10:30")])
            #expect(response.status == .ok)
            let html = String(buffer: response.body)
            #expect(html.contains("所选时间内安排不了") && html.contains("同性别"), "\(html)")
            #expect(html.contains(#"class="alternative""#) && html.contains("改约这个时间"))
            #expect(html.contains(#"value="2027-03-09""#))
        }
    }

    @Test("a form error is shown next to the field in Chinese and keeps what was entered")
    func formErrorsKeepInput() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let response = try await desk.post(
                "/app/desk/residents/\(world.resident)/propose",
                [("service", world.meals.description), ("date", "2027-03-10"), ("from", "9点"), ("notes", "带上<饭盒>")])
            #expect(response.status == .unprocessableContent)
            let html = String(buffer: response.body)
            #expect(html.contains(#"<p class="field-error" id="from-error">时间格式应为 09:30</p>"#))
            #expect(html.contains(#"id="from" name="from" type="time" value="9点" aria-invalid="true""#))
            #expect(html.contains(#"<option value="\#(world.meals)" selected>"#))
            #expect(html.contains(#"value="带上&lt;饭盒&gt;""#))
            let empty = String(
                buffer: try await desk.post("/app/desk/residents/\(world.resident)/propose", [("service", "")]).body)
            #expect(empty.contains(#"id="service-error">请选择一个服务项目"#) && empty.contains(#"id="windows-error""#))
            let resident = try await desk.post(
                "/app/desk/residents", [("name", "刘阿姨"), ("phone", "12345"), ("address", "幸福里5号")])
            #expect(resident.status == .unprocessableContent)
            let form = String(buffer: resident.body)
            #expect(form.contains(#"value="刘阿姨""#) && form.contains(#"value="幸福里5号""#))
            #expect(form.contains(#"id="phone-error""#) && form.contains(#"id="sex-error">请选择性别"#))
            let created = try await desk.post(
                "/app/desk/residents", [("name", "刘阿姨"), ("sex", "female"), ("phone", "13912345678"), ("needs_call", "1")])
            #expect(created.status == .seeOther)
            let location = try #require(created.headers[.location])
            #expect(String(buffer: try await desk.get(location).body).contains("居民已登记"))
        }
    }

    @Test("a form without the session's CSRF token is refused and writes nothing")
    func csrfRefused() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let response = try await desk.post(
                "/app/desk/residents", [("name", "无令牌"), ("sex", "male")], csrf: false)
            expectPageProblem(response, .forbidden, code: "csrf_failed")
            let forged = try await desk.post(
                "/app/desk/residents/\(world.resident)/propose",
                [("csrf_token", "forged"), ("service", world.meals.description)], csrf: false)
            #expect(forged.status == .forbidden)
            let count = try await DeskWorld.count(pool, "SELECT count(*)::int AS n FROM residents WHERE name = '无令牌'")
            #expect(count == 0)
        }
    }

    @Test("a resident named like a script is shown as text")
    func escaping() async throws {
        try await APITest.withAPI { signedIn, pool in
            let community = try await APITest.demoID(pool)
            let id = try await Store(pool: pool).transaction(.community(community)) { tx in
                let r = Resident(communityID: community, name: "<script>alert(1)</script>", sex: .male, address: "\"><b>x")
                try await ResidentStore().create(r, on: tx)
                return r.id
            }
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            for uri in ["/app/desk?q=script", "/app/desk/residents/\(id)"] {
                let html = String(buffer: try await desk.get(uri).body)
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(uri)")
                #expect(!html.contains("<script"), "\(uri)")
                #expect(!html.contains("<b>x"), "\(uri)")
            }
        }
    }

    @Test("the call list shows tomorrow's visits of residents who need a call, and takes the marks")
    func callList() async throws {
        try await APITest.withAPI { signedIn, pool in
            let world = try await DeskWorld.make(pool)
            try await Store(pool: pool).transaction(.community(world.community)) { tx in
                _ = try await tx.execute(
                    "UPDATE residents SET needs_call = true, phone = '01064012345' WHERE id = \(world.resident)")
            }
            let desk = try await PageSession.signIn(signedIn, pool, role: .deskStaff)
            let proposed = String(buffer: try await Self.propose(desk, world).body)
            let action = try #require(Self.between(proposed, #"action="/app/desk/proposals/"#, #"""#))
            let confirmed = try await desk.post("/app/desk/proposals/\(action.replacingOccurrences(of: "&amp;", with: "&"))", [])
            #expect(confirmed.status == .seeOther)
            let html = String(buffer: try await desk.get("/app/desk/calls?date=2027-03-10").body)
            #expect(html.contains("张奶奶") && html.contains(#"href="tel:01064012345""#), "\(html)")
            #expect(html.contains("还没有打"))
            let slot = try #require(Self.between(html, #"action="/app/desk/calls/"#, "/mark"))
            let marked = try await desk.post("/app/desk/calls/\(slot)/mark", [("mark", "confirmed"), ("date", "2027-03-10")])
            #expect(marked.status == .seeOther)
            #expect(marked.headers[.location] == "/app/desk/calls?lang=zh-CN&date=2027-03-10")
            #expect(String(buffer: try await desk.get("/app/desk/calls?date=2027-03-10").body).contains("居民已确认"))
            let empty = String(buffer: try await desk.get("/app/desk/calls?date=2027-03-11&lang=en").body)
            #expect(empty.contains("No calls to make for this day.") && empty.contains(#"<html lang="en">"#))
        }
    }
}
