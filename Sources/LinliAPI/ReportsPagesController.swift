import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliExport
import LinliStorage
import LinliWeb

/// The reports page (issue #7), `/app/reports`: service hours (志愿服务时长, the 时间银行 record)
/// and participation (党员参与率 and the like) for a month or a range of days, per month, per home
/// grid, per patrol team and per volunteer, with bar charts drawn on the server as SVG (the same
/// figures in tables beside them) and links to the JSON API's CSV and Excel downloads. It reads
/// through the reports' store (a read replica when one is configured), as the hours API does.
struct ReportsPagesController: Sendable {
    let authenticator: Authenticator
    let store: Store
    /// The reports' store: over `APIDependencies.reportsPool` when there is one.
    let reports: Store
    let pages: Result<WebPages, any Error>

    /// How many volunteers the page lists (the download has them all).
    static let volunteerLimit = 100
    /// Residents listed in the visits table (the CSV has all).
    static let residentLimit = 100
    /// How many months the chart of a range shows at most (the last ones).
    static let monthLimit = 24

    func addRoutes(to router: Router<APIRequestContext>) {
        router.get("/app/reports") { request, _ in
            try await StaffPage.respond {
                let page = try await StaffPage.open(request, authenticator: authenticator, store: store, needs: .reports, .read)
                return try await render(page, request)
            }
        }
    }

    /// The start page's links to the reports and outbox pages, for each community where the
    /// user's role may read them.
    static func homeLinks(_ assignments: [RoleAssignment], _ language: PageLanguage) -> [[String: String]] {
        var links: [[String: String]] = []
        var seen: Set<String> = []
        for a in assignments {
            guard let code = a.communityCode, !seen.contains(code),
                AccessPolicy.allows([a.grant.role], .reports, .read) || AccessPolicy.allows([a.grant.role], .messages, .read)
            else { continue }
            seen.insert(code)
            let query = "community=\(StaffPage.encode(code))&lang=\(language.rawValue)"
            if AccessPolicy.allows([a.grant.role], .reports, .read) {
                links.append([
                    "href": "/app/reports?\(query)", "id": "link-reports-\(code)",
                    "label": "\(WebStrings.report("reportsTitle", language)) · \(code)",
                ])
            }
            if AccessPolicy.allows([a.grant.role], .messages, .read) {
                links.append([
                    "href": "/app/messages?\(query)", "id": "link-messages-\(code)",
                    "label": "\(WebStrings.report("messagesTitle", language)) · \(code)",
                ])
            }
        }
        return links
    }

    /// What the page's query asks for: a month (the current one by default) or a range of days,
    /// and a kind of service; errors by field, the current month shown instead.
    struct Choice {
        var period: ReportPeriod
        var month: LocalDate?
        var kind: ServiceKind?
        var monthError: String?
        var fromError: String?
        var toError: String?
        var fromText = ""
        var toText = ""

        var hasError: Bool { monthError != nil || fromError != nil || toError != nil }
    }

    static func choice(_ request: Request, zone: TimeZone, language: PageLanguage) -> Choice {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            query[Substring(name)].map { String($0).trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let today = LocalDate(Date(), in: zone)
        let thisMonth = LocalDate(year: today.year, month: today.month, day: 1) ?? today
        var choice = Choice(period: monthPeriod(thisMonth), month: thisMonth)
        choice.kind = value("kind").flatMap(ServiceKind.init(rawValue:))
        let from = value("from")
        let to = value("to")
        if from != nil || to != nil {
            choice.fromText = from ?? ""
            choice.toText = to ?? ""
            let first = from.flatMap(LocalDate.init(iso:))
            let last = to.flatMap(LocalDate.init(iso:))
            if first == nil { choice.fromError = WebStrings.report("dateInvalid", language) }
            if last == nil { choice.toError = WebStrings.report("dateInvalid", language) }
            if let first, let last {
                if let period = ReportPeriod(from: first, through: last) {
                    choice.period = period
                    choice.month = nil
                } else {
                    choice.toError = WebStrings.report("rangeInvalid", language)
                }
            }
        } else if let month = value("month") {
            if let period = ReportPeriod(month: month) {
                choice.period = period
                choice.month = period.from
            } else {
                choice.monthError = WebStrings.report("monthInvalid", language)
            }
        }
        return choice
    }

    static func monthPeriod(_ first: LocalDate) -> ReportPeriod {
        ReportPeriod(month: monthName(first)) ?? ReportPeriod.week(containing: first)
    }

    /// "2026-11" of a day.
    static func monthName(_ day: LocalDate) -> String { String(format: "%04d-%02d", day.year, day.month) }

    /// The first day of the month `offset` months from `day`'s.
    static func month(_ day: LocalDate, adding offset: Int) -> LocalDate {
        let index = day.year * 12 + (day.month - 1) + offset
        return LocalDate(year: index / 12, month: index % 12 + 1, day: 1) ?? day
    }

    /// The first days of the months from `from`'s through `through`'s, the last `limit` of them.
    static func months(from: LocalDate, through: LocalDate, limit: Int) -> [LocalDate] {
        var months: [LocalDate] = []
        var month = month(from, adding: 0)
        while month <= through {
            months.append(month)
            month = Self.month(month, adding: 1)
        }
        return Array(months.suffix(limit))
    }

    /// Everything the page shows, read in one snapshot.
    struct Figures {
        var participation: [ParticipationLine] = []
        var months: [HoursReport.MonthTotal] = []
        var lines: [HoursGrouping: [HoursLine]] = [:]
        var unfilled: [UnfilledWorkLine] = []
        var visits: [ResidentVisitsLine] = []
    }

    func render(_ page: StaffPage, _ request: Request) async throws -> Response {
        let language = page.language
        let choice = Self.choice(request, zone: page.zone, language: language)
        let period = choice.period
        // The chart by month: the six months up to the chosen one, or the months of the range.
        let chartMonths =
            choice.month.map { m in (0..<6).map { Self.month(m, adding: $0 - 5) } }
            ?? Self.months(from: period.from, through: period.through, limit: Self.monthLimit)
        let chartFrom = chartMonths.first ?? period.from
        let chartThrough = chartMonths.last.map { Self.monthPeriod($0).through } ?? period.through
        let kind = choice.kind
        let limit = Self.volunteerLimit
        let figures = try await reports.transaction(page.scope, isolation: .repeatableRead, retries: 0) { tx in
            var figures = Figures()
            let report = HoursReport()
            figures.participation = try await report.participation(
                from: period.from, through: period.through, kind: kind, on: tx)
            figures.months = try await report.perMonth(from: chartFrom, through: chartThrough, kind: kind, on: tx)
            for grouping in HoursGrouping.allCases {
                var lines: [HoursLine] = []
                try await report.lines(by: grouping, from: period.from, through: period.through, kind: kind, on: tx) {
                    batch in
                    if lines.count <= limit { lines += batch }
                }
                figures.lines[grouping] = lines
            }
            // Unfilled work and visits per resident are of every kind (a kind narrows the hours only).
            let service = ServiceReports()
            figures.unfilled = try await service.unfilledWork(from: period.from, through: period.through, on: tx)
            figures.visits = try await service.visitsPerResident(from: period.from, through: period.through, on: tx)
            return figures
        }
        let values = Self.values(page, choice: choice, chartMonths: chartMonths, figures: figures)
        let title = "\(WebStrings.report("reportsTitle", language)) · \(page.community.name)"
        let html = try pages.get().render("reports-page", title: title, values: PageValues.dropEmpty(values), language: language)
        var response = htmlResponse(html, language: language)
        if choice.hasError { response.status = .badRequest }
        return response
    }

    /// "12.5" hours of `minutes`.
    static func hours(_ minutes: Int) -> String {
        let tenths = (Double(minutes) / 6).rounded()
        return String(format: "%.1f", tenths / 10)
    }

    static func values(_ page: StaffPage, choice: Choice, chartMonths: [LocalDate], figures: Figures) -> [String: Any] {
        let language = page.language
        let period = choice.period
        let code = StaffPage.encode(page.community.code)
        let kindQuery = choice.kind.map { "&kind=\($0.rawValue)" } ?? ""
        let shown = choice.month ?? Self.month(period.from, adding: 0)
        func reportsHref(month: LocalDate) -> String {
            "/app/reports?community=\(code)&month=\(monthName(month))\(kindQuery)&lang=\(language.rawValue)"
        }
        let samePeriod =
            choice.month.map { "&month=\(monthName($0))" } ?? "&from=\(period.from)&to=\(period.through)"
        var values = PageFrame.values(page, path: "/app/reports", query: samePeriod + kindQuery)
        values["onReports"] = true
        values["r"] = WebStrings.reportsTable(language)
        values["periodLabel"] = WebStrings.report(
            "period", language, ["from": period.from.description, "through": period.through.description])
        values["monthValue"] = choice.monthError == nil ? (choice.month.map(monthName) ?? "") : ""
        values["monthError"] = choice.monthError ?? ""
        values["fromError"] = choice.fromError ?? ""
        values["toError"] = choice.toError ?? ""
        values["fromValue"] = choice.month == nil ? (choice.fromText.isEmpty ? period.from.description : choice.fromText) : ""
        values["toValue"] = choice.month == nil ? (choice.toText.isEmpty ? period.through.description : choice.toText) : ""
        values["prevHref"] = reportsHref(month: Self.month(shown, adding: -1))
        values["nextHref"] = reportsHref(month: Self.month(shown, adding: 1))
        values["kindValue"] = choice.kind?.rawValue ?? ""
        let kinds: [ServiceKind?] = [nil] + ServiceKind.allCases.map { $0 }
        values["kinds"] = kinds.map { kind -> [String: Any] in
            [
                "value": kind?.rawValue ?? "", "label": WebStrings.report("kind.\(kind?.rawValue ?? "all")", language),
                "selected": kind == choice.kind,
            ]
        }
        values["participation"] = figures.participation.map { line -> [String: Any] in
            [
                "label": WebStrings.report("group.\(line.group?.rawValue ?? "all")", language),
                "volunteers": "\(line.volunteers)", "participants": "\(line.participants)",
                "rate": String(format: "%.1f%%", line.rate * 100), "hours": hours(line.minutes),
            ]
        }
        // Per month: every month of the chart, with zero for a month without entries.
        let byMonth = Dictionary(figures.months.map { ($0.month, $0) }, uniquingKeysWith: { first, _ in first })
        let monthRows = chartMonths.map { month -> (String, Int, Int) in
            let total = byMonth[monthName(month)]
            return (monthName(month), total?.minutes ?? 0, total?.volunteers ?? 0)
        }
        let anyMonth = monthRows.contains { $0.1 != 0 }
        let monthChart = SVGBarChart(
            id: "months", title: WebStrings.report("monthChart", language),
            summary: WebStrings.report(
                "monthChartDesc", language,
                [
                    "from": chartMonths.first.map(monthName) ?? "", "through": chartMonths.last.map(monthName) ?? "",
                    "n": "\(chartMonths.count)",
                ]),
            bars: monthRows.map {
                .init(
                    label: $0.0, value: Double($0.1) / 60,
                    valueText: WebStrings.report("hoursShort", language, ["h": hours($0.1)]))
            })
        var sections: [[String: Any]] = [
            [
                "id": "by-month", "title": WebStrings.report("byMonth", language),
                "chart": anyMonth ? (monthChart.svg() ?? "") : "", "header": WebStrings.report("monthHeader", language),
                "countHeader": WebStrings.report("people", language), "hasRows": anyMonth,
                "rows": anyMonth
                    ? monthRows.map { ["name": $0.0, "hours": hours($0.1), "count": "\($0.2)"] } : [[String: String]](),
            ]
        ]
        let groupings: [(HoursGrouping, String, String, String?)] = [
            (.grid, "by-grid", "grid", "gridChart"), (.team, "by-team", "team", "teamChart"),
            (.volunteer, "by-volunteer", "volunteer", nil),
        ]
        for (grouping, id, header, chartTitle) in groupings {
            let all = figures.lines[grouping] ?? []
            let lines = Array(all.prefix(grouping == .volunteer ? volunteerLimit : all.count))
            var section: [String: Any] = [
                "id": id, "title": WebStrings.report("by\(header.prefix(1).uppercased())\(header.dropFirst())", language),
                "header": WebStrings.report(header, language), "hasRows": !lines.isEmpty,
                "countHeader": WebStrings.report(grouping == .volunteer ? "entries" : "people", language),
                "showGrid": grouping == .volunteer,
                "rows": lines.map { line -> [String: Any] in
                    ["name": line.name, "grid": line.grid ?? "", "hours": hours(line.minutes), "count": "\(line.count)"]
                },
            ]
            if let chartTitle {
                let chart = SVGBarChart(
                    id: header, title: WebStrings.report(chartTitle, language),
                    summary: WebStrings.report("groupChartDesc", language, ["n": "\(lines.count)"]),
                    bars: lines.map {
                        .init(
                            label: $0.name, value: Double($0.minutes) / 60,
                            valueText: WebStrings.report("hoursShort", language, ["h": hours($0.minutes)]))
                    })
                section["chart"] = chart.svg() ?? ""
            }
            if grouping == .volunteer, all.count > volunteerLimit {
                section["more"] = WebStrings.report("moreVolunteers", language, ["n": "\(volunteerLimit)"])
            }
            sections.append(section)
        }
        values["sections"] = sections
        values["unfilled"] = figures.unfilled.map { line -> [String: Any] in
            [
                "service": language == .en ? line.serviceNameEn : line.serviceNameZh, "slots": "\(line.slots)",
                "short": "\(line.shortSlots)", "wanted": "\(line.wanted)", "placed": "\(line.placed)",
                "missing": "\(line.missing)", "isShort": line.missing > 0,
                "filled": String(format: "%.0f%%", line.filledRate * 100),
            ]
        }
        values["visits"] = figures.visits.prefix(residentLimit).map { line -> [String: Any] in
            [
                "grid": line.grid ?? "", "name": line.name, "done": "\(line.done)", "hours": hours(line.minutesDone),
                "scheduled": "\(line.scheduled)", "requested": "\(line.requested)", "cancelled": "\(line.cancelled)",
                "noShow": "\(line.noShow)",
            ]
        }
        if figures.visits.count > residentLimit {
            values["moreResidents"] = WebStrings.report("moreResidents", language, ["n": "\(residentLimit)"])
        }
        // The hours API's downloads, for the same period and kind (the page's cookie signs them in).
        let api = "/api/v1/communities/\(code)/exports/hours?from=\(period.from)&to=\(period.through)\(kindQuery)"
        values["downloads"] = [
            ["href": "\(api)&by=volunteer&format=csv", "label": WebStrings.report("csvVolunteer", language)],
            ["href": "\(api)&by=team&format=csv", "label": WebStrings.report("csvTeam", language)],
            ["href": "\(api)&by=grid&format=csv", "label": WebStrings.report("csvGrid", language)],
            ["href": "\(api)&by=all&format=xlsx", "label": WebStrings.report("xlsxAll", language)],
            [
                "href": "/api/v1/communities/\(code)/exports/visits?from=\(period.from)&to=\(period.through)&format=csv",
                "label": WebStrings.report("csvVisits", language),
            ],
            [
                "href": "/api/v1/communities/\(code)/exports/unfilled?from=\(period.from)&to=\(period.through)&format=csv",
                "label": WebStrings.report("csvUnfilled", language),
            ],
        ]
        return values
    }
}

/// What the reports and outbox pages share around their content: the community, the language
/// switch and the menu's links.
enum PageFrame {
    /// `path` is the page's own path; `query` what its language switch keeps ("&month=2026-11").
    static func values(_ page: StaffPage, path: String, query: String) -> [String: Any] {
        let language = page.language
        let other: PageLanguage = language == .en ? .zhCN : .en
        let code = StaffPage.encode(page.community.code)
        return [
            "csrf": page.csrf, "communityCode": page.community.code, "community": page.community.name,
            "homeHref": "/app?lang=\(language.rawValue)", "reportsHref": "/app/reports?\(page.query)",
            "messagesHref": "/app/messages?\(page.query)",
            "otherLangHref": "\(path)?community=\(code)\(query)&lang=\(other.rawValue)",
            "otherLanguageName": other == .en ? "English" : "中文", "otherLang": other.rawValue,
        ]
    }
}
