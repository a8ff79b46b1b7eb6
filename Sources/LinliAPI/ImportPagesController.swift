import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliImport
import LinliStorage
import LinliWeb
import MultipartKit
import NIOCore
import NIOHTTP1

/// The import page (issue #7), `/app/import`: a coordinator uploads a CSV or XLSX of volunteers
/// or residents (a multipart form), sees the dry run row by row (each row's number, whether it
/// adds or updates someone, each problem with its column and what to fix), then presses
/// "Import". The same code as `linli import`: `TabularFile`, `VolunteerImport` /
/// `ResidentImport` and `PeopleImporter`, all or nothing: while any row has a problem nothing is
/// stored and no import button is offered.
///
/// The file reaches the apply step by being posted again: the dry-run page carries it in a
/// hidden field (base64) of the import form, and applying reads and checks it from scratch. The
/// server keeps nothing between the two steps, so no upload can be lost to a restart or a second
/// server process, none is left behind when the coordinator walks away, and nobody can apply
/// another user's upload; what is applied is checked exactly as the dry run was (and still
/// nothing is written when the database changed meanwhile and a row no longer fits). Uploads
/// are capped (`maxUploadBytes`): larger lists go through `linli import`.
struct ImportPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    let pages: Result<WebPages, any Error>
    /// Seals residents' care notes in an imported sheet (nil: a sheet with notes is refused).
    let careNotes: CareNotesKeyring?

    /// The largest upload the page takes (a 10,000-row sheet is about 1 MB).
    static let maxUploadBytes = 4 * 1024 * 1024
    /// Rows listed one by one in the report besides every row with a problem.
    static let listedRows = 300

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/app/import") { request, _ in try await StaffPage.respond { try await form(request) } }
        router.post("/app/import") { request, _ in try await StaffPage.respond { try await check(request) } }
        router.post("/app/import/apply") { request, _ in try await StaffPage.respond { try await apply(request) } }
    }

    /// Whether the page's roles may import (they add and change volunteers, and residents for a
    /// residents' list).
    static func mayImport(_ page: StaffPage) -> Bool { page.may(.volunteers, .write) }

    var shared: PeoplePages { PeoplePages(pages: pages) }

    func open(_ request: Request) async throws -> StaffPage {
        try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .volunteers, .write)
    }

    // MARK: - The form

    func form(_ request: Request) async throws -> Response {
        let page = try await open(request)
        let query = request.uri.queryParameters
        var values: [String: Any] = [:]
        if query["notice"] == "imported" {
            values["notice"] = WebStrings.people(
                "imported", page.language,
                [
                    "inserted": String(Int(query["inserted"].map(String.init) ?? "") ?? 0),
                    "updated": String(Int(query["updated"].map(String.init) ?? "") ?? 0),
                ])
        }
        let kind = query["kind"].flatMap { ImportKind(rawValue: String($0)) } ?? .volunteers
        return try render(page, kind: kind, values)
    }

    func render(
        _ page: StaffPage, kind: ImportKind, _ values: [String: Any], status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let language = page.language
        var values = values
        let mb = String(Self.maxUploadBytes / 1_048_576)
        values["fileLabel"] = WebStrings.people("importFile", language, ["mb": mb])
        values["volunteersChosen"] = kind == .volunteers
        values["residentsChosen"] = kind == .residents
        values["columnsVolunteers"] = WebStrings.people(
            "importColumns", language, ["columns": ImportKind.volunteers.templateHeader.joined(separator: "、")])
        values["columnsResidents"] = WebStrings.people(
            "importColumns", language, ["columns": ImportKind.residents.templateHeader.joined(separator: "、")])
        return try shared.render(
            "import", title: WebStrings.people("importTitle", language), page, path: "/app/import", values, status: status)
    }

    // MARK: - The dry run

    func check(_ request: Request) async throws -> Response {
        let page = try await open(request)
        let language = page.language
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.maxUploadBytes + 64 * 1024)
        } catch is NIOTooManyBytesError {
            // The rest of the body is not read: the page says so and the browser shows it.
            let mb = String(Self.maxUploadBytes / 1_048_576)
            return try render(
                page, kind: .volunteers, ["fileError": WebStrings.people("importTooLarge", language, ["mb": mb])],
                status: .contentTooLarge)
        }
        guard let boundary = Self.boundary(request.headers[.contentType]),
            let parts = try? Self.parts(buffer, boundary: boundary)
        else { throw Problem.csrfFailed }
        func text(_ name: String) -> String? { parts[name].map { String(buffer: $0.body) } }
        guard CSRFToken.matches(text("csrf_token"), session: page.token) else { throw Problem.csrfFailed }
        var errors: [String: Any] = [:]
        let kind = text("kind").flatMap(ImportKind.init(rawValue:))
        if kind == nil { errors["kindError"] = WebStrings.people("importChooseKind", language) }
        let data = parts["file"].map { Data($0.body.readableBytesView) } ?? Data()
        if data.isEmpty { errors["fileError"] = WebStrings.people("importChooseFile", language) }
        guard errors.isEmpty, let kind else {
            return try render(page, kind: kind ?? .volunteers, errors, status: .unprocessableContent)
        }
        let fileName = parts["file"].flatMap(Self.fileName) ?? ""
        return try await run(page, kind: kind, data: data, fileName: fileName, dryRun: true)
    }

    /// Reads, checks and (unless `dryRun`) imports the file, answering the report page (or, once
    /// imported, the redirect to the form with the counts).
    func run(_ page: StaffPage, kind: ImportKind, data: Data, fileName: String, dryRun: Bool) async throws -> Response {
        let language = page.language
        guard page.may(kind == .residents ? .residents : .volunteers, .write) else {
            throw AccessPolicy.forbidden(page.roles, route: "POST \(kind.rawValue)")
        }
        let table: TabularFile
        do {
            table = try TabularFile.read(data, fileName: fileName)
        } catch {
            let text = language == .en ? error.en : error.zh
            return try render(
                page, kind: kind, ["fileError": WebStrings.people("importFileError", language, ["error": text])],
                status: .unprocessableContent)
        }
        let year = LocalDate(Date(), in: page.zone).year
        let importer = PeopleImporter(store: store, careNotes: careNotes)
        let checked: Checked
        do {
            switch kind {
            case .volunteers:
                checked = try await Checked(VolunteerImport.parse(table, currentYear: year), name: \.name, dryRun: dryRun) {
                    try await importer.applyVolunteers($0, scope: page.scope, dryRun: $1)
                }
            case .residents:
                checked = try await Checked(ResidentImport.parse(table, currentYear: year), name: \.name, dryRun: dryRun) {
                    try await importer.applyResidents($0, scope: page.scope, dryRun: $1)
                }
            }
        } catch let error as StorageError where error.code == .careNotesKeyMissing {
            return try render(
                page, kind: kind, ["fileError": WebStrings.people("careNotesKey", language)], status: .unprocessableContent)
        }
        let (report, outcome, lines) = (checked.report, checked.outcome, checked.names)
        if let outcome, outcome.applied {
            return StaffPage.seeOther(
                "/app/import?\(page.query)&kind=\(kind.rawValue)&notice=imported&inserted=\(outcome.inserted)&updated=\(outcome.updated)"
            )
        }
        let model = ImportReportModel(
            report: report, outcome: outcome, table: table, names: lines, language: language, fileName: fileName)
        var values = model.values()
        if model.problems.isEmpty && outcome != nil {
            values["applyData"] = data.base64EncodedString()
            values["applyKind"] = kind.rawValue
            values["applyFileName"] = fileName
        }
        return try render(page, kind: kind, values, status: model.problems.isEmpty ? .ok : .unprocessableContent)
    }

    /// A parsed file and what importing its valid rows did or would do. The valid rows are
    /// always run, and rolled back while any row has a problem, so the report says what each
    /// good row would do.
    struct Checked {
        let report: ImportReport
        let outcome: ImportOutcome?
        /// Row number → name, for the valid rows.
        let names: [Int: String]

        init<Row>(
            _ parsed: ImportResult<Row>, name: KeyPath<Row, String>, dryRun: Bool,
            apply: ([ImportedRow<Row>], Bool) async throws -> ImportOutcome
        ) async throws {
            report = parsed.report
            names = Dictionary(parsed.rows.map { ($0.line, $0.value[keyPath: name]) }, uniquingKeysWith: { first, _ in first })
            outcome = parsed.rows.isEmpty ? nil : try await apply(parsed.rows, dryRun || !parsed.report.canApply)
        }
    }

    // MARK: - Importing

    func apply(_ request: Request) async throws -> Response {
        let page = try await open(request)
        // base64 is 4/3 of the file, and the form's encoding adds a little.
        let fields = try await page.form(request, maxBytes: Self.maxUploadBytes * 2)
        guard let kind = fields["kind"].flatMap(ImportKind.init(rawValue:)),
            let data = fields["file"].flatMap({ Data(base64Encoded: $0) }), !data.isEmpty
        else {
            return try render(
                page, kind: .volunteers, ["fileError": WebStrings.people("importChooseFile", page.language)],
                status: .unprocessableContent)
        }
        return try await run(page, kind: kind, data: data, fileName: fields["file_name"] ?? "", dryRun: false)
    }

    // MARK: - Multipart

    /// The parts of a multipart/form-data body by their field names (MultipartKit's parser).
    static func parts(_ buffer: ByteBuffer, boundary: String) throws -> [String: MultipartPart] {
        let parser = MultipartParser(boundary: boundary)
        var parts: [String: MultipartPart] = [:]
        var headers = HTTPHeaders()
        var body = ByteBuffer()
        parser.onHeader = { field, value in headers.replaceOrAdd(name: field, value: value) }
        parser.onBody = { chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            let part = MultipartPart(headers: headers, body: body)
            if let name = part.name { parts[name] = part }
            headers = HTTPHeaders()
            body = ByteBuffer()
        }
        try parser.execute(buffer)
        return parts
    }

    /// The boundary of a `multipart/form-data; boundary=…` content type.
    static func boundary(_ contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";") {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            let value = pair.dropFirst("boundary=".count)
            return String(
                value.hasPrefix("\"") && value.hasSuffix("\"") && value.count > 1 ? value.dropFirst().dropLast() : value)
        }
        return nil
    }

    /// The `filename` of a part's Content-Disposition, nil without one.
    static func fileName(_ part: MultipartPart) -> String? {
        guard let disposition = part.headers.first(name: "Content-Disposition"),
            let range = disposition.range(of: "filename=\"")
        else { return nil }
        let name = disposition[range.upperBound...].prefix { $0 != "\"" }
        return name.isEmpty ? nil : String(name.suffix(200))
    }
}

/// The dry run's report as the page shows it: the counts, every problem (row, column, value,
/// message), and the rows one by one with what each does.
struct ImportReportModel {
    let report: ImportReport
    let outcome: ImportOutcome?
    let table: TabularFile
    /// Row number → name, for the valid rows.
    let names: [Int: String]
    let language: PageLanguage
    let fileName: String

    var problems: [ImportIssue] { report.issues + (outcome?.issues ?? []) }

    func text(_ key: String, _ values: [String: String] = [:]) -> String { WebStrings.people(key, language, values) }

    func values() -> [String: Any] {
        let problems = problems
        let byRow = Dictionary(grouping: problems.filter { $0.row != nil }, by: { $0.row ?? 0 })
        let problemRows: [[String: Any]] = problems.map { issue in
            [
                "row": issue.row.map(String.init) ?? text("fileProblem"), "column": issue.column ?? "",
                "value": issue.value ?? "", "message": language == .en ? issue.en : issue.zh,
            ]
        }
        // The sheet's data rows, after the header; blank rows are skipped.
        let nameColumn = report.columns.first { $0.field == "name" }?.index
        var rows: [[String: Any]] = []
        var unlisted = 0
        for index in stride(from: max(report.headerRow, 0), to: table.lines.count, by: 1) {
            let cells = table.lines[index]
            let line = index + 1
            guard cells.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else { continue }
            let issues = byRow[line] ?? []
            guard !issues.isEmpty || rows.count < ImportPagesController.listedRows else {
                unlisted += 1
                continue
            }
            let name = names[line] ?? nameColumn.flatMap { $0 < cells.count ? cells[$0] : nil } ?? ""
            let action = issues.isEmpty ? outcome?.actions[line] : nil
            rows.append([
                "line": String(line), "rowName": name, "bad": !issues.isEmpty,
                "state": text(issues.isEmpty ? "rowOK" : "rowBad"),
                "action": action.map { text("action.\($0.rawValue)") } ?? "",
                "rowProblems": issues.map { language == .en ? $0.en : $0.zh },
            ])
        }
        var values: [String: Any] = [
            "hasReport": true,
            "reportFile": [fileName, table.format.rawValue.uppercased(), table.encoding]
                .filter { !$0.isEmpty }.joined(separator: " · "),
            "reportRows": text("reportRows", ["n": String(report.totalRows), "ok": String(report.okRows)]),
            "problems": problemRows, "hasProblems": !problems.isEmpty,
            "reportProblems": problems.isEmpty ? "" : text("reportProblems", ["n": String(problems.count)]),
            "rows": rows, "warnings": report.warnings.map { language == .en ? $0.en : $0.zh },
            "hasWarnings": !report.warnings.isEmpty,
            "moreRows": unlisted > 0 ? text("moreRows", ["n": String(unlisted)]) : "",
        ]
        if let outcome, problems.isEmpty {
            values["reportWould"] = text(
                "reportWould", ["inserted": String(outcome.inserted), "updated": String(outcome.updated)])
        }
        return values
    }
}
