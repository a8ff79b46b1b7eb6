import Foundation
import LinliDomain
import LinliExport

/// The printable roster of a week (for a patrol team or the whole community): one row per
/// shift with the people on it and an empty signature column, for A4 paper.
public struct RosterSheet: Sendable {
    public var community: String
    /// The patrol team's name; nil for every shift of the community.
    public var team: String?
    /// "2026-W48".
    public var week: String
    public var from: LocalDate
    public var through: LocalDate
    public var rosterVersion: Int
    /// "published", "draft" or "superseded".
    public var rosterState: String
    /// The roster export's lines, in their order (a shift's lines follow each other).
    public var lines: [RosterLine]
    public var timeZone: TimeZone
    public var printedAt: Date

    public init(
        community: String, team: String?, week: String, from: LocalDate, through: LocalDate, rosterVersion: Int,
        rosterState: String, lines: [RosterLine], timeZone: TimeZone, printedAt: Date = Date()
    ) {
        self.community = community
        self.team = team
        self.week = week
        self.from = from
        self.through = through
        self.rosterVersion = rosterVersion
        self.rosterState = rosterState
        self.lines = lines
        self.timeZone = timeZone
        self.printedAt = printedAt
    }

    /// The page, rendered with `pages`.
    public func html(_ pages: WebPages, language: PageLanguage) throws -> String {
        let t = WebStrings.table(language)
        let title = [team ?? community, t["rosterSheet"] ?? "", week].joined(separator: " ")
        let state = t[rosterState] ?? rosterState
        return try pages.render(
            "roster-sheet", title: title,
            values: [
                "heading": "\(team ?? community) · \(t["rosterSheet"] ?? "")",
                "community": community, "team": team ?? t["allTeams"] ?? "", "week": week,
                "from": from.description, "through": through.description,
                "version": "\(rosterVersion)（\(state)）",
                "printedAt": Self.dateTime(printedAt, timeZone),
                "rows": rows(language),
            ],
            language: language)
    }

    /// One row per shift: the lines of one slot joined.
    func rows(_ language: PageLanguage) -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var index = 0
        while index < lines.count {
            let first = lines[index]
            var names: [String] = []
            while index < lines.count, lines[index].slotID == first.slotID {
                if let volunteer = lines[index].volunteer { names.append(volunteer.name) }
                index += 1
            }
            let day = LocalDate(first.start, in: timeZone)
            let volunteers =
                names.isEmpty
                ? WebStrings.text("unfilled", language) : names.joined(separator: WebStrings.text("listSeparator", language))
            rows.append([
                "date": day.description, "weekday": Self.weekday(day.isoWeekday, language),
                "time": "\(Self.time(first.start, timeZone))–\(Self.time(first.end, timeZone))",
                "service": language == .en ? first.serviceNameEn : first.serviceNameZh,
                "place": [first.place, first.grid].compactMap { $0 }.joined(separator: " · "),
                "volunteers": volunteers, "cancelled": first.isCancelled,
            ])
        }
        return rows
    }

    static func weekday(_ isoWeekday: Int, _ language: PageLanguage) -> String {
        let names =
            language == .en
            ? ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] : ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        return (1...7).contains(isoWeekday) ? names[isoWeekday - 1] : ""
    }

    static func time(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    static func dateTime(_ date: Date, _ zone: TimeZone) -> String {
        "\(LocalDate(date, in: zone)) \(time(date, zone))"
    }
}
