import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import LinliWeb

/// Finding a resident at the desk in a few keystrokes: part of the name or address, the last
/// digits of the phone (the store's search, as the API's `?q=`), or the pinyin initials of the
/// name ("wfy" finds 王凤英), which Foundation's ICU transform spells out.
enum ResidentSearch {
    static let limit = 50

    static func find(_ text: String, on tx: Connection) async throws -> [Resident] {
        var found = try await ResidentStore().residents(matching: text, limit: limit, on: tx)
        let letters = text.lowercased()
        guard (1...8).contains(letters.count), letters.allSatisfy({ $0.isASCII && $0.isLetter }) else { return found }
        var seen = Set(found.map(\.id))
        // A community has a few hundred elderly residents: their names are read and matched here.
        for resident in try await ResidentStore().residents(matching: nil, limit: 5000, on: tx)
        where initials(resident.name).hasPrefix(letters) && seen.insert(resident.id).inserted {
            found.append(resident)
        }
        return Array(found.prefix(limit))
    }

    /// "wfy" for 王凤英; letters of a Latin name are kept as they are ("li" for "Li").
    static func initials(_ name: String) -> String {
        guard let latin = name.applyingTransform(.toLatin, reverse: false)?.applyingTransform(.stripDiacritics, reverse: false)
        else { return "" }
        return String(latin.lowercased().split { !$0.isLetter }.compactMap(\.first))
    }
}

/// The times a resident accepts, as the booking form offers them: half-days of the coming week
/// ("明天上午", "周三下午") and an exact date with a start and an end.
enum DeskWindows {
    /// A half-day: 上午 08:00–12:00, 下午 14:00–18:00.
    struct Preset {
        let day: LocalDate
        let part: Part
        /// The form field's name: "w_2026-11-24_am".
        var name: String { "w_\(day)_\(part.rawValue)" }
    }

    enum Part: String, CaseIterable {
        case am, pm

        var minutes: (start: Int, end: Int) {
            switch self {
            case .am: (480, 720)
            case .pm: (840, 1080)
            }
        }
    }

    /// How many days ahead the form offers (today included while a half-day is still ahead).
    static let days = 7

    static func presets(now: Date, zone: TimeZone) -> [Preset] {
        let today = LocalDate(now, in: zone)
        var result: [Preset] = []
        for offset in 0...days {
            for part in Part.allCases {
                let preset = Preset(day: today.adding(days: offset), part: part)
                if let window = window(preset, zone: zone), window.end > now { result.append(preset) }
            }
        }
        return result
    }

    static func window(_ preset: Preset, zone: TimeZone) -> TimeWindow? {
        let midnight = preset.day.startOfDay(in: zone)
        let (start, end) = preset.part.minutes
        return TimeWindow(
            start: midnight.addingTimeInterval(TimeInterval(start * 60)),
            end: midnight.addingTimeInterval(TimeInterval(end * 60)))
    }

    /// The window of a preset field's name, nil for anything else.
    static func window(_ name: String, zone: TimeZone) -> TimeWindow? {
        let parts = name.split(separator: "_")
        guard parts.count == 3, parts[0] == "w", let day = LocalDate(iso: String(parts[1])),
            let part = Part(rawValue: String(parts[2]))
        else { return nil }
        return window(Preset(day: day, part: part), zone: zone)
    }

    /// "明天上午" / "Tomorrow morning", "周三下午" / "Wed afternoon".
    static func label(_ preset: Preset, today: LocalDate, _ language: PageLanguage) -> String {
        let dayWord: String
        switch preset.day {
        case today: dayWord = WebStrings.text("desk_today", language)
        case today.adding(days: 1): dayWord = WebStrings.text("desk_tomorrow", language)
        case today.adding(days: 2): dayWord = WebStrings.text("desk_dayAfter", language)
        default: dayWord = DeskFormat.weekday(preset.day, language)
        }
        return dayWord + WebStrings.text(preset.part == .am ? "desk_morning" : "desk_afternoon", language)
    }

    /// What the exact-time fields say.
    enum Exact {
        case none
        case window(TimeWindow)
        /// The field to mark and the key of its message.
        case invalid(field: String, key: String)
    }

    /// Reads the date ("2026-11-24") and the start and end ("09:30"); all empty is `.none`.
    static func exact(date: String, from: String, to: String, zone: TimeZone) -> Exact {
        if date.isEmpty && from.isEmpty && to.isEmpty { return .none }
        guard let day = LocalDate(iso: date) else { return .invalid(field: "date", key: "desk_error_date") }
        guard let start = minutes(from) else { return .invalid(field: "from", key: "desk_error_time") }
        guard let end = minutes(to) else { return .invalid(field: "to", key: "desk_error_time") }
        guard end > start else { return .invalid(field: "to", key: "desk_error_order") }
        let midnight = day.startOfDay(in: zone)
        return .window(
            TimeWindow(
                start: midnight.addingTimeInterval(TimeInterval(start * 60)),
                end: midnight.addingTimeInterval(TimeInterval(end * 60))))
    }

    /// Minutes from midnight of "09:30" (or "9:30"), nil when it is not a time of day.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2 || parts.count == 3, let hour = Int(parts[0]), let minute = Int(parts[1]),
            (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }
}
