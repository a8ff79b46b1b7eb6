import Foundation
import LinliDomain

/// How the desk's pages say a day and a visit's time aloud-friendly ("11月24日 周二 09:00–10:00"),
/// in the community's time zone; the same weekday and clock words as the printable sheet.
public enum DeskFormat {
    /// "11月24日 周二" or "Tue 24 Nov".
    public static func day(_ day: LocalDate, _ language: PageLanguage) -> String {
        let weekday = RosterSheet.weekday(day.isoWeekday, language)
        guard language == .en else { return "\(day.month)月\(day.day)日 \(weekday)" }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekday) \(day.day) \(months[max(0, min(11, day.month - 1))])"
    }

    /// "11月24日 周二" of the moment `date` in `zone`.
    public static func day(of date: Date, _ zone: TimeZone, _ language: PageLanguage) -> String {
        day(LocalDate(date, in: zone), language)
    }

    /// "周二" or "Tue".
    public static func weekday(_ day: LocalDate, _ language: PageLanguage) -> String {
        RosterSheet.weekday(day.isoWeekday, language)
    }

    /// "09:00–10:00".
    public static func hours(_ start: Date, _ end: Date, _ zone: TimeZone) -> String {
        "\(RosterSheet.time(start, zone))–\(RosterSheet.time(end, zone))"
    }

    /// "11月24日 周二 09:00–10:00".
    public static func visit(_ start: Date, _ end: Date, _ zone: TimeZone, _ language: PageLanguage) -> String {
        "\(day(of: start, zone, language)) \(hours(start, end, zone))"
    }

    /// "09:00" of `date` in `zone`.
    public static func clock(_ date: Date, _ zone: TimeZone) -> String { RosterSheet.time(date, zone) }
}
