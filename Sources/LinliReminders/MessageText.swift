import Foundation

/// The language a person reads their messages in.
public enum MessageLocale: String, Sendable, Codable, CaseIterable {
    case zh = "zh-CN"
    case en = "en"

    public init(tag: String?) { self = tag.flatMap(MessageLocale.init(rawValue:)) ?? .zh }
}

/// What a message is about, as loaded from live data when it is sent.
public struct EventFacts: Sendable, Hashable {
    public var communityName: String
    public var communityPhone: String?
    public var serviceNameZh: String
    public var serviceNameEn: String
    public var start: Date
    public var end: Date
    /// Where: a place's name, or the resident's address for a home visit.
    public var placeZh: String?
    public var residentName: String?
    public var teamName: String?
    public var volunteerNames: [String]
    public var timeZone: TimeZone

    public init(
        communityName: String, communityPhone: String?, serviceNameZh: String, serviceNameEn: String, start: Date,
        end: Date, placeZh: String?, residentName: String?, teamName: String?, volunteerNames: [String],
        timeZone: TimeZone
    ) {
        self.communityName = communityName
        self.communityPhone = communityPhone
        self.serviceNameZh = serviceNameZh
        self.serviceNameEn = serviceNameEn
        self.start = start
        self.end = end
        self.placeZh = placeZh
        self.residentName = residentName
        self.teamName = teamName
        self.volunteerNames = volunteerNames
        self.timeZone = timeZone
    }
}

/// The texts of reminders and notices, in Chinese and English. Short, because they go out
/// as SMS: who, when, where, and what to reply.
public enum MessageText {
    private static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    static func clock(_ date: Date, _ zone: TimeZone) -> String {
        let parts = calendar(zone).dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    private static let weekdaysZh = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"]
    private static let weekdaysEn = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthsEn = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func weekday(_ date: Date, _ zone: TimeZone, _ locale: MessageLocale) -> String {
        let index = (calendar(zone).component(.weekday, from: date) - 1) % 7
        return locale == .zh ? weekdaysZh[index] : weekdaysEn[index]
    }

    /// "明天（11月24日 周二）" / "tomorrow (Tue 24 Nov)", relative to `now`.
    static func day(_ date: Date, now: Date, _ zone: TimeZone, _ locale: MessageLocale) -> String {
        let calendar = calendar(zone)
        let parts = calendar.dateComponents([.month, .day], from: date)
        let month = parts.month ?? 1
        let dayOfMonth = parts.day ?? 1
        let offset =
            calendar.dateComponents([.day], from: calendar.startOfDay(for: now), to: calendar.startOfDay(for: date)).day
            ?? 99
        let wd = weekday(date, zone, locale)
        switch locale {
        case .zh:
            let exact = "\(month)月\(dayOfMonth)日 \(wd)"
            switch offset {
            case 0: return "今天（\(exact)）"
            case 1: return "明天（\(exact)）"
            default: return exact
            }
        case .en:
            let exact = "\(wd) \(dayOfMonth) \(monthsEn[(month - 1) % 12])"
            switch offset {
            case 0: return "today (\(exact))"
            case 1: return "tomorrow (\(exact))"
            default: return exact
            }
        }
    }

    private static func span(_ f: EventFacts) -> String { "\(clock(f.start, f.timeZone))–\(clock(f.end, f.timeZone))" }

    private static func names(_ list: [String], _ locale: MessageLocale) -> String {
        list.joined(separator: locale == .zh ? "、" : ", ")
    }

    private static func what(_ f: EventFacts, _ locale: MessageLocale) -> String {
        switch locale {
        case .zh:
            var text = f.serviceNameZh
            if let resident = f.residentName { text = "为\(resident)上门\(f.serviceNameZh)" }
            if let place = f.placeZh, !place.isEmpty { text += "，地点：\(place)" }
            return text
        case .en:
            var text = f.serviceNameEn
            if let resident = f.residentName { text = "\(f.serviceNameEn) at the home of \(resident)" }
            if let place = f.placeZh, !place.isEmpty { text += ", at \(place)" }
            return text
        }
    }

    /// To a volunteer before their shift or visit.
    public static func volunteerReminder(name: String, _ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        switch locale {
        case .zh:
            return "【邻里】\(name)您好：提醒您\(day(f.start, now: now, f.timeZone, .zh)) \(span(f)) \(what(f, .zh))。"
                + "回复1确认，回复2表示不能来。"
        case .en:
            return "[Linli] Hello \(name): reminder of \(what(f, .en)) \(day(f.start, now: now, f.timeZone, .en)), "
                + "\(span(f)). Reply 1 to confirm, 2 if you cannot come."
        }
    }

    /// To a volunteer whose shift moved inside the lead time ("你的周二巡逻已改为19:30").
    public static func volunteerChange(name: String, _ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        switch locale {
        case .zh:
            return "【邻里】\(name)您好：您的\(weekday(f.start, f.timeZone, .zh))\(f.serviceNameZh)已改为"
                + "\(clock(f.start, f.timeZone))（\(day(f.start, now: now, f.timeZone, .zh)) \(span(f)) \(what(f, .zh))）。"
                + "回复1确认，回复2表示不能来。"
        case .en:
            return "[Linli] Hello \(name): your \(weekday(f.start, f.timeZone, .en)) \(f.serviceNameEn) now starts at "
                + "\(clock(f.start, f.timeZone)) (\(day(f.start, now: now, f.timeZone, .en)), \(span(f)), \(what(f, .en))). "
                + "Reply 1 to confirm, 2 if you cannot come."
        }
    }

    /// To a volunteer taken off a shift or visit inside the lead time.
    public static func volunteerCancellation(name: String, _ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        switch locale {
        case .zh:
            return "【邻里】\(name)您好：您\(day(f.start, now: now, f.timeZone, .zh)) \(clock(f.start, f.timeZone))的"
                + "\(f.serviceNameZh)已取消，无需前往。"
        case .en:
            return "[Linli] Hello \(name): your \(f.serviceNameEn) \(day(f.start, now: now, f.timeZone, .en)) at "
                + "\(clock(f.start, f.timeZone)) is cancelled; you need not go."
        }
    }

    /// To a resident (or their family contact) before a home visit.
    public static func residentReminder(name: String, _ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        let phone = f.communityPhone.map { $0 } ?? ""
        switch locale {
        case .zh:
            let volunteers = f.volunteerNames.isEmpty ? "志愿者" : "志愿者\(names(f.volunteerNames, .zh))"
            return "【邻里】\(name)您好：\(volunteers)将于\(day(f.start, now: now, f.timeZone, .zh)) "
                + "\(clock(f.start, f.timeZone))上门为您提供\(f.serviceNameZh)。"
                + (phone.isEmpty ? "" : "如有变化请致电\(f.communityName) \(phone)。")
        case .en:
            let volunteers = f.volunteerNames.isEmpty ? "A volunteer" : "Volunteer \(names(f.volunteerNames, .en))"
            return "[Linli] Hello \(name): \(volunteers) will visit you \(day(f.start, now: now, f.timeZone, .en)) at "
                + "\(clock(f.start, f.timeZone)) for \(f.serviceNameEn)."
                + (phone.isEmpty ? "" : " If anything changes, call \(f.communityName) on \(phone).")
        }
    }

    /// To a resident whose visit moved.
    public static func residentChange(name: String, _ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        switch locale {
        case .zh:
            return "【邻里】\(name)您好：您的\(f.serviceNameZh)上门时间已改为\(day(f.start, now: now, f.timeZone, .zh)) "
                + "\(clock(f.start, f.timeZone))。"
        case .en:
            return "[Linli] Hello \(name): your \(f.serviceNameEn) visit now takes place "
                + "\(day(f.start, now: now, f.timeZone, .en)) at \(clock(f.start, f.timeZone))."
        }
    }

    /// To a patrol team's group before a patrol.
    public static func teamReminder(_ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        let team = f.teamName ?? ""
        switch locale {
        case .zh:
            return "【邻里】\(team)：\(day(f.start, now: now, f.timeZone, .zh)) \(span(f)) \(what(f, .zh))，"
                + "成员：\(names(f.volunteerNames, .zh))。"
        case .en:
            return "[Linli] \(team): \(what(f, .en)) \(day(f.start, now: now, f.timeZone, .en)), \(span(f)); "
                + "members: \(names(f.volunteerNames, .en))."
        }
    }

    /// To the coordinators (outbox) when a volunteer replied that they cannot come.
    public static func coordinatorDeclined(
        volunteer: String, _ f: EventFacts, now: Date, draftVersion: Int?, summary: String, _ locale: MessageLocale
    ) -> String {
        switch locale {
        case .zh:
            let draft =
                draftVersion.map { "已生成第\($0)版草稿（\(summary)），请审核后发布。" } ?? "未能自动安排替补（\(summary)），请手动处理。"
            return "【邻里】\(volunteer)回复不能参加\(day(f.start, now: now, f.timeZone, .zh)) \(span(f))的\(f.serviceNameZh)。\(draft)"
        case .en:
            let draft =
                draftVersion.map { "Draft version \($0) is ready (\(summary)); review and publish it." }
                ?? "No replacement could be planned automatically (\(summary)); please arrange one."
            return "[Linli] \(volunteer) replied they cannot come to \(f.serviceNameEn) "
                + "\(day(f.start, now: now, f.timeZone, .en)), \(span(f)). \(draft)"
        }
    }
}

extension MessageText {
    /// What desk staff say on the phone to a resident about their visit.
    public static func callScript(name: String, _ f: EventFacts, now: Date, _ locale: MessageLocale) -> String {
        let volunteers = f.volunteerNames
        switch locale {
        case .zh:
            let who = volunteers.isEmpty ? "志愿者" : "志愿者\(volunteers.joined(separator: "、"))"
            return "\(name)您好，我是\(f.communityName)的工作人员。\(who)将于\(day(f.start, now: now, f.timeZone, .zh)) "
                + "\(clock(f.start, f.timeZone))上门为您提供\(f.serviceNameZh)，请问这个时间方便吗？"
        case .en:
            let who = volunteers.isEmpty ? "a volunteer" : "volunteer \(volunteers.joined(separator: ", "))"
            return "Hello \(name), this is \(f.communityName). \(who.prefix(1).uppercased() + who.dropFirst()) will visit "
                + "you \(day(f.start, now: now, f.timeZone, .en)) at \(clock(f.start, f.timeZone)) for "
                + "\(f.serviceNameEn). Is that time still good for you?"
        }
    }
}
