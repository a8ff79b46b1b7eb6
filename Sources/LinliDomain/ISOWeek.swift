import Foundation

/// ISO 8601 week names ("2026-W48"), the way coordinators and the command line name a roster week.
extension LocalDate {
    /// The Monday of ISO week `text` ("2026-W48" or "2026W48"); also accepts a date
    /// ("2026-11-23"), meaning the week that contains it. nil when neither.
    /// Foundation's ISO 8601 calendar does the week arithmetic (week 1 holds the year's first Thursday).
    public init?(isoWeek text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let date = LocalDate(iso: trimmed) {
            self = date.weekStart
            return
        }
        let upper = trimmed.uppercased()
        guard let w = upper.firstIndex(of: "W") else { return nil }
        var yearPart = upper[..<w]
        if yearPart.hasSuffix("-") { yearPart = yearPart.dropLast() }
        let weekPart = upper[upper.index(after: w)...]
        guard yearPart.count == 4, (1...2).contains(weekPart.count), let year = Int(yearPart), let week = Int(weekPart),
            (1...53).contains(week)
        else { return nil }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = .gmt
        var components = DateComponents()
        components.weekday = 2
        components.weekOfYear = week
        components.yearForWeekOfYear = year
        guard let monday = calendar.date(from: components) else { return nil }
        let check = calendar.dateComponents([.weekOfYear, .yearForWeekOfYear], from: monday)
        // Week 53 exists only in some years; Foundation would roll it over into the next year.
        guard check.weekOfYear == week, check.yearForWeekOfYear == year else { return nil }
        self = LocalDate(monday, in: .gmt)
    }

    /// The ISO week this date falls in, e.g. "2026-W48".
    public var isoWeekName: String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.weekOfYear, .yearForWeekOfYear], from: startOfDay(in: .gmt))
        return String(format: "%04d-W%02d", c.yearForWeekOfYear ?? year, c.weekOfYear ?? 1)
    }
}
