import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import LinliStorage
import LinliTestSupport
import Testing

@Suite("linli roster, run as a program")
struct RosterCommandTests {
    /// A database with the demo community; `body` gets the program, its `--community demo --week …`
    /// arguments for the demo's next week, and that week.
    func withDemoWeek(_ body: (ConnectionPool, Linli, [String], String) async throws -> Void) async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let week = LocalDate(Date(), in: .shanghai).weekStart.adding(days: 7).isoWeekName
            try await body(
                pool, Linli(databaseURL: configuration.connectionString), ["--community", "demo", "--week", week], week)
        }
    }

    @Test("roster solve, list, diff, explain and publish on the demo's next week: exit codes and output")
    func solveListDiff() async throws {
        try await withDemoWeek { pool, linli, target, week in

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

    @Test("roster problem writes the week as a solve sees it, and linli solve solves it offline")
    func problemForOfflineSolve() async throws {
        try await withDemoWeek { pool, linli, target, week in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-problem-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("week.json").path

            let written = try linli.run(["roster", "problem"] + target + ["-o", file])
            #expect(written.status == 0, "\(written.errors)")
            let problem = try SchedulingProblem.decode(json: try Data(contentsOf: URL(fileURLWithPath: file)))
            let monday = try #require(LocalDate(isoWeek: week))
            let from = monday.startOfDay(in: .shanghai), to = monday.adding(days: 7).startOfDay(in: .shanghai)
            let stored = try await pool.query(
                """
                SELECT count(*) AS n FROM slots s JOIN communities c ON c.id = s.community_id
                WHERE c.code = 'demo' AND s.status = 'open' AND s.starts_at >= \(from) AND s.starts_at < \(to)
                """
            ).rows[0].decode("n", as: Int.self)
            let active = try await pool.query(
                "SELECT count(*) AS n FROM volunteers v JOIN communities c ON c.id = v.community_id WHERE c.code = 'demo' AND v.is_active"
            ).rows[0].decode("n", as: Int.self)
            #expect(problem.slots.count == stored && stored > 0)
            #expect(problem.people.count == active && active > 0)
            #expect(problem.startDate == monday.description)

            // English names on request; standard output without -o.
            let english = try linli.run(["roster", "problem"] + target + ["--lang", "en", "--pins", "none"])
            #expect(english.status == 0, "\(english.errors)")
            let en = try SchedulingProblem.decode(json: Data(english.output.utf8))
            #expect(en.kinds.map(\.name) != problem.kinds.map(\.name))
            #expect(en.pinned.isEmpty)

            let solved = try linli.run([
                "solve", file, "--iterations", "20000", "-o", folder.appendingPathComponent("s.json").path,
            ])
            #expect(solved.status == 0, "\(solved.errors)")
            #expect(solved.errors.contains("valid: true"))

            let bad = try linli.run(["roster", "problem"] + target + ["--pins", "latest"])
            #expect(bad.status == 2 && bad.errors.contains("--pins"))
        }
    }
}
