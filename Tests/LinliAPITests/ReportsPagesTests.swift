import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliExport
import LinliJobs
import LinliReminders
import LinliStorage
import LinliTestSupport
import LinliWeb
import NIOCore
import Testing

/// Test data for the reports and outbox pages, written straight into the demo community.
enum ReportsFixture {
    /// Three active demo volunteers with a home grid each, in different grids, and the first grid's name.
    static func volunteers(_ pool: ConnectionPool) async throws -> [(volunteer: ID<Volunteer>, grid: ID<Grid>)] {
        try await Store(pool: pool).transaction(.administrator()) { tx in
            try await tx.query(
                """
                SELECT DISTINCT ON (v.home_grid_id) v.id, v.home_grid_id FROM volunteers v
                JOIN communities c ON c.id = v.community_id
                WHERE c.code = 'demo' AND v.is_active AND v.home_grid_id IS NOT NULL
                ORDER BY v.home_grid_id, v.name LIMIT 3
                """
            ).rows.map { (try $0.decode("id"), try $0.decode("home_grid_id")) }
        }
    }

    /// Books `minutes` for a volunteer at noon of `day` (Asia/Shanghai).
    static func hours(_ pool: ConnectionPool, _ volunteer: ID<Volunteer>, _ day: String, _ minutes: Int) async throws {
        let demo = try await APITest.demoID(pool)
        try await Store(pool: pool).transaction(.administrator()) { tx in
            try await tx.execute(
                """
                INSERT INTO service_hours (community_id, volunteer_id, service_kind, served_at, minutes, reason)
                VALUES (\(demo), \(volunteer), 'duty', (\(day)::date + time '12:00') AT TIME ZONE 'Asia/Shanghai', \(minutes),
                        'test')
                """)
        }
    }

    /// A message of the demo community about one of next week's slots; returns its id.
    static func message(
        _ pool: ConnectionPool, key: String, channel: String, state: String, address: String?, error: String? = nil,
        reason: String? = nil, body: String = "提醒：明天 09:00 上门陪聊", createdAt: String? = nil
    ) async throws -> (id: Int64, slot: ID<Slot>) {
        let demo = try await APITest.demoID(pool)
        return try await Store(pool: pool).transaction(.administrator()) { tx in
            let row = try #require(
                try await tx.query(
                    """
                    SELECT a.volunteer_id, a.slot_id FROM assignments a JOIN slots s ON s.id = a.slot_id
                    WHERE a.community_id = \(demo) AND s.starts_at > now() ORDER BY s.starts_at, a.id LIMIT 1
                    """
                ).rows.first)
            let volunteer: ID<Volunteer> = try row.decode("volunteer_id")
            let slot: ID<Slot> = try row.decode("slot_id")
            let id: Int64 = try #require(
                try await tx.query(
                    """
                    INSERT INTO messages (community_id, idempotency_key, kind, audience, volunteer_id, slot_id, slot_version,
                                          channel, address, body, state, state_reason, attempts, last_error, sent_at,
                                          created_at)
                    VALUES (\(demo), \(key), 'reminder', 'volunteer', \(volunteer), \(slot), 1, \(channel)::message_channel,
                            \(address), \(body), \(state)::message_state, \(reason), \(error == nil ? 0 : 3), \(error),
                            CASE WHEN \(state) = 'sent' THEN now() END,
                            coalesce(\(createdAt)::timestamptz, now()))
                    RETURNING id
                    """
                ).rows.first?.decode("id"))
            return (id, slot)
        }
    }
}

@Suite("The reports page: hours and participation per month, grid, team and volunteer, with SVG charts")
struct ReportsPagesTests {
    @Test("a month's hours: a bar per grid (names escaped), the same figures in tables, downloads, English")
    func rendersMonth() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let people = try await ReportsFixture.volunteers(pool)
            try #require(people.count == 3)
            try await ReportsFixture.hours(pool, people[0].volunteer, "2026-09-03", 90)
            try await ReportsFixture.hours(pool, people[1].volunteer, "2026-09-10", 120)
            try await ReportsFixture.hours(pool, people[2].volunteer, "2026-09-30", 45)
            try await ReportsFixture.hours(pool, people[2].volunteer, "2026-07-15", 60)
            // A grid whose name would be markup if it were not escaped.
            try await Store(pool: pool).transaction(.administrator()) { tx in
                try await tx.execute("UPDATE grids SET name = '<i>网格&\"一\"</i>' WHERE id = \(people[0].grid)")
            }
            try await client.execute(uri: "/app/reports?community=demo&month=2026-09", method: .get, headers: user.cookie) {
                response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("统计报表") && html.contains("2026-09-01 至 2026-09-30"))
                #expect(!html.contains("<script") && !html.contains("style=\""))
                // The month chart: six months up to September, one bar each.
                let months = try #require(Self.svg(html, id: "chart-months"))
                #expect(months.contains(#"role="img""#) && months.contains(#"data-bars="6""#))
                #expect(months.contains("<title id=\"chart-months-title\">各月服务时长</title>"))
                #expect(months.contains("<desc id=\"chart-months-desc\">"))
                #expect(months.components(separatedBy: "<rect class=\"bar\"").count - 1 == 6)
                #expect(months.contains(">2026-07</text>") && months.contains(">4.3 小时</text>"))
                // The grid chart: a bar per grid row of the table, the name escaped.
                let grids = try #require(Self.svg(html, id: "chart-grid"))
                #expect(grids.components(separatedBy: "<rect class=\"bar\"").count - 1 == 3)
                #expect(grids.contains("&lt;i&gt;网格&amp;&quot;一&quot;&lt;/i&gt;"))
                #expect(!html.contains("<i>网格"))
                let gridTable = try #require(html.components(separatedBy: #"<table class="by-grid">"#).last)
                    .components(separatedBy: "</table>")[0]
                #expect(gridTable.components(separatedBy: #"<tr><th scope="row">"#).count - 1 == 3)
                // The table has the numbers too: 90 + 120 + 45 minutes.
                #expect(html.contains("<td class=\"num\">1.5</td>") && html.contains("<td class=\"num\">2.0</td>"))
                #expect(html.contains("<td class=\"num\">0.8</td>"))
                // Participation: everyone first.
                #expect(html.contains("全部志愿者"))
                // The hours API's downloads for the same period.
                #expect(
                    html.contains(
                        "/api/v1/communities/demo/exports/hours?from=2026-09-01&amp;to=2026-09-30&amp;by=grid&amp;format=csv"))
                #expect(html.contains("<label for=\"month\">") && html.contains(#"value="2026-09""#))
                #expect(html.contains(#"href="/app/reports?community=demo&amp;month=2026-08&amp;lang=zh-CN""#))
            }
            try await client.execute(
                uri: "/app/reports?community=demo&month=2026-09&lang=en", method: .get, headers: user.cookie
            ) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"<html lang="en">"#) && html.contains("Service hours per month"))
                #expect(html.contains("All volunteers") && html.contains("1.5 h"))
            }
            // The download link answers with the page's cookie.
            try await client.execute(
                uri: "/api/v1/communities/demo/exports/hours?from=2026-09-01&to=2026-09-30&by=grid&format=csv", method: .get,
                headers: user.cookie
            ) { response async throws in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("网格"))
            }
        }
    }

    @Test("unfilled work and home visits per resident: the report's rows as tables, with their downloads")
    func unfilledAndVisits() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let demo = try await APITest.demoID(pool)
            let week = LocalDate(Date(), in: .shanghai).weekStart
            let (from, through) = (week, week.adding(days: 13))
            let (unfilled, visits) = try await Store(pool: pool).transaction(.community(demo)) { tx in
                (
                    try await ServiceReports().unfilledWork(from: from, through: through, on: tx),
                    try await ServiceReports().visitsPerResident(from: from, through: through, on: tx)
                )
            }
            try #require(!unfilled.isEmpty && !visits.isEmpty, "the demo has slots and visits this week and next")
            try await client.execute(
                uri: "/app/reports?community=demo&from=\(from)&to=\(through)", method: .get, headers: user.cookie
            ) { response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                func rows(_ table: String) -> Int {
                    guard let start = html.range(of: #"<table class="\#(table)">"#),
                        let end = html.range(of: "</table>", range: start.upperBound..<html.endIndex)
                    else { return -1 }
                    return html[start.upperBound..<end.lowerBound].components(separatedBy: "<tr>").count - 2
                }
                #expect(rows("unfilled-work") == unfilled.count)
                #expect(rows("visits") == min(visits.count, 100))
                let short = unfilled.filter { $0.missing > 0 }
                #expect(html.components(separatedBy: "⚠ ").count - 1 >= short.count)
                #expect(html.contains(visits[0].name) && html.contains(unfilled[0].serviceNameZh))
                #expect(html.contains("/exports/visits?from=\(from)&amp;to=\(through)&amp;format=csv"))
                #expect(html.contains("/exports/unfilled?from=\(from)&amp;to=\(through)&amp;format=csv"))
            }
        }
    }

    @Test("a range of days, a kind, and errors next to the fields; a month without hours says so")
    func filters() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let people = try await ReportsFixture.volunteers(pool)
            try await ReportsFixture.hours(pool, people[0].volunteer, "2026-08-03", 60)
            try await ReportsFixture.hours(pool, people[1].volunteer, "2026-08-20", 60)
            try await client.execute(
                uri: "/app/reports?community=demo&from=2026-08-01&to=2026-08-10", method: .get, headers: user.cookie
            ) { response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("2026-08-01 至 2026-08-10"))
                let grids = try #require(Self.svg(html, id: "chart-grid"))
                #expect(grids.contains(#"data-bars="1""#))
                #expect(html.contains(#"value="2026-08-01""#) && html.contains(#"value="2026-08-10""#))
            }
            try await client.execute(
                uri: "/app/reports?community=demo&month=2026-08&kind=patrol", method: .get, headers: user.cookie
            ) { response async throws in
                let html = String(buffer: response.body)
                #expect(Self.svg(html, id: "chart-grid") == nil)
                #expect(html.contains("这段时间没有服务时长记录"))
                #expect(html.contains(#"<option value="patrol" selected>"#))
            }
            try await client.execute(uri: "/app/reports?community=demo&month=2026-13", method: .get, headers: user.cookie) {
                response async throws in
                #expect(response.status == .badRequest)
                let html = String(buffer: response.body)
                #expect(html.contains(#"id="month-error""#) && html.contains(#"aria-invalid="true""#))
            }
            try await client.execute(
                uri: "/app/reports?community=demo&from=2026-08-10&to=2026-08-01", method: .get, headers: user.cookie
            ) { response async throws in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("结束日期不能早于开始日期"))
            }
        }
    }

    @Test("desk staff and patrol leaders are refused; signed out goes to sign-in; the start page links for coordinators")
    func roles() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            for role in [Role.deskStaff, .patrolLeader] {
                let user = try await PageUser.signIn(client, pool, role: role)
                for path in ["/app/reports?community=demo", "/app/messages?community=demo"] {
                    try await client.execute(uri: path, method: .get, headers: user.cookie) { response async throws in
                        #expect(response.status == .forbidden, "\(role) \(path)")
                    }
                }
                try await client.execute(uri: "/app", method: .get, headers: user.cookie) { response async throws in
                    #expect(!String(buffer: response.body).contains("/app/reports"))
                }
            }
            try await client.execute(uri: "/app/reports", method: .get) { response async throws in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/signin?lang=zh-CN")
            }
            let coordinator = try await PageUser.signIn(client, pool)
            try await client.execute(uri: "/app", method: .get, headers: coordinator.cookie) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains(#"id="link-reports-demo""#) && html.contains(#"id="link-messages-demo""#))
                #expect(!html.contains("消息发件箱和统计报表的页面正在建设中"))
            }
        }
    }

    @Test("the SVG builder escapes every text, draws a bar per value and nothing for no values")
    func chart() {
        let chart = SVGBarChart(
            id: "t x", title: "A<B", summary: "\"quoted\" & 'single'",
            bars: [
                .init(label: "<script>alert(1)</script>", value: 3, valueText: "3 h"),
                .init(label: "b", value: 0, valueText: "0"),
            ])
        let svg = chart.svg() ?? ""
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;"))
        #expect(svg.contains("A&lt;B") && svg.contains("&quot;quoted&quot; &amp; &#39;single&#39;"))
        #expect(svg.contains(#"id="chart-t-x""#) && svg.contains(#"aria-labelledby="chart-t-x-title chart-t-x-desc""#))
        #expect(svg.components(separatedBy: "<rect class=\"bar\"").count - 1 == 2)
        #expect(svg.contains(#"width="0" height="22""#))
        #expect(SVGBarChart(id: "e", title: "", summary: "", bars: []).svg() == nil)
    }

    @Test("every reports and outbox string is in Chinese and English, and every {{r.key}} of the templates exists")
    func strings() throws {
        for (key, pair) in WebStrings.reports { #expect(!pair.zh.isEmpty && !pair.en.isEmpty, "\(key)") }
        let folder = TestDatabase.repositoryRoot.appendingPathComponent("Sources/LinliWeb/Templates")
        for name in ["reports-page", "messages-page", "reports-nav"] {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            let keys = text.components(separatedBy: "{{r.").dropFirst().map { String($0.prefix { $0 != "}" }) }
            #expect(!keys.isEmpty, "\(name)")
            for key in keys { #expect(WebStrings.reports[key] != nil, "\(name): r.\(key)") }
        }
        #expect(MessageWords.error("sms delivery failed, transient (HTTP 503): busy", .en)?.contains("(HTTP 503)") == true)
        #expect(MessageWords.reason("daily cap of 6 reached", .zhCN) == "已达到每日提醒上限。")
        #expect(MessageWords.error("something odd", .en) == "something odd")
    }

    /// The `<svg …>…</svg>` with `id`, if the page has it.
    static func svg(_ html: String, id: String) -> String? {
        guard let start = html.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(id)\"") else {
            return nil
        }
        guard let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }
}

@Suite("The outbox page: messages by status and day, errors in words, retry, passed on by phone")
struct MessagesPagesTests {
    @Test("failed, waiting and outbox messages with masked addresses and errors in words; filters by status and day")
    func lists() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let failed = try await ReportsFixture.message(
                pool, key: "t-failed", channel: "sms", state: "failed", address: "13800138000",
                error: "sms delivery failed, permanent (HTTP 400): invalid number")
            let waiting = try await ReportsFixture.message(
                pool, key: "t-waiting", channel: "sms", state: "pending", address: "13900139000",
                error: "sms delivery failed, transient (HTTP 503): busy")
            let outbox = try await ReportsFixture.message(
                pool, key: "t-outbox", channel: "outbox", state: "sent", address: nil, body: "请转告：<周一>巡逻")
            let old = try await ReportsFixture.message(
                pool, key: "t-old", channel: "sms", state: "sent", address: "13700137000", createdAt: "2026-10-01T10:00:00+08:00")
            try await client.execute(uri: "/app/messages?community=demo", method: .get, headers: user.cookie) {
                response async throws in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("消息发件箱") && !html.contains("<script"))
                for id in [failed.id, waiting.id, outbox.id, old.id] { #expect(html.contains("id=\"message-\(id)\"")) }
                #expect(html.contains("138****8000") && !html.contains("13800138000"))
                #expect(html.contains("网关拒收了这条消息") && html.contains("暂时无法送达"))
                #expect(html.contains("请转告：&lt;周一&gt;巡逻"))
                #expect(
                    html.contains("/app/messages/\(failed.id)/retry?") && html.contains("/app/messages/\(outbox.id)/passed-on?"))
                #expect(!html.contains("/app/messages/\(old.id)/retry?"))
                #expect(html.contains(#"<label for="status">"#) && html.contains(#"<label for="from">"#))
            }
            try await client.execute(uri: "/app/messages?community=demo&status=failed", method: .get, headers: user.cookie) {
                response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains("id=\"message-\(failed.id)\"") && !html.contains("id=\"message-\(waiting.id)\""))
                #expect(html.contains(#"<option value="failed" selected>"#))
            }
            try await client.execute(uri: "/app/messages?community=demo&status=to_phone", method: .get, headers: user.cookie) {
                response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains("id=\"message-\(outbox.id)\"") && !html.contains("id=\"message-\(failed.id)\""))
                #expect(html.contains("待电话转达"))
            }
            try await client.execute(
                uri: "/app/messages?community=demo&from=2026-10-01&to=2026-10-01", method: .get, headers: user.cookie
            ) { response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains("id=\"message-\(old.id)\"") && !html.contains("id=\"message-\(failed.id)\""))
            }
            try await client.execute(uri: "/app/messages?community=demo&from=yesterday", method: .get, headers: user.cookie) {
                response async throws in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#"id="from-error""#))
            }
            try await client.execute(uri: "/app/messages?community=demo&lang=en", method: .get, headers: user.cookie) {
                response async throws in
                let html = String(buffer: response.body)
                #expect(html.contains("Outbox") && html.contains("The gateway refused the message"))
            }
        }
    }

    @Test("retry puts a failed message and its job back in the queue; CSRF is required; without a job it says so")
    func retry() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let demo = try await APITest.demoID(pool)
            let failed = try await ReportsFixture.message(
                pool, key: ReminderSender.messageKey("test-job-key"), channel: "sms", state: "failed", address: "13800138000",
                error: "sms delivery failed, permanent (HTTP 400): invalid number")
            let job = try #require(
                try await JobQueue(store: Store(pool: pool)).enqueue(
                    NewJob(
                        kind: ReminderPlanner.jobKind, payload: ["slot": failed.slot.description.uppercased()],
                        uniqueKey: "test-job-key", communityID: demo)))
            try await Store(pool: pool).transaction(.administrator()) { tx in
                try await tx.execute(
                    "UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = now() WHERE id = \(job)")
            }
            let path = "/app/messages/\(failed.id)/retry?community=demo&lang=zh-CN"
            // Without the CSRF token: refused, nothing changes.
            let forged = try await client.executeRequest(
                uri: path, method: .post, headers: user.form, body: PagesTests.formBody([("back", "status=failed")]))
            #expect(forged.status == .forbidden)
            let response = try await user.post(client, path, [("back", "status=failed")])
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.contains("status=failed") && location.contains("notice=retried"))
            let (state, jobState, attempts) = try await Store(pool: pool).transaction(.administrator()) { tx in
                let m = try #require(
                    try await tx.query("SELECT state::text AS s FROM messages WHERE id = \(failed.id)").rows.first)
                let j = try #require(
                    try await tx.query("SELECT state::text AS s, attempts FROM jobs WHERE id = \(job)").rows.first)
                return (
                    try m.decode("s", as: String.self), try j.decode("s", as: String.self), try j.decode("attempts", as: Int.self)
                )
            }
            #expect(state == "pending" && jobState == "pending" && attempts == 0)
            try await client.execute(uri: location, method: .get, headers: user.cookie) { response async throws in
                #expect(String(buffer: response.body).contains("已安排重新发送"))
            }
            // A failed message whose job was purged cannot be retried; the page says why.
            let orphan = try await ReportsFixture.message(
                pool, key: "t-orphan", channel: "sms", state: "failed", address: "13800138000", error: "permanent")
            let second = try await user.post(client, "/app/messages/\(orphan.id)/retry?community=demo", [])
            #expect(second.headers[.location]?.contains("notice=noJob") == true)
            // Desk staff may not retry.
            let desk = try await PageUser.signIn(client, pool, role: .deskStaff)
            let refused = try await desk.post(client, path, [])
            #expect(refused.status == .forbidden)
        }
    }

    @Test("an outbox message is marked as passed on by phone once, and leaves the list to phone")
    func passedOn() async throws {
        try await APITest.withAPI { signedIn, pool in
            let client = try #require(signedIn as? SignedInClient).base
            let user = try await PageUser.signIn(client, pool)
            let outbox = try await ReportsFixture.message(pool, key: "t-outbox", channel: "outbox", state: "sent", address: nil)
            let path = "/app/messages/\(outbox.id)/passed-on?community=demo"
            let first = try await user.post(client, path, [("back", "status=to_phone")])
            #expect(first.status == .seeOther)
            #expect(first.headers[.location]?.contains("notice=passedOn") == true)
            let again = try await user.post(client, path, [])
            #expect(again.headers[.location]?.contains("notice=notToPhone") == true)
            try await client.execute(uri: "/app/messages?community=demo&status=to_phone", method: .get, headers: user.cookie) {
                response async throws in
                #expect(!String(buffer: response.body).contains("id=\"message-\(outbox.id)\""))
            }
            try await client.execute(uri: "/app/messages?community=demo", method: .get, headers: user.cookie) {
                response async throws in
                #expect(String(buffer: response.body).contains("已电话转达"))
            }
        }
    }
}
