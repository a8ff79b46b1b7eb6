import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliTestSupport
import Testing

@Suite("linli roster, run as a program")
struct RosterCommandTests {
    @Test("roster solve, list, diff, explain and publish on the demo's next week: exit codes and output")
    func solveListDiff() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let linli = Linli(databaseURL: configuration.connectionString)
            let week = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 7).isoWeekName
            let target = ["--community", "demo", "--week", week]

            let solved = try linli.run(["roster", "solve"] + target + ["--seconds", "2"])
            #expect(solved.status == 0, "\(solved.errors)")
            #expect(solved.output.contains("draft version 2 of \(week)"))
            #expect(solved.output.contains("score 0hard/"))
            #expect(solved.errors.contains("unfilled"), "plain progress lines without a terminal")
            #expect(!solved.errors.contains("\u{1B}["), "no escape sequences without a terminal")

            let list = try linli.run(["roster", "list"] + target)
            #expect(list.status == 0)
            #expect(list.output.contains("v1\tdraft"))
            #expect(list.output.contains("v2\tdraft") && list.output.contains("score 0hard/"))
            let listJSON = try linli.run(["roster", "list", "--json"] + target)
            let versions = try JSONSerialization.jsonObject(with: Data(listJSON.output.utf8)) as? [[String: Any]]
            #expect(versions?.count == 2)

            let diff = try linli.run(["roster", "diff"] + target + ["--from", "1", "--to", "2"])
            #expect(diff.status == 0, "\(diff.errors)")
            #expect(diff.output.contains("v1 → v2:"))
            #expect(diff.output.split(separator: "\n").contains { $0.hasPrefix("+ ") })
            let diffJSON = try linli.run(["roster", "diff", "--json"] + target + ["--from", "1", "--to", "2"])
            #expect(diffJSON.status == 0 && diffJSON.output.contains("\"added\""))

            let explain = try linli.run(["roster", "explain"] + target + ["--version", "1", "--lang", "en"])
            #expect(explain.status == 0, "\(explain.errors)")
            #expect(explain.output.contains("unfilled"))

            let missing = try linli.run(["roster", "diff"] + target + ["--from", "1", "--to", "9"])
            #expect(missing.status == 1 && missing.errors.contains("no roster version 9"))
            let badWeek = try linli.run(["roster", "solve", "--community", "demo", "--week", "2026-W99"])
            #expect(badWeek.status == 2 && badWeek.errors.contains("--week"))
            let badCommunity = try linli.run(["roster", "list", "--community", "nowhere", "--week", week])
            #expect(badCommunity.status == 2 && badCommunity.errors.contains("linli community list"))

            let published = try linli.run(["roster", "publish"] + target + ["--version", "2"])
            #expect(published.status == 0 && published.output.contains("published version 2"))
            #expect(try linli.run(["roster", "list"] + target).output.contains("v2\tpublished"))
            let again = try linli.run(["roster", "publish"] + target + ["--version", "1"])
            #expect(again.status == 1 && again.errors.contains("already published"))

            // --queue: the run and its roster.solve job exist for a worker; nothing is solved here.
            let queued = try linli.run(["roster", "solve"] + target + ["--seconds", "2", "--queue"])
            #expect(queued.status == 0, "\(queued.errors)")
            #expect(queued.output.contains("queued for linli-worker: run "))
            let pending = try await pool.query(
                """
                SELECT count(*) AS n FROM roster_solve_runs r JOIN jobs j ON j.id = r.job_id
                WHERE r.state = 'queued' AND j.state = 'pending' AND j.kind = 'roster.solve'
                """
            ).rows[0].decode("n", as: Int.self)
            #expect(pending == 1)
            let both = try linli.run(["roster", "solve"] + target + ["--queue", "--publish"])
            #expect(both.status == 2 && both.errors.contains("--queue"))

            let help = try linli.run(["roster", "solve", "--help"])
            #expect(help.status == 0 && help.output.contains("linli roster solve --community demo --week 2026-W48"))
        }
    }
}
