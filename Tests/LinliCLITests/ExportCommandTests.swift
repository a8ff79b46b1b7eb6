import Foundation
import LinliDatabase
import LinliDomain
import LinliExport
import LinliImport
import LinliStorage
import LinliTestSupport
import Testing

/// A temporary folder for exported files, removed afterwards.
func withFolder<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

/// A slot in the demo community's week that no roster version fills.
func addUnfilledSlot(_ pool: ConnectionPool, week: LocalDate) async throws {
    try await pool.execute(
        """
        INSERT INTO slots (community_id, service_type_id, place_id, starts_at, ends_at, headcount_min, headcount_max, note)
        SELECT community_id, service_type_id, place_id, starts_at + interval '15 minutes', ends_at + interval '15 minutes',
               headcount_min, headcount_max, 'added by a test'
        FROM slots
        WHERE starts_at >= \(week)::date::timestamp AT TIME ZONE 'Asia/Shanghai'
          AND starts_at < (\(week)::date + 7)::timestamp AT TIME ZONE 'Asia/Shanghai'
        ORDER BY starts_at LIMIT 1
        """)
}

@Suite("linli export")
struct ExportCommandTests {
    /// This week in Asia/Shanghai, as the demo data's published roster has it.
    static var thisWeek: String { ReportPeriod.week(containing: LocalDate(Date(), in: .shanghai)).description }

    @Test("the demo community's roster in every format")
    func roster() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let linli = Linli(databaseURL: configuration.connectionString)
            let week = ReportPeriod.week(containing: LocalDate(Date(), in: .shanghai))
            try await addUnfilledSlot(pool, week: week.from)
            let counts = try await pool.query(
                """
                SELECT count(*) AS lines, count(a.id) AS assigned
                FROM slots s JOIN communities c ON c.id = s.community_id AND c.code = 'demo'
                LEFT JOIN rosters r ON r.community_id = c.id AND r.week_start = \(week.from) AND r.state = 'published'
                LEFT JOIN assignments a ON a.slot_id = s.id AND a.roster_id = r.id
                WHERE s.starts_at >= \(week.from)::date::timestamp AT TIME ZONE 'Asia/Shanghai'
                  AND s.starts_at < (\(week.from)::date + 7)::timestamp AT TIME ZONE 'Asia/Shanghai'
                """
            ).rows[0]
            let lines: Int = try counts.decode("lines")
            let assigned: Int = try counts.decode("assigned")
            #expect(assigned > 0 && lines > assigned)

            let csv = try linli.run(["export", "roster", "--community", "demo", "--week", Self.thisWeek])
            #expect(csv.status == 0, "\(csv.errors)")
            #expect(csv.output.hasPrefix("\u{FEFF}日期 (Date),星期 (Weekday),开始 (Start)"))
            #expect(csv.output.components(separatedBy: "\r\n").count == lines + 2, "header, lines, final CRLF")
            #expect(csv.output.contains("空缺 unfilled"))

            try await withFolder { folder in
                let xlsx = folder.appendingPathComponent("排班.xlsx")
                let written = try linli.run(["export", "roster", "--community", "demo", "-o", xlsx.path])
                #expect(written.status == 0, "\(written.errors)")
                #expect(written.output.contains("已写出 \(lines) 行 lines"))
                let table = try TabularFile.read(try Data(contentsOf: xlsx), fileName: "排班.xlsx")
                #expect(table.rows.count == lines)
                if !PythonValidator.isSkipped {
                    let book = try PythonValidator.openpyxl(xlsx)
                    let sheet = try #require((book["sheets"] as? [[String: Any]])?.first)
                    #expect(sheet["title"] as? String == "排班 Roster")
                    let rows = try #require(sheet["rows"] as? [[[Any]]])
                    #expect(rows.count == lines + 1)
                    #expect(rows[1][2][0] as? String == "datetime", "start is a real date-time")
                }

                let ics = folder.appendingPathComponent("roster.ics")
                let calendar = try linli.run(["export", "roster", "--community", "demo", "--format", "ics", "-o", ics.path])
                #expect(calendar.status == 0, "\(calendar.errors)")
                #expect(calendar.output.contains("已写出 \(assigned) 个日历事件"))
                if !PythonValidator.isSkipped {
                    let feed = try PythonValidator.icalendar(ics)
                    let events = try #require(feed["events"] as? [[String: Any]])
                    #expect(events.count == assigned)
                    #expect(Set(events.compactMap { $0["uid"] as? String }).count == assigned, "one UID per assignment")
                    #expect(events.allSatisfy { $0["tzid"] as? String == "Asia/Shanghai" })
                }
                // Exporting again gives the same UIDs: calendars update instead of duplicating.
                let again = try linli.run(["export", "roster", "--community", "demo", "--format", "ics"])
                let uids = { (text: String) in text.components(separatedBy: "\r\n").filter { $0.hasPrefix("UID:") } }
                #expect(uids(again.output) == uids(try String(contentsOf: ics, encoding: .utf8)))
            }

            let json = try linli.run(["export", "roster", "--community", "demo", "--format", "json"])
            #expect(json.status == 0, "\(json.errors)")
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
            #expect(objects.count == lines)
            #expect(objects.first?["roster_version"] as? Int == 1)
        }
    }

    @Test("hours and volunteers exports; usage errors exit 2")
    func hoursAndVolunteers() async throws {
        try await TestDatabase.withDatabase { pool, configuration in
            try await DemoData.load(pool: pool, migrationsDirectory: TestDatabase.migrationsDirectory)
            let linli = Linli(databaseURL: configuration.connectionString)
            let hours = try linli.run([
                "export", "hours", "--community", "demo", "--from", "2000-01-01", "--to", "2100-12-31", "--by", "team",
            ])
            #expect(hours.status == 0, "\(hours.errors)")
            #expect(hours.output.contains("巡逻队 (Patrol team)"))
            try await withFolder { folder in
                let book = folder.appendingPathComponent("hours.xlsx")
                let all = try linli.run([
                    "export", "hours", "--community", "demo", "--from", "2000-01-01", "--to", "2100-12-31", "--by", "all",
                    "-o", book.path,
                ])
                #expect(all.status == 0, "\(all.errors)")
                if !PythonValidator.isSkipped {
                    let sheets = try #require(try PythonValidator.openpyxl(book)["sheets"] as? [[String: Any]])
                    #expect(sheets.count == 3)
                    let total: Int = try await pool.query("SELECT sum(minutes)::bigint AS m FROM service_hours").rows[0]
                        .decode("m")
                    let volunteerRows = try #require(sheets[0]["rows"] as? [[[Any]]])
                    let minutes = volunteerRows.dropFirst().compactMap { $0[7][1] as? Int }.reduce(0, +)
                    #expect(minutes == total, "the minutes column adds up to the ledger")
                }
                let list = folder.appendingPathComponent("volunteers.csv")
                let volunteers = try linli.run(["export", "volunteers", "--community", "demo", "-o", list.path])
                #expect(volunteers.status == 0, "\(volunteers.errors)")
                let table = try TabularFile.read(try Data(contentsOf: list), fileName: "volunteers.csv")
                #expect(table.rows.count == 48)
                #expect(table.header.contains("手机号 (Phone)"))
                // The list goes back in through the importer unchanged.
                let reimport = try linli.run(["import", "volunteers", list.path, "--community", "demo", "--dry-run"])
                #expect(reimport.status == 0, "\(reimport.output)\(reimport.errors)")
            }
            let noFile = try linli.run(["export", "roster", "--community", "demo", "--format", "xlsx"])
            #expect(noFile.status == 2 && noFile.errors.contains("-o"))
            let icsHours = try linli.run(["export", "hours", "--community", "demo", "--format", "ics"])
            #expect(icsHours.status == 2)
            let allCSV = try linli.run(["export", "hours", "--community", "demo", "--by", "all"])
            #expect(allCSV.status == 2)
            let badWeek = try linli.run(["export", "roster", "--community", "demo", "--week", "2026-W60"])
            #expect(badWeek.status == 2 && badWeek.errors.contains("--week"))
            let twoPeriods = try linli.run(["export", "hours", "--community", "demo", "--week", "2026-W48", "--month", "2026-11"])
            #expect(twoPeriods.status == 2)
            let unknown = try linli.run(["export", "volunteers", "--community", "nowhere"])
            #expect(unknown.status == 2 && unknown.errors.contains("nowhere"))
            let noVersion = try linli.run(["export", "roster", "--community", "demo", "--version", "42"])
            #expect(noVersion.status == 1 && noVersion.errors.contains("no roster version 42"))
        }
    }

    @Test("completion scripts come from the argument parser")
    func completion() throws {
        let linli = Linli(databaseURL: "")
        let bash = try linli.run(["completion", "bash"])
        #expect(bash.status == 0 && bash.output.contains("export") && bash.output.contains("restore"))
        let zsh = try linli.run(["completion", "zsh"])
        #expect(zsh.status == 0 && zsh.output.contains("#compdef linli"))
        let fish = try linli.run(["completion", "fish"])
        #expect(fish.status == 0 && fish.output.contains("complete -c 'linli'"))
        #expect(try linli.run(["completion", "tcsh"]).status == 2)
    }
}
