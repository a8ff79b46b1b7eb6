import Foundation
import LinliDatabase
import LinliStorage
import LinliTestSupport
import Testing

/// Runs the built `linli` program as an administrator would, against a test database.
struct Linli {
    let databaseURL: String

    struct Outcome {
        let status: Int32
        let output: String
        let errors: String
    }

    static var executable: URL {
        TestDatabase.repositoryRoot.appendingPathComponent(".build/debug/linli")
    }

    /// Runs `linli arguments`; `input` is its standard input (none: /dev/null).
    func run(_ arguments: [String], input: String? = nil, extraEnvironment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = databaseURL
        environment["NO_COLOR"] = "1"
        environment["LINLI_MIGRATIONS_DIR"] = TestDatabase.migrationsDirectory.path
        for (key, value) in extraEnvironment { environment[key] = value }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            // A program that exits before reading its input must not take the tests down with SIGPIPE.
            signal(SIGPIPE, SIG_IGN)
            try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
            errors: String(decoding: errors, as: UTF8.self))
    }
}

@Suite("The linli command line, run as a program")
struct CommandTests {
    @Test("migrate applies, reports status, and is a no-op the second time")
    func migrate() async throws {
        try await TestDatabase.withEmptyDatabase { configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let first = try linli.run(["migrate"])
            #expect(first.status == 0, "\(first.errors)")
            #expect(first.output.contains("applied 0001_core.sql"))
            let again = try linli.run(["migrate"])
            #expect(again.status == 0 && again.output.contains("up to date"))
            let status = try linli.run(["migrate", "--status", "--json"])
            #expect(status.status == 0 && status.output.contains("\"state\" : \"applied\""))
        }
    }

    @Test("community create and list, with a clear error for a bad code")
    func community() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let created = try linli.run([
                "community", "create", "--code", "xingfuli", "--name", "幸福里社区", "--sub-district", "和平街道",
            ])
            #expect(created.status == 0, "\(created.errors)")
            let list = try linli.run(["community", "list"])
            #expect(list.output.contains("xingfuli\t幸福里社区"))
            let bad = try linli.run(["community", "create", "--code", "Bad Code", "--name", "x"])
            #expect(bad.status == 2)
            #expect(bad.errors.contains("--code must be"))
            let duplicate = try linli.run(["community", "create", "--code", "xingfuli", "--name", "again"])
            #expect(duplicate.status == 1 && duplicate.errors.contains("error:"))
        }
    }

    @Test("community messaging shows and changes quiet hours and the daily cap")
    func communityMessaging() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            #expect(try linli.run(["community", "create", "--code", "xingfuli", "--name", "幸福里社区"]).status == 0)
            let shown = try linli.run(["community", "messaging", "xingfuli"])
            #expect(shown.status == 0, "\(shown.errors)")
            #expect(shown.output.contains("quiet hours 21:00–07:30, at most 6 reminders"))
            let changed = try linli.run([
                "community", "messaging", "xingfuli", "--quiet-hours", "22:15-06:45", "--daily-cap", "3",
            ])
            #expect(changed.status == 0, "\(changed.errors)")
            let after = try linli.run(["community", "messaging", "xingfuli", "--json"])
            #expect(after.output.contains("\"quietStartMinute\" : 1335"))
            #expect(after.output.contains("\"dailyMessageCap\" : 3"))
            let bad = try linli.run(["community", "messaging", "xingfuli", "--quiet-hours", "25:00-07:00"])
            #expect(bad.status == 2)
            #expect(bad.errors.contains("--quiet-hours must be two times HH:MM-HH:MM"))
            let badCap = try linli.run(["community", "messaging", "xingfuli", "--daily-cap", "0"])
            #expect(badCap.status == 2 && badCap.errors.contains("--daily-cap must be between 1 and 100"))
            let kept = try linli.run(["community", "messaging", "xingfuli"])
            #expect(kept.output.contains("quiet hours 22:15–06:45, at most 3 reminders"))
        }
    }

    @Test("doctor passes on a healthy installation and names what is wrong otherwise")
    func doctor() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let noWorker = try linli.run(["doctor"])
            #expect(noWorker.status == 1)
            #expect(noWorker.output.contains("✗ no worker has ever reported — start linli-worker"))
            #expect(noWorker.output.contains("✓ migrations current"))
            #expect(noWorker.output.contains("✓ row-level security in force"))
            try await pool.execute(
                """
                INSERT INTO worker_heartbeats (instance_name, host, pid, version, started_at, last_seen_at)
                VALUES ('test', 'host', 1, '0', now(), now())
                """)
            let healthy = try linli.run(["doctor"])
            #expect(healthy.status == 0, "\(healthy.output)")
            #expect(!healthy.output.contains("✗"))
        }
        let down = try Linli(databaseURL: "postgresql://linli@127.0.0.1:1/linli?connect_timeout=2").run(["doctor"])
        #expect(down.status == 1)
        #expect(down.output.contains("✗ database unreachable"))
        #expect(down.output.contains("deploy/local-postgres.sh start"))
    }

    @Test("jobs stats and a dead job retried from the command line")
    func jobs() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            let linli = Linli(databaseURL: configuration.connectionString)
            let id: Int = try await pool.query(
                """
                INSERT INTO jobs (kind, state, attempts, max_attempts, last_error, finished_at)
                VALUES ('reminder.send', 'dead', 8, 8, 'gateway 500', now()) RETURNING id
                """
            ).rows[0].decode("id")
            let stats = try linli.run(["jobs", "stats"])
            #expect(stats.output.contains("dead\t1"))
            let list = try linli.run(["jobs", "list", "--state", "dead"])
            #expect(list.output.contains("gateway 500"))
            let retried = try linli.run(["jobs", "retry", String(id)])
            #expect(retried.status == 0)
            let twice = try linli.run(["jobs", "retry", String(id)])
            #expect(twice.status != 0 && twice.errors.contains("is not dead"))
            let discard = try linli.run(["jobs", "discard", String(id)])
            #expect(discard.status != 0 && discard.errors.contains("--yes"), "no terminal: confirmation needs --yes")
            #expect(try linli.run(["jobs", "discard", String(id), "--yes"]).status == 0)
        }
    }

    @Test("import reports bad rows with exit status 1 and writes nothing; a good file imports")
    func importCommand() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let linli = Linli(databaseURL: configuration.connectionString)
            let fixtures = TestDatabase.repositoryRoot.appendingPathComponent("Tests/LinliImportTests/Fixtures")
            let bad = try linli.run([
                "import", "volunteers", fixtures.appendingPathComponent("volunteers_bad.csv").path, "--community", "demo",
            ])
            #expect(bad.status == 1)
            #expect(bad.output.contains("第3行"))
            #expect(bad.output.contains("未导入任何数据"))
            let missing = try linli.run(["import", "volunteers", "/nonexistent.csv", "--community", "demo"])
            #expect(missing.status != 0 && missing.errors.contains("cannot read"))
            let count: Int = try await pool.query("SELECT count(*) AS n FROM volunteers").rows[0].decode("n")
            #expect(count == 48)
        }
    }
}

@Suite("Erasing a resident from the command line")
struct EraseCommandTests {
    @Test("erase resident removes personal data, keeps statistics, and needs --yes without a terminal")
    func eraseResident() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(
                pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory, careNotes: TestDatabase.careNotes)
            let linli = Linli(databaseURL: configuration.connectionString)
            let id: String = try await pool.query(
                "SELECT id::text AS id FROM residents WHERE care_notes_sealed IS NOT NULL ORDER BY external_id LIMIT 1"
            ).rows[0].decode("id")
            let unconfirmed = try linli.run(["erase", "resident", id, "--community", "demo"])
            #expect(unconfirmed.status != 0 && unconfirmed.errors.contains("--yes"))
            let badID = try linli.run(["erase", "resident", "not-a-uuid", "--community", "demo", "--yes"])
            #expect(badID.status == 2)
            let erased = try linli.run(["erase", "resident", id, "--community", "demo", "--yes"])
            #expect(erased.status == 0, "\(erased.errors)")
            let row = try await pool.query(
                """
                SELECT name, phone, address, care_notes, care_notes_sealed IS NULL AS unsealed, erased_at IS NOT NULL AS erased, sex
                FROM residents WHERE id = \(id)::uuid
                """
            ).rows[0]
            #expect(try row.decode("name", as: String.self) == "已删除")
            #expect(try row.decode("phone", as: String?.self) == nil)
            #expect(try row.decode("address", as: String?.self) == nil)
            #expect(try row.decode("care_notes", as: String?.self) == nil)
            #expect(try row.decode("unsealed", as: Bool.self))
            #expect(try row.decode("erased", as: Bool.self))
            let open: Int = try await pool.query(
                "SELECT count(*) AS n FROM bookings WHERE resident_id = \(id)::uuid AND state IN ('requested', 'scheduled')"
            ).rows[0].decode("n")
            #expect(open == 0)
            let openSlots: Int = try await pool.query(
                """
                SELECT count(*) AS n FROM slots s JOIN bookings b ON b.slot_id = s.id
                WHERE b.resident_id = \(id)::uuid AND s.status = 'open' AND s.starts_at > now()
                """
            ).rows[0].decode("n")
            #expect(openSlots == 0, "no future visit to an erased resident stays open")
            let again = try linli.run(["erase", "resident", id, "--community", "demo", "--yes"])
            #expect(again.status == 1 && again.errors.contains("already erased"))
        }
    }
}

@Suite("Scheduler commands")
struct SchedulerCommandTests {
    let linli = Linli(databaseURL: "postgresql://unused@127.0.0.1:1/unused")

    @Test("bench nrp solves Instance1 feasibly and writes one roster line per employee")
    func benchNRP() throws {
        let instance = TestDatabase.repositoryRoot.deletingLastPathComponent().appendingPathComponent(
            "shared/data/nrp/Instance1.txt")
        try #require(FileManager.default.fileExists(atPath: instance.path), "../shared/data/nrp must be beside the checkout")
        let rosterFile = FileManager.default.temporaryDirectory.appendingPathComponent("linli-i1-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: rosterFile) }
        let run = try linli.run(["bench", "nrp", instance.path, "--seconds", "2", "--roster-out", rosterFile.path])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.contains("Instance1: feasible true"))
        let lines = try String(contentsOf: rosterFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines.allSatisfy { $0.split(separator: " ").count == 15 })
    }

    @Test("a generated week exported as JSON solves the same way twice with a fixed seed and move budget")
    func solveIsRepeatable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-solve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let problem = folder.appendingPathComponent("week.json").path
        let generated = try linli.run(["bench", "generate", "--volunteers", "40", "--seconds", "1", "--problem-out", problem])
        #expect(generated.status == 0, "\(generated.errors)")
        let first = try linli.run([
            "solve", problem, "--iterations", "20000", "--seed", "3", "-o", folder.appendingPathComponent("a.json").path,
        ])
        let second = try linli.run([
            "solve", problem, "--iterations", "20000", "--seed", "3", "-o", folder.appendingPathComponent("b.json").path,
        ])
        #expect(first.status == 0 && second.status == 0, "\(first.errors)")
        // Everything but the timing statistics is identical.
        func roster(_ name: String) throws -> String {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            object["stats"] = nil
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        let a = try roster("a.json")
        let b = try roster("b.json")
        #expect(a.contains("assignments") && a == b)
        let broken = folder.appendingPathComponent("broken.json")
        try Data("{\"version\": 1, \"name\": 5}".utf8).write(to: broken)
        let refused = try linli.run(["solve", broken.path])
        #expect(refused.status == 1 && refused.errors.contains("is not a valid problem"))
    }
}
