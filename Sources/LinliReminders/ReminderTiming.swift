import Foundation

/// A community's quiet hours in local time (default 21:00–07:30): nothing reaches a person
/// inside them. The period may wrap midnight.
public struct QuietHours: Sendable, Hashable {
    /// Minutes after local midnight.
    public let startMinute: Int
    public let endMinute: Int
    public let timeZone: TimeZone

    public init(startMinute: Int, endMinute: Int, timeZone: TimeZone) {
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.timeZone = timeZone
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func minuteOfDay(_ date: Date) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    /// Whether `date` falls inside the quiet period.
    public func contains(_ date: Date) -> Bool {
        guard startMinute != endMinute else { return false }
        let minute = minuteOfDay(date)
        return startMinute < endMinute
            ? (startMinute <= minute && minute < endMinute)
            : (minute >= startMinute || minute < endMinute)
    }

    /// The local midnight of the day `date` is on, moved by `days`, plus `minute` minutes.
    private func local(_ date: Date, days: Int, minute: Int) -> Date {
        let midnight = calendar.startOfDay(for: date)
        let day = calendar.date(byAdding: .day, value: days, to: midnight) ?? midnight
        return day.addingTimeInterval(TimeInterval(minute * 60))
    }

    /// When the quiet period that contains `date` began.
    public func periodStart(containing date: Date) -> Date {
        let today = local(date, days: 0, minute: startMinute)
        return today <= date ? today : local(date, days: -1, minute: startMinute)
    }

    /// When the quiet period that contains `date` ends.
    public func periodEnd(containing date: Date) -> Date {
        let today = local(date, days: 0, minute: endMinute)
        return today > date ? today : local(date, days: 1, minute: endMinute)
    }
}

/// When reminders go out: at each lead time before the start, moved before quiet hours when
/// they would fall inside them, and one at once for a change made inside the lead time.
public enum ReminderTiming {
    /// How long before quiet hours a reminder moved out of them is sent.
    public static let marginBeforeQuiet: TimeInterval = 15 * 60
    /// A late reminder is skipped when a regular one follows within this time.
    public static let lateWindow: TimeInterval = 60 * 60
    /// Reminders planned closer together than this are sent once.
    public static let mergeWindow: TimeInterval = 30 * 60

    /// One planned send: the lead it stands for (nil: the "at once" reminder of a late
    /// change) and when to send it.
    public struct Planned: Sendable, Hashable {
        public let leadMinutes: Int?
        public let sendAt: Date
    }

    /// The send time for a reminder due at `due`: `due` itself, or shortly before the quiet
    /// period it falls in.
    public static func sendTime(due: Date, quiet: QuietHours) -> Date {
        guard quiet.contains(due) else { return due }
        return quiet.periodStart(containing: due).addingTimeInterval(-marginBeforeQuiet)
    }

    /// The reminders for an event starting at `start` with the service's `leads` (minutes),
    /// as seen at `now`: the future ones at their send times; if some lead has already
    /// passed, one reminder at once unless a regular one follows within `lateWindow`.
    /// Nothing once the event has started.
    public static func plan(start: Date, leads: [Int], now: Date, quiet: QuietHours) -> [Planned] {
        guard start > now else { return [] }
        var planned: [Planned] = []
        var missed = false
        for lead in Set(leads).sorted(by: >) where lead > 0 {
            let at = sendTime(due: start.addingTimeInterval(-TimeInterval(lead * 60)), quiet: quiet)
            guard at > now else {
                missed = true
                continue
            }
            // Two leads moved out of the same quiet period land together: send one.
            if let last = planned.last, at.timeIntervalSince(last.sendAt) < mergeWindow { continue }
            planned.append(Planned(leadMinutes: lead, sendAt: at))
        }
        if missed, !planned.contains(where: { $0.sendAt.timeIntervalSince(now) < lateWindow }) {
            planned.insert(Planned(leadMinutes: nil, sendAt: now), at: 0)
        }
        return planned
    }

    /// Whether a change to an event starting at `start` is inside its lead time at `now`
    /// (people may already have been reminded, so they are told at once).
    public static func isInsideLeadTime(start: Date, leads: [Int], now: Date) -> Bool {
        let longest = leads.max() ?? 0
        return now >= start.addingTimeInterval(-TimeInterval(longest * 60))
    }
}
