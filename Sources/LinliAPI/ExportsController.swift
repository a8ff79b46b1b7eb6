import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliExport
import LinliStorage
import LinliWeb
import NIOCore

/// `/api/v1/communities/{code}/exports/…` and `reports/…`: a week's roster (the whole community
/// or one patrol team) as CSV, XLSX or JSON streamed from a server-side cursor, the printable
/// sign-in sheet (HTML for A4, from LinliWeb), the service-hours report (the 时间银行 record) and
/// participation figures (党员参与率 and the like).
struct ExportsController: Sendable {
    let store: Store
    /// The hours and participation reports' store: over a read replica when
    /// `LINLI_DATABASE_REPORTS_URL` is set, read-only either way.
    let reports: Store
    /// The page templates; a failure to load them makes the page answer 500, not the server fail.
    let pages: Result<WebPages, any Error>

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("exports/roster") { request, context in try await roster(request, context) }
        group.get("exports/roster/print") { request, context in try await printable(request, context) }
        group.get("exports/hours") { request, context in try await hours(request, context) }
        group.get("reports/participation") { request, context in try await participation(request, context) }
        addServiceFigureRoutes(to: group)
    }

    /// What a roster export is of: the version shown and the team, if one.
    struct RosterChoice: Sendable {
        let roster: Roster
        let team: PatrolTeam?
        let zone: TimeZone
        let period: ReportPeriod
    }

    /// Reads `week`, `version` and `team` and finds them (404 when the week has no such roster
    /// or the community no such team) before a byte of the body is sent.
    func choose(_ request: Request, _ context: APIRequestContext) async throws -> RosterChoice {
        let community = try context.requireCommunity()
        let monday = try WeekQuery.monday(request)
        let query = request.uri.queryParameters
        var validation = Validation()
        var version: Int?
        if let raw = query["version"] {
            version = Int(raw)
            if version.map({ $0 < 1 }) ?? true {
                validation.fail("version", "invalid_value", "须为 1 或更大的整数", "must be an integer of 1 or more")
            }
        }
        var teamID: ID<PatrolTeam>?
        if let raw = query["team"] {
            teamID = ID(uuidString: String(raw))
            if teamID == nil { validation.fail("team", "invalid_value", "须为巡逻队编号（UUID）", "must be a patrol team id (UUID)") }
        }
        try validation.checkParameters()
        let (roster, team) = try await store.transaction(context.scope()) { tx in
            var team: PatrolTeam?
            if let teamID {
                team = try await PatrolTeamStore().teams(on: tx).first { $0.id == teamID }
                if team == nil { throw Problem.notFound(.init("没有这个巡逻队", "There is no such patrol team")) }
            }
            do {
                return (try await ExportQueries().roster(community: community.id, week: monday, version: version, on: tx), team)
            } catch let error as StorageError where error.code == .notFound {
                throw Problem(
                    .notFound, code: "roster_not_found",
                    detail: version.map {
                        LocalizedText(
                            "\(monday.isoWeekName) 没有第 \($0) 版排班", "The week \(monday.isoWeekName) has no roster version \($0)")
                    }
                        ?? LocalizedText(
                            "\(monday.isoWeekName) 还没有已发布的排班", "The week \(monday.isoWeekName) has no published roster"))
            }
        }
        return RosterChoice(
            roster: roster, team: team, zone: TimeZone(identifier: community.timeZone) ?? .shanghai,
            period: ReportPeriod.week(containing: monday))
    }

    func roster(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let format = try DownloadFormat.from(request)
        let choice = try await choose(request, context)
        let store = store
        let name = "排班-\(choice.team?.name ?? community.name)-\(choice.period)"
        return try await format.response(fileName: name, timeZone: choice.zone) { writer, flush in
            try await store.transaction(context.scope(), isolation: .repeatableRead, retries: 0) { tx in
                try writer.begin(RosterExport.table)
                try await ExportQueries().rosterLines(choice.roster, team: choice.team?.id, on: tx) { batch in
                    for line in batch { try writer.write(RosterExport.cells(line, in: choice.zone)) }
                    try await flush()
                }
                try writer.finish()
            }
        }
    }

    func printable(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let language: PageLanguage = Language(page: request) == .en ? .en : .zhCN
        let choice = try await choose(request, context)
        var lines: [RosterLine] = []
        try await store.transaction(context.scope(), isolation: .repeatableRead, retries: 0) { tx in
            try await ExportQueries().rosterLines(choice.roster, team: choice.team?.id, on: tx) { lines += $0 }
        }
        guard case .success(let pages) = self.pages else { throw Problem.internalError }
        let sheet = RosterSheet(
            community: community.name, team: choice.team?.name, week: choice.period.description, from: choice.period.from,
            through: choice.period.through, rosterVersion: choice.roster.version, rosterState: choice.roster.state.rawValue,
            lines: lines, timeZone: choice.zone)
        return htmlResponse(try sheet.html(pages, language: language), language: language)
    }

    /// `month`, `week` or `from`/`to` (one of them; the current month when none).
    static func period(_ request: Request, zone: TimeZone) throws -> ReportPeriod {
        let query = request.uri.queryParameters
        let week = query["week"].map(String.init)
        let month = query["month"].map(String.init)
        let from = query["from"].map(String.init)
        let to = query["to"].map(String.init)
        let given = [week != nil, month != nil, from != nil || to != nil].filter { $0 }.count
        var validation = Validation()
        var period: ReportPeriod?
        if given > 1 {
            validation.fail("month", "conflict", "month、week 与 from/to 只能给一种", "give one of month, week or from/to")
        } else if let week {
            period = ReportPeriod(isoWeek: week) ?? LocalDate(iso: week).map(ReportPeriod.week(containing:))
            if period == nil {
                validation.fail("week", "invalid_value", "须为 ISO 周（2026-W48）或日期", "must be an ISO week (2026-W48) or a date")
            }
        } else if let month {
            period = ReportPeriod(month: month)
            if period == nil { validation.fail("month", "invalid_value", "须为月份，如 2026-11", "must be a month such as 2026-11") }
        } else if from != nil || to != nil {
            let first = from.flatMap(LocalDate.init(iso:))
            let last = to.flatMap(LocalDate.init(iso:))
            if first == nil { validation.fail("from", "invalid_value", "须为日期，如 2026-11-01", "must be a date such as 2026-11-01") }
            if last == nil { validation.fail("to", "invalid_value", "须为日期，如 2026-11-30", "must be a date such as 2026-11-30") }
            if let first, let last {
                period = ReportPeriod(from: first, through: last)
                if period == nil { validation.fail("to", "out_of_range", "不能早于 from", "may not be before from") }
            }
        } else {
            let today = LocalDate(Date(), in: zone)
            period = ReportPeriod(month: String(format: "%04d-%02d", today.year, today.month))
        }
        try validation.checkParameters()
        guard let period else { throw Problem.internalError }
        return period
    }

    static func kind(_ request: Request) throws -> ServiceKind? {
        guard let raw = request.uri.queryParameters["kind"] else { return nil }
        guard let kind = ServiceKind(rawValue: String(raw)) else {
            throw Problem.badRequest(
                "invalid_value", field: "kind", .init("须为 duty、patrol 或 home_visit", "must be duty, patrol or home_visit"))
        }
        return kind
    }

    func hours(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let zone = TimeZone(identifier: community.timeZone) ?? .shanghai
        let format = try DownloadFormat.from(request)
        let period = try Self.period(request, zone: zone)
        let kind = try Self.kind(request)
        let by = request.uri.queryParameters["by"].map(String.init) ?? "volunteer"
        let groupings: [HoursGrouping]
        if by == "all", format == .xlsx {
            groupings = HoursGrouping.allCases
        } else if let grouping = HoursGrouping(rawValue: by) {
            groupings = [grouping]
        } else {
            throw Problem.badRequest(
                "invalid_value", field: "by",
                .init("须为 volunteer、team 或 grid（XLSX 还可为 all）", "must be volunteer, team or grid (or all for XLSX)"))
        }
        let store = reports
        let name = "服务时长-\(community.name)-\(period)"
        return try await format.response(fileName: name, timeZone: zone) { writer, flush in
            try await store.transaction(context.scope(), isolation: .repeatableRead, retries: 0) { tx in
                for grouping in groupings {
                    try writer.begin(HoursExport.table(grouping))
                    try await HoursReport().lines(by: grouping, from: period.from, through: period.through, kind: kind, on: tx) {
                        batch in
                        for line in batch {
                            try writer.write(HoursExport.cells(line, from: period.from, through: period.through))
                        }
                        try await flush()
                    }
                }
                // A workbook also gets the participation figures, on a sheet of their own.
                if format == .xlsx {
                    try writer.begin(ParticipationExport.table)
                    for line in try await HoursReport().participation(
                        from: period.from, through: period.through, kind: kind, on: tx)
                    {
                        try writer.write(ParticipationExport.cells(line, from: period.from, through: period.through))
                    }
                }
                try writer.finish()
            }
        }
    }

    /// One group's participation.
    struct Participation: Encodable {
        let group: String?
        let label: String
        let volunteers: Int
        let participants: Int
        let rate: Double
        let minutes: Int

        enum CodingKeys: String, CodingKey {
            case group, label, volunteers, participants, rate, minutes
        }

        // Encodes a null group (everyone) rather than leaving it out: the schema requires the key.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(group, forKey: .group)
            try c.encode(label, forKey: .label)
            try c.encode(volunteers, forKey: .volunteers)
            try c.encode(participants, forKey: .participants)
            try c.encode(rate, forKey: .rate)
            try c.encode(minutes, forKey: .minutes)
        }
    }

    struct ParticipationBody: Encodable {
        let from: String
        let through: String
        let items: [Participation]
    }

    func participation(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let period = try Self.period(request, zone: TimeZone(identifier: community.timeZone) ?? .shanghai)
        let kind = try Self.kind(request)
        let lines = try await reports.transaction(context.scope()) { tx in
            try await HoursReport().participation(from: period.from, through: period.through, kind: kind, on: tx)
        }
        return try jsonResponse(
            ParticipationBody(
                from: period.from.description, through: period.through.description,
                items: lines.map {
                    Participation(
                        group: $0.group?.rawValue, label: ParticipationExport.label($0.group), volunteers: $0.volunteers,
                        participants: $0.participants, rate: ($0.rate * 10_000).rounded() / 10_000, minutes: $0.minutes)
                }))
    }
}

/// An HTML page with the pages' security headers and its language.
func htmlResponse(_ html: String, language: PageLanguage) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "text/html; charset=utf-8"
    headers[.contentLanguage] = language.rawValue
    for header in PageSecurity.headers {
        if let name = HTTPField.Name(header.name) { headers[name] = header.value }
    }
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
}
