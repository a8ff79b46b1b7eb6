import ArgumentParser
import Foundation
import LinliDatabase
import LinliDomain
import LinliExport
import LinliStorage

/// `linli export roster|hours|volunteers`: a community's data as CSV, XLSX, iCalendar or JSON.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the roster, service hours or volunteers as CSV, XLSX, iCalendar or JSON.",
        discussion: """
            CSV is UTF-8 with a byte order mark (Excel and WPS open the Chinese correctly), XLSX opens
            in Excel, WPS and LibreOffice, iCalendar (roster only) is a calendar feed phones subscribe
            to. Rows are read from the database in batches and written as they come, so a long
            period does not need much memory. Without -o the export goes to standard output (not
            for XLSX). Residents' personal data is never exported.
            """,
        subcommands: [Roster.self, Hours.self, Volunteers.self])

    /// What every export takes: the community, the format and where to write.
    struct Target: ParsableArguments {
        @Option(help: "The community's code.") var community: String
        @Option(help: "csv, xlsx, ics or json (default: from the -o file's extension, else csv).")
        var format: String?
        @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
        var output: String?

        var resolvedFormat: String {
            if let format { return format.lowercased() }
            if let output, let ext = output.split(separator: ".").last?.lowercased(),
                ["csv", "xlsx", "ics", "json"].contains(ext), output.contains(".")
            {
                return ext
            }
            return "csv"
        }

        func validate(allowed: [String]) throws {
            let format = resolvedFormat
            guard ["csv", "xlsx", "ics", "json"].contains(format) else {
                throw ValidationError("--format must be csv, xlsx, ics or json")
            }
            guard allowed.contains(format) else {
                throw ValidationError("this export is not available as \(format); use \(allowed.joined(separator: ", "))")
            }
            if format == "xlsx", output == nil {
                throw ValidationError("XLSX is a binary file: give one with -o, e.g. -o roster.xlsx")
            }
        }
    }

    /// The days a report covers.
    struct Period: ParsableArguments {
        @Option(help: "An ISO week such as 2026-W48, or any date in the week (default: this week).") var week: String?
        @Option(help: "A month such as 2026-11.") var month: String?
        @Option(help: "The first day, e.g. 2026-11-01 (with --to).") var from: String?
        @Option(help: "The last day, inclusive (with --from).") var to: String?

        func validate() throws { _ = try resolve(today: LocalDate(Date(), in: .shanghai)) }

        func resolve(today: LocalDate) throws -> ReportPeriod {
            try ExportCommand.period(week: week, month: month, from: from, to: to, today: today)
        }
    }

    /// The period asked for; the week of `today` when nothing is given.
    static func period(
        week: String?, month: String? = nil, from: String? = nil, to: String? = nil, today: LocalDate
    ) throws -> ReportPeriod {
        let given = [week != nil, month != nil, from != nil || to != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give one of --week, --month or --from/--to") }
        if let week {
            if let period = ReportPeriod(isoWeek: week) { return period }
            if let day = LocalDate(iso: week) { return ReportPeriod.week(containing: day) }
            throw ValidationError("--week must be an ISO week such as 2026-W48 or a date such as 2026-11-23")
        }
        if let month {
            guard let period = ReportPeriod(month: month) else {
                throw ValidationError("--month must be a month such as 2026-11")
            }
            return period
        }
        if from != nil || to != nil {
            guard let from, let to else { throw ValidationError("--from and --to go together") }
            guard let first = LocalDate(iso: from), let last = LocalDate(iso: to) else {
                throw ValidationError("--from and --to must be dates such as 2026-11-01")
            }
            guard let period = ReportPeriod(from: first, through: last) else {
                throw ValidationError("--to (\(to)) is before --from (\(from))")
            }
            return period
        }
        return ReportPeriod.week(containing: today)
    }

    struct Roster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A week's roster: every slot with the people on it, and the slots nobody fills.",
            discussion: """
                The published version unless --version is given. As iCalendar each assignment is an
                event whose UID stays the same across versions, so a subscribed calendar updates it.
                Examples:
                  linli export roster --community demo --week 2026-W48 -o roster.xlsx
                  linli export roster --community demo --format ics > roster.ics
                  linli export roster --community demo --week 2026-11-23 --version 2 --format json
                """)
        @OptionGroup var target: Target
        @Option(help: "An ISO week such as 2026-W48, or any date in the week (default: this week).") var week: String?
        @Option(help: "This roster version instead of the published one.") var version: Int?
        @Option(help: "Only this volunteer's shifts (their id).") var volunteer: String?

        func validate() throws {
            try target.validate(allowed: ["csv", "xlsx", "ics", "json"])
            if let volunteer, UUID(uuidString: volunteer) == nil {
                throw ValidationError("--volunteer must be a volunteer id (a UUID)")
            }
            if let version, version < 1 { throw ValidationError("--version must be 1 or more") }
            _ = try ExportCommand.period(week: week, today: LocalDate(Date(), in: .shanghai))
        }

        func run() async throws {
            try await reportingErrors {
                try await ExportCommand.withCommunity(target.community) { store, community, zone in
                    let period = try ExportCommand.period(week: week, today: LocalDate(Date(), in: zone))
                    let format = target.resolvedFormat
                    let volunteerID = volunteer.flatMap { ID<LinliDomain.Volunteer>(uuidString: $0) }
                    let (lines, roster) = try await ExportCommand.writing(target) { sink, file in
                        try await store.transaction(.community(community.id), isolation: .repeatableRead, retries: 0) { tx in
                            let queries = ExportQueries()
                            let roster = try await queries.roster(
                                community: community.id, week: period.from, version: version, on: tx)
                            var count = 0
                            if format == "ics" {
                                let calendar = try ICalendarWriter(
                                    sink: sink, name: "\(community.name) 排班 Roster \(period)", timeZone: zone)
                                try await queries.rosterLines(roster, volunteer: volunteerID, on: tx) { batch in
                                    for line in batch {
                                        guard let event = RosterExport.event(line) else { continue }
                                        try calendar.write(event)
                                        count += 1
                                    }
                                }
                                try calendar.finish()
                            } else {
                                let writer = try ExportCommand.tableWriter(format, sink: sink, file: file, zone: zone)
                                try writer.begin(RosterExport.table)
                                count = try await queries.rosterLines(roster, volunteer: volunteerID, on: tx) { batch in
                                    for line in batch { try writer.write(RosterExport.cells(line, in: zone)) }
                                }
                                try writer.finish()
                            }
                            return (count, roster)
                        }
                    }
                    if let output = target.output {
                        let what = format == "ics" ? "个日历事件 calendar events" : "行 lines"
                        print(
                            "已写出 \(lines) \(what) → \(output)（\(community.name) \(period)，第 \(roster.version) 版 \(roster.state.rawValue)）"
                        )
                    }
                }
            }
        }
    }

    struct Hours: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Service hours (志愿服务时长, the 时间银行 record) per volunteer, patrol team or grid.",
            discussion: """
                Totals of the service-hours ledger for the period, most first. --by all writes one
                worksheet per grouping (XLSX only).
                Examples:
                  linli export hours --community demo --month 2026-11 -o hours.xlsx --by all
                  linli export hours --community demo --from 2026-01-01 --to 2026-12-31 --by team
                """)
        @OptionGroup var target: Target
        @OptionGroup var period: Period
        @Option(help: "volunteer, team, grid, or all (XLSX: one sheet each).") var by = "volunteer"
        @Option(help: "Only this kind of service: duty, patrol or home_visit.") var kind: String?

        func validate() throws {
            try target.validate(allowed: ["csv", "xlsx", "json"])
            guard by == "all" || HoursGrouping(rawValue: by) != nil else {
                throw ValidationError("--by must be volunteer, team, grid or all")
            }
            if by == "all", target.resolvedFormat != "xlsx" {
                throw ValidationError("--by all needs XLSX (one worksheet per grouping); use -o FILE.xlsx")
            }
            if let kind, ServiceKind(rawValue: kind) == nil {
                throw ValidationError("--kind must be duty, patrol or home_visit")
            }
        }

        func run() async throws {
            try await reportingErrors {
                try await ExportCommand.withCommunity(target.community) { store, community, zone in
                    let range = try period.resolve(today: LocalDate(Date(), in: zone))
                    let groupings = HoursGrouping(rawValue: by).map { [$0] } ?? HoursGrouping.allCases
                    let serviceKind = kind.flatMap(ServiceKind.init(rawValue:))
                    let lines = try await ExportCommand.writing(target) { sink, file in
                        try await store.transaction(.community(community.id), isolation: .repeatableRead, retries: 0) { tx in
                            let writer = try ExportCommand.tableWriter(target.resolvedFormat, sink: sink, file: file, zone: zone)
                            var count = 0
                            for grouping in groupings {
                                try writer.begin(HoursExport.table(grouping))
                                count += try await HoursReport().lines(
                                    by: grouping, from: range.from, through: range.through, kind: serviceKind, on: tx
                                ) { batch in
                                    for line in batch {
                                        try writer.write(HoursExport.cells(line, from: range.from, through: range.through))
                                    }
                                }
                            }
                            try writer.finish()
                            return count
                        }
                    }
                    if let output = target.output {
                        print("已写出 \(lines) 行 lines → \(output)（\(community.name) \(range)）")
                    }
                }
            }
        }
    }

    struct Volunteers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The volunteer list, with skills, certificates and patrol teams.",
            discussion: """
                The Chinese column headers are those `linli import volunteers` reads, so the list can be
                edited and imported again.
                Examples:
                  linli export volunteers --community demo -o 志愿者花名册.xlsx
                  linli export volunteers --community demo --active-only --format json
                """)
        @OptionGroup var target: Target
        @Flag(help: "Leave out deactivated volunteers.") var activeOnly = false

        func validate() throws { try target.validate(allowed: ["csv", "xlsx", "json"]) }

        func run() async throws {
            try await reportingErrors {
                try await ExportCommand.withCommunity(target.community) { store, community, zone in
                    let lines = try await ExportCommand.writing(target) { sink, file in
                        try await store.transaction(.community(community.id), isolation: .repeatableRead, retries: 0) { tx in
                            let writer = try ExportCommand.tableWriter(target.resolvedFormat, sink: sink, file: file, zone: zone)
                            try writer.begin(VolunteerExport.table)
                            let count = try await ExportQueries().volunteers(
                                community: community.id, includeInactive: !activeOnly, on: tx
                            ) { batch in
                                for line in batch { try writer.write(VolunteerExport.cells(line)) }
                            }
                            try writer.finish()
                            return count
                        }
                    }
                    if let output = target.output {
                        print("已写出 \(lines) 名志愿者 volunteers → \(output)（\(community.name)）")
                    }
                }
            }
        }
    }

    // MARK: - Shared

    /// Runs `body` with the store, the community with this code and its time zone.
    static func withCommunity(
        _ code: String, _ body: (Store, Community, TimeZone) async throws -> Void
    ) async throws {
        let context = try await CommandContext.make()
        try await context.run { context in
            let community = try await context.community(code: code)
            try await body(Store(pool: context.pool), community, TimeZone(identifier: community.timeZone) ?? .shanghai)
        }
    }

    /// Runs `body` with a sink to standard output or to a temporary file beside `-o`, which
    /// replaces the file only when everything was written.
    static func writing<T>(_ target: Target, _ body: (ExportSink, URL?) async throws -> T) async throws -> T {
        guard let output = target.output else {
            return try await body(.fileHandle(FileHandle.standardOutput), nil)
        }
        let destination = URL(fileURLWithPath: output)
        if target.resolvedFormat == "xlsx" {
            // The XLSX writer zips into its destination itself, atomically.
            return try await body(ExportSink { _ in }, destination)
        }
        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8)).partial")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
            let handle = try? FileHandle(forWritingTo: partial)
        else {
            throw ExportError(
                code: .writeFailed, zh: "无法创建 \(output)", en: "cannot create \(output) (does its folder exist?)")
        }
        do {
            let value = try await body(.fileHandle(handle), destination)
            try handle.close()
            guard rename(partial.path, destination.path) == 0 else {
                throw ExportError(
                    code: .writeFailed, zh: "无法写入 \(output)", en: "cannot write \(output): \(String(cString: strerror(errno)))")
            }
            return value
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
    }

    /// The table writer for `format`.
    static func tableWriter(_ format: String, sink: ExportSink, file: URL?, zone: TimeZone) throws -> any TableWriter {
        switch format {
        case "xlsx":
            guard let file else { throw ValidationError("XLSX needs -o FILE") }
            return try XLSXWriter(destination: file, timeZone: zone)
        case "json": return JSONRowsWriter(sink: sink, timeZone: zone)
        default: return CSVWriter(sink: sink, timeZone: zone)
        }
    }
}
