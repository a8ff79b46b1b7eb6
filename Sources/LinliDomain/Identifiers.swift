import Foundation

/// A typed identifier: an `ID<Volunteer>` cannot be passed where an `ID<Resident>` is wanted.
public struct ID<Entity>: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: UUID
    public init(_ rawValue: UUID) { self.rawValue = rawValue }
    public init() { self.rawValue = UUID() }
    public init?(uuidString: String) {
        guard let uuid = UUID(uuidString: uuidString) else { return nil }
        self.rawValue = uuid
    }
    public var description: String { rawValue.uuidString.lowercased() }
    public static func < (lhs: ID, rhs: ID) -> Bool { lhs.rawValue.uuidString < rhs.rawValue.uuidString }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(UUID.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A calendar day without a time or zone (a holiday, a week's Monday, a certificate's expiry).
public struct LocalDate: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// nil when the date does not exist (2026-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var components = DateComponents()
        components.calendar = LocalDate.gregorian
        components.year = year
        components.month = month
        components.day = day
        guard components.isValidDate else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses "2026-11-23".
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        let weekday = LocalDate.gregorian.component(.weekday, from: startOfDay(in: .gmt))
        return weekday == 1 ? 7 : weekday - 1
    }

    /// The date `days` later (or earlier when negative).
    public func adding(days: Int) -> LocalDate {
        let date = LocalDate.gregorian.date(byAdding: .day, value: days, to: startOfDay(in: .gmt)) ?? startOfDay(in: .gmt)
        return LocalDate(date, in: .gmt)
    }

    /// The Monday of this date's week (weeks start on Monday).
    public var weekStart: LocalDate { adding(days: 1 - isoWeekday) }

    /// Midnight at the start of this day in `zone`.
    public func startOfDay(in zone: TimeZone) -> Date {
        var calendar = LocalDate.gregorian
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: year, month: month, day: day)) ?? Date(timeIntervalSince1970: 0)
    }

    /// The day `date` falls on in `zone`.
    public init(_ date: Date, in zone: TimeZone) {
        var calendar = LocalDate.gregorian
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        self.year = c.year ?? 1970
        self.month = c.month ?? 1
        self.day = c.day ?? 1
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date like 2026-11-23"))
        }
        self = date
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}

extension TimeZone {
    /// Asia/Shanghai: the zone of every community Linli serves today.
    public static let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .gmt
}
