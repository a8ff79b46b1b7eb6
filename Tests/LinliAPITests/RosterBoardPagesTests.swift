import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliRostering
import LinliStorage
import LinliTestSupport
import NIOCore
import Testing

/// A staff member on the pages: the session cookie (an API token works as one) and the CSRF
/// token their forms carry.
struct PageUser {
    let token: String
    var cookie: HTTPFields { APITest.headers([.cookie: "linli_session=\(token)"]) }
    var form: HTTPFields {
        APITest.headers([.cookie: "linli_session=\(token)", .contentType: "application/x-www-form-urlencoded"])
    }
    var csrf: String { CSRFToken.token(for: token) }

    static func signIn(
        _ client: any TestClientProtocol, _ pool: ConnectionPool, role: Role = .coordinator, team: ID<PatrolTeam>? = nil
    ) async throws -> PageUser {
        PageUser(token: try await SignedInClient.signIn(client, pool: pool, role: role, team: team).token)
    }

    /// Posts a page's form with this user's cookie and CSRF token.
    func post(_ client: any TestClientProtocol, _ path: String, _ fields: [(String, String)]) async throws -> TestResponse {
        try await client.executeRequest(uri: path, method: .post, headers: form, body: body(fields))
    }

    /// A form body with this user's CSRF token first.
    func body(_ fields: [(String, String)]) -> ByteBuffer {
        PagesTests.formBody([("csrf_token", csrf)] + fields)
    }
}

/// Pieces of a page: the value of the first `name="…" value="…"` and every `id="prefix…"`.
enum HTML {
    static func value(_ html: String, name: String, after marker: String? = nil) -> String? {
        var text = Substring(html)
        if let marker, let range = html.range(of: marker) { text = html[range.upperBound...] }
        guard let range = text.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    static func ids(_ html: String, prefix: String) -> [String] {
        html.components(separatedBy: "id=\"\(prefix)").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }
}

@Suite("The roster board page: week grid, solve, explanations, suggestions, pins, publish")
struct RosterBoardPagesTests {
    static func weeks() -> (this: LocalDate, next: LocalDate) {
        let monday = LocalDate(Date(), in: .shanghai).weekStart
        return (monday, monday.adding(days: 7))
    }

    static func board(_ week: LocalDate, _ extra: String = "") -> String {
        "/app/roster?community=demo&week=\(week.isoWeekName)\(extra)"
    }

    @Test("the board shows next week's draft: grid by kind, unfilled marked by symbol and words, reasons, CSP, no script")
    func rendersWeek() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let next = Self.weeks().next
            try await client.execute(uri: Self.board(next), method: .get, headers: user.cookie) { response async throws in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="zh-CN">"#))
                #expect(html.contains("排班看板") && html.contains(next.isoWeekName))
                #expect(html.contains("巡逻 · ") && html.contains("上门服务 · "))
                #expect(html.contains(#"data-state="unfilled""#) && html.contains("⚠ 缺"))
                #expect(html.contains(#"data-testid="unfilled-reason""#))
                #expect(html.contains("📌 固定"))
                #expect(html.contains(#"<label for="seconds">"#))
                #expect(!html.contains("<script"))
                // No error is shown (nor a field marked invalid) on a page nobody has submitted.
                #expect(!html.contains(#"aria-invalid="true""#) && !html.contains(#"class="field-error""#))
                #expect(!html.contains("http-equiv=\"refresh\""))
            }
            try await client.execute(uri: Self.board(next, "&lang=en"), method: .get, headers: user.cookie) {
                response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="en">"#) && html.contains("Roster board") && html.contains("missing"))
            }
            // Signed out: to the sign-in page.
            try await client.execute(uri: Self.board(next), method: .get) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/signin?lang=zh-CN")
            }
        }
    }

    @Test("a solve is queued as a roster.solve run and the page refreshes itself; a bad time limit is shown next to the field")
    func solveQueuesRun() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let next = Self.weeks().next
            do {
                let response = try await user.post(
                    client, "/app/roster/solve?community=demo", [("week", next.isoWeekName), ("seconds", "abc")])
                #expect(response.status == .unprocessableContent)
                let html = String(buffer: response.body)
                #expect(html.contains("请填写 1 到 600 之间的整数秒数"))
                #expect(html.contains(#"value="abc""#) && html.contains(#"aria-invalid="true""#))
            }
            do {
                let response = try await user.post(
                    client, "/app/roster/solve?community=demo", [("week", next.isoWeekName), ("seconds", "5")])
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.contains("notice=solving") == true)
            }
            let demo = try await APITest.demoID(pool)
            let runs = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await RosterSolving.runs(community: demo, week: next, on: tx)
            }
            #expect(runs.count == 1 && runs.first?.state == .queued && runs.first?.secondsLimit == 5)
            try await client.execute(uri: Self.board(next), method: .get, headers: user.cookie) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<meta http-equiv="refresh" content="2">"#))
                #expect(html.contains(#"data-state="queued""#) && html.contains("排队中"))
            }
        }
    }

    @Test("choosing an unfilled slot lists ranked replacements; one is assigned, then pinned")
    func assignAndPin() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let next = Self.weeks().next
            let slot = try await client.execute(uri: Self.board(next), method: .get, headers: user.cookie) {
                response async throws in
                try #require(HTML.ids(String(buffer: response.body), prefix: "why-").first)
            }
            let (roster, volunteer, version) = try await client.execute(
                uri: Self.board(next, "&slot=\(slot)"), method: .get, headers: user.cookie
            ) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"data-testid="slot-panel""#) && html.contains("推荐的替补人选"))
                let marker = #"action="/app/roster/assign"#
                return (
                    try #require(HTML.value(html, name: "roster", after: marker)),
                    try #require(HTML.value(html, name: "volunteer", after: marker)),
                    try #require(HTML.value(html, name: "version", after: marker))
                )
            }
            do {
                let response = try await user.post(
                    client, "/app/roster/assign?community=demo",
                    [
                        ("week", next.isoWeekName), ("version", version), ("slot", slot), ("roster", roster),
                        ("volunteer", volunteer),
                    ])
                #expect(response.status == .seeOther, "\(String(buffer: response.body))")
                #expect(response.headers[.location]?.contains("notice=assigned") == true)
            }
            let demo = try await APITest.demoID(pool)
            let rosterID = try #require(ID<Roster>(uuidString: roster))
            let assigned = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await AssignmentStore().assignments(roster: rosterID, on: tx)
            }
            let made = try #require(assigned.first { $0.slotID.description == slot && $0.volunteerID.description == volunteer })
            #expect(!made.isPinned)
            do {
                let response = try await user.post(
                    client, "/app/roster/pin?community=demo",
                    [
                        ("week", next.isoWeekName), ("version", version), ("slot", slot), ("roster", roster),
                        ("assignment", made.id.description),
                    ])
                #expect(response.status == .seeOther)
            }
            let pinned = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await AssignmentStore().assignment(made.id, on: tx)
            }
            #expect(pinned.isPinned && pinned.reason == "协调员在排班看板上固定")
            // The same person again on the same slot is refused, the reason shown on the page.
            do {
                let response = try await user.post(
                    client, "/app/roster/assign?community=demo",
                    [
                        ("week", next.isoWeekName), ("version", version), ("slot", slot), ("roster", roster),
                        ("volunteer", volunteer),
                    ])
                #expect(response.status != .seeOther)
                #expect(String(buffer: response.body).contains("操作未完成"))
            }
        }
    }

    @Test("publishing a draft shows what changed since the published version first")
    func publishWithChanges() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let this = Self.weeks().this
            do {
                let response = try await user.post(client, "/app/roster/draft?community=demo", [("week", this.isoWeekName)])
                #expect(response.status == .seeOther)
            }
            let demo = try await APITest.demoID(pool)
            let (draft, removed) = try await Store(pool: pool).transaction(.community(demo)) { tx in
                let draft = try #require(
                    try await RosterStore().versions(community: demo, week: this, on: tx).max { $0.version < $1.version })
                let assignments = try await AssignmentStore().assignments(roster: draft.id, on: tx)
                return (draft, try #require(assignments.first))
            }
            #expect(draft.state == .draft)
            do {
                let response = try await user.post(
                    client, "/app/roster/unassign?community=demo",
                    [
                        ("week", this.isoWeekName), ("version", "\(draft.version)"), ("roster", draft.id.description),
                        ("assignment", removed.id.description),
                    ])
                #expect(response.status == .seeOther)
            }
            try await client.execute(
                uri: Self.board(this, "&version=\(draft.version)"), method: .get, headers: user.cookie
            ) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"data-testid="publish-panel""#))
                #expect(html.contains("与已发布的第") && html.contains("移除 1"))
                #expect(html.contains(#"<li class="remove">"#))
            }
            do {
                let response = try await user.post(
                    client, "/app/roster/publish?community=demo", [("week", this.isoWeekName), ("roster", draft.id.description)])
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.contains("notice=published") == true)
            }
            let state = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await RosterStore().roster(draft.id, on: tx).state
            }
            #expect(state == .published)
            // Publishing it again is refused on the page, not a crash.
            do {
                let response = try await user.post(
                    client, "/app/roster/publish?community=demo", [("week", this.isoWeekName), ("roster", draft.id.description)])
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("不是草稿"))
            }
        }
    }

    @Test("forms without the session's CSRF token are refused; a patrol leader cannot open the board")
    func csrfAndRoles() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let next = Self.weeks().next
            for body in [
                PagesTests.formBody([("week", next.isoWeekName), ("seconds", "5")]),
                PagesTests.formBody([("csrf_token", "forged"), ("week", next.isoWeekName), ("seconds", "5")]),
            ] {
                try await client.execute(
                    uri: "/app/roster/solve?community=demo", method: .post, headers: user.form, body: body
                ) { response async throws in
                    expectPageProblem(response, .forbidden, code: "csrf_failed")
                }
            }
            let demo = try await APITest.demoID(pool)
            let runs = try await Store(pool: pool).transaction(.community(demo)) { tx in
                try await RosterSolving.runs(community: demo, week: next, on: tx)
            }
            #expect(runs.isEmpty)
            let leader = try await PageUser.signIn(client, pool, role: .patrolLeader)
            // Refusals are pages a person can read, in the page's language, with the way back.
            try await client.execute(uri: Self.board(next), method: .get, headers: leader.cookie) { response async throws in
                expectPageProblem(response, .forbidden, code: "role_forbidden")
                let html = String(buffer: response.body)
                #expect(html.contains("您的岗位不能打开这个页面") && html.contains(#"href="/app?lang=zh-CN""#))
            }
            try await client.execute(
                uri: "/app/roster?community=nowhere&lang=en", method: .get, headers: user.cookie
            ) { response async throws in
                expectPageProblem(response, .notFound, code: "community_not_found")
                #expect(String(buffer: response.body).contains("There is no such community"))
            }
        }
    }

    @Test("names and input are escaped on the board")
    func escaping() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let this = Self.weeks().this
            let demo = try await APITest.demoID(pool)
            let evil = "<b>坏</b>&\"x"
            try await Store(pool: pool).transaction(.community(demo)) { tx in
                let published = try #require(try await RosterStore().published(community: demo, week: this, on: tx))
                let first = try #require(try await AssignmentStore().assignments(roster: published.id, on: tx).first)
                try await tx.execute("UPDATE volunteers SET name = \(evil) WHERE id = \(first.volunteerID)")
            }
            try await client.execute(uri: Self.board(this), method: .get, headers: user.cookie) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains("&lt;b&gt;坏&lt;/b&gt;&amp;&quot;x"))
                #expect(!html.contains("<b>坏</b>"))
            }
            try await client.execute(
                uri: "/app/roster?community=demo&week=%3Cscript%3E", method: .get, headers: user.cookie
            ) { response async throws in
                #expect(response.status == .badRequest)
                let html = String(buffer: response.body)
                #expect(html.contains("&lt;script&gt;") && !html.contains("<script>"))
                #expect(html.contains("周次须写成 2026-W48"))
            }
        }
    }

    @Test("a large week shows one group at a time with links to the others, and explains only that group's short slots")
    func largeWeekByGroup() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let next = Self.weeks().next
            let demo = try await APITest.demoID(pool)
            // 125 library duties without a place, nobody on them: the week passes 120 slots.
            let duties = try await Store(pool: pool).transaction(.community(demo)) { tx in
                let library: ID<ServiceType> = try #require(
                    try await tx.query("SELECT id FROM service_types WHERE code = 'library_duty'").rows.first?.decode("id"))
                var ids: [ID<LinliDomain.Slot>] = []
                for n in 0..<125 {
                    let start = next.startOfDay(in: .shanghai).addingTimeInterval(Double(n % 7) * 86_400 + Double(n / 7) * 1_800)
                    let slot = LinliDomain.Slot(
                        communityID: demo, serviceTypeID: library, start: start.addingTimeInterval(6 * 3_600),
                        end: start.addingTimeInterval(6 * 3_600 + 1_800), headcountMin: 1, headcountMax: 1)
                    try await SlotStore().create(slot, on: tx)
                    ids.append(slot.id)
                }
                return ids
            }
            try await client.execute(uri: Self.board(next), method: .get, headers: user.cookie) { response async throws in
                let html = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(html.contains(#"id="group-tabs""#) && html.contains("每次显示一类"))
                #expect(html.components(separatedBy: #"<table class="board">"#).count == 2)
                #expect(html.contains("⚠ 125 个班次缺人"))
            }
            let group = "/app/roster?community=demo&week=\(next.isoWeekName)&group=duty%3A"
            try await client.execute(uri: group, method: .get, headers: user.cookie) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<strong aria-current="page">值班与活动 · 未分网格</strong>"#))
                #expect(html.components(separatedBy: #"<table class="board">"#).count == 2)
                // Every short slot on the page is explained, and only those.
                let explained = Set(HTML.ids(html, prefix: "why-"))
                #expect(explained == Set(duties.map(\.description)))
            }
            // Choosing one of them (as the forms' redirects do) shows its group.
            try await client.execute(
                uri: Self.board(next, "&slot=\(duties[3])"), method: .get, headers: user.cookie
            ) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<strong aria-current="page">值班与活动 · 未分网格</strong>"#))
                #expect(html.contains(#"id="slot-\#(duties[3])""#))
            }
        }
    }
}
