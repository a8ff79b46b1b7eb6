import ArgumentParser
import Foundation
import LinliDatabase
import LinliDomain
import LinliImport
import LinliStorage

/// `linli import volunteers|residents FILE --community CODE [--dry-run]`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import volunteers or residents from CSV (UTF-8 or GB18030) or XLSX.",
        discussion: """
            The file is checked row by row first; nothing is written unless every row is valid
            (all or nothing). People already in the community are matched by external ID (编号),
            then by phone, so importing the same sheet again changes nothing.

            Examples:
              linli import volunteers 志愿者花名册.xlsx --community demo --dry-run
              linli import residents residents.csv --community demo
            """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case volunteers, residents
    }

    @Argument(help: "What the file holds: volunteers or residents.") var kind: Kind
    @Argument(help: "The CSV or XLSX file.") var file: String
    @Option(help: "The community's code (see the communities table; the demo is 'demo').") var community: String
    @Flag(help: "Check the file against the database and report, without writing anything.") var dryRun = false
    @Flag(help: "Messages in English instead of Chinese.") var english = false

    func run() async throws {
        try await reportingErrors {
            let url = URL(fileURLWithPath: file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ValidationError("cannot read \(file): check the path and permissions")
            }
            let table: TabularFile
            do {
                table = try TabularFile.read(data, fileName: url.lastPathComponent)
            } catch let error as ImportFileError {
                throw ValidationError(english ? error.en : error.zh)
            }
            let context = try await CommandContext.make()
            try await context.run { context in
                let store = Store(pool: context.pool)
                let target = try await context.community(code: community)
                let year = Calendar(identifier: .gregorian).component(.year, from: Date())
                let importer = PeopleImporter(store: store, careNotes: try CareNotesKeyring(settings: context.settings))
                let started = ContinuousClock.now
                let (report, outcome): (ImportReport, ImportOutcome?)
                switch kind {
                case .volunteers:
                    let parsed = VolunteerImport.parse(table, currentYear: year)
                    report = parsed.report
                    outcome =
                        report.canApply
                        ? try await importer.applyVolunteers(parsed.rows, scope: .community(target.id), dryRun: dryRun) : nil
                case .residents:
                    let parsed = ResidentImport.parse(table, currentYear: year)
                    report = parsed.report
                    outcome =
                        report.canApply
                        ? try await importer.applyResidents(parsed.rows, scope: .community(target.id), dryRun: dryRun) : nil
                }
                let elapsed = ContinuousClock.now - started
                for warning in report.warnings { print((english ? "warning: " : "提示：") + (english ? warning.en : warning.zh)) }
                let issues = report.issues + (outcome?.issues ?? [])
                for issue in issues { print(english ? issue.en : issue.zh) }
                guard let outcome, issues.isEmpty else {
                    print(
                        english
                            ? "\(issues.count) problem(s) found in \(report.totalRows) rows: nothing was imported. Fix the rows above and run again."
                            : "共 \(report.totalRows) 行，发现 \(issues.count) 个问题，未导入任何数据。请修改以上各行后重新导入。")
                    throw ExitCode.failure
                }
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = seconds > 0 ? Int(Double(report.totalRows) / seconds) : 0
                if english {
                    print(
                        "\(dryRun ? "dry run: would add" : "added") \(outcome.inserted), \(dryRun ? "would update" : "updated") \(outcome.updated) of \(report.totalRows) rows (\(table.encoding), \(rate) rows/s)"
                    )
                } else {
                    print(
                        "\(dryRun ? "试运行：将新增" : "已新增") \(outcome.inserted) 人，\(dryRun ? "将更新" : "已更新") \(outcome.updated) 人，共 \(report.totalRows) 行（\(table.encoding)，每秒 \(rate) 行）"
                    )
                }
            }
        }
    }
}
