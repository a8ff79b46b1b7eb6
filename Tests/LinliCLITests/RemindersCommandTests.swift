import Foundation
import LinliDatabase
import LinliDomain
import LinliTestSupport
import Testing

@Suite("linli reminders, run as a program")
struct RemindersCommandTests {
    @Test("demo load plans reminders; preview, outbox and calls show them; bad input exits 2")
    func reminders() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let loaded = try linli.run(["demo", "load"])
            #expect(loaded.status == 0, "\(loaded.errors)")
            // It plans this week's published roster: as many reminders as it says (none are left to plan on a
            // Sunday evening, when the week's last shift has begun).
            let said = loaded.output.firstMatch(of: /(\d+) reminders planned/).flatMap { Int($0.1) }
            let planned: Int = try await pool.query(
                "SELECT count(*) AS n FROM jobs WHERE kind = 'reminder.send' AND state = 'pending'"
            ).rows[0].decode("n")
            #expect(said == planned, "\(loaded.output)")
            // Publishing next week's draft, all of it still ahead, plans its reminders too.
            let nextWeek = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 7)
            let draft: Int = try await pool.query(
                """
                SELECT max(r.version) AS v FROM rosters r JOIN communities c ON c.id = r.community_id
                WHERE c.code = 'demo' AND r.week_start = \(nextWeek) AND r.state = 'draft'
                """
            ).rows[0].decode("v")
            let published = try linli.run([
                "roster", "publish", "--community", "demo", "--week", nextWeek.isoWeekName, "--version", String(draft),
            ])
            #expect(published.status == 0, "\(published.errors)")
            let pending: Int = try await pool.query(
                "SELECT count(*) AS n FROM jobs WHERE kind = 'reminder.send' AND state = 'pending'"
            ).rows[0].decode("n")
            #expect(pending > planned)
            // Planning again queues nothing new.
            let again = try linli.run(["reminders", "plan", "--community", "demo"])
            #expect(again.status == 0 && again.output.contains("0 reminders planned"), "\(again.output)")

            // The day with the most reminders due.
            let busiest: Date = try await pool.query(
                """
                SELECT date_trunc('day', run_at AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS day
                FROM jobs WHERE kind = 'reminder.send' AND state = 'pending' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
                """
            ).rows[0].decode("day")
            let day = LocalDate(busiest, in: .shanghai).description
            let preview = try linli.run(["reminders", "preview", "--community", "demo", "--date", day])
            #expect(preview.status == 0, "\(preview.errors)")
            #expect(preview.output.contains("【邻里】"))
            let json = try linli.run(["reminders", "preview", "--community", "demo", "--date", day, "--json"])
            let lines = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
            #expect((lines?.count ?? 0) > 0)
            #expect(lines?.allSatisfy { ($0["decision"] as? String) != nil } == true)

            let outbox = try linli.run(["reminders", "outbox", "--community", "demo"])
            #expect(outbox.status == 0 && outbox.output.contains("the outbox is empty"))
            let calls = try linli.run(["reminders", "calls", "--community", "demo", "--date", day])
            #expect(calls.status == 0, "\(calls.errors)")

            let badDate = try linli.run(["reminders", "preview", "--community", "demo", "--date", "tomorrow"])
            #expect(badDate.status == 2 || badDate.status == 1)
            #expect(badDate.errors.contains("YYYY-MM-DD"))
            let badCommunity = try linli.run(["reminders", "outbox", "--community", "nowhere"])
            #expect(badCommunity.status != 0 && badCommunity.errors.contains("linli community list"))
            let badState = try linli.run(["reminders", "outbox", "--community", "demo", "--state", "lost"])
            #expect(badState.status == 2)
        }
    }
}
