import Foundation
import LinliDomain

// The exports' rows and how each becomes table cells or a calendar event. The storage layer
// reads these rows from the database; the command line and the HTTP API hand them to a writer.

/// One line of a week's roster: a volunteer on a slot, or a slot that nobody fills.
public struct RosterLine: Sendable, Hashable {
    /// Who is on the slot.
    public struct Assignee: Sendable, Hashable {
        public var id: ID<Volunteer>
        public var name: String
        public var phone: String?
        public var externalID: String?
        public init(id: ID<Volunteer>, name: String, phone: String? = nil, externalID: String? = nil) {
            self.id = id
            self.name = name
            self.phone = phone
            self.externalID = externalID
        }
    }

    public var slotID: ID<Slot>
    public var start: Date
    public var end: Date
    public var serviceCode: String
    public var serviceNameZh: String
    public var serviceNameEn: String
    public var kind: ServiceKind
    public var place: String?
    public var grid: String?
    public var team: String?
    public var isCancelled: Bool
    /// The slot's row version: grows when the slot changes.
    public var slotVersion: Int
    public var headcountMin: Int
    public var headcountMax: Int
    /// People on the slot in this roster version.
    public var filled: Int
    public var rosterVersion: Int
    /// nil: nobody is on the slot.
    public var volunteer: Assignee?

    public init(
        slotID: ID<Slot>, start: Date, end: Date, serviceCode: String, serviceNameZh: String, serviceNameEn: String,
        kind: ServiceKind, place: String? = nil, grid: String? = nil, team: String? = nil, isCancelled: Bool = false,
        slotVersion: Int = 1, headcountMin: Int = 1, headcountMax: Int = 1, filled: Int = 0, rosterVersion: Int = 1,
        volunteer: Assignee? = nil
    ) {
        self.slotID = slotID
        self.start = start
        self.end = end
        self.serviceCode = serviceCode
        self.serviceNameZh = serviceNameZh
        self.serviceNameEn = serviceNameEn
        self.kind = kind
        self.place = place
        self.grid = grid
        self.team = team
        self.isCancelled = isCancelled
        self.slotVersion = slotVersion
        self.headcountMin = headcountMin
        self.headcountMax = headcountMax
        self.filled = filled
        self.rosterVersion = rosterVersion
        self.volunteer = volunteer
    }
}

/// The roster export's table and calendar events.
public enum RosterExport {
    public static let table = ExportTable(
        name: "排班 Roster",
        columns: [
            ExportColumn(key: "date", zh: "日期", en: "Date", width: 11),
            ExportColumn(key: "weekday", zh: "星期", en: "Weekday", width: 9),
            ExportColumn(key: "start", zh: "开始", en: "Start", width: 17),
            ExportColumn(key: "end", zh: "结束", en: "End", width: 17),
            ExportColumn(key: "service", zh: "服务", en: "Service", width: 14),
            ExportColumn(key: "service_en", zh: "服务英文名", en: "Service in English", width: 20),
            ExportColumn(key: "kind", zh: "类别", en: "Kind", width: 14),
            ExportColumn(key: "place", zh: "地点", en: "Place", width: 18),
            ExportColumn(key: "grid", zh: "网格", en: "Grid", width: 12),
            ExportColumn(key: "team", zh: "巡逻队", en: "Patrol team", width: 14),
            ExportColumn(key: "volunteer", zh: "志愿者", en: "Volunteer", width: 10),
            ExportColumn(key: "phone", zh: "手机号", en: "Phone", width: 14),
            ExportColumn(key: "external_id", zh: "编号", en: "External ID", width: 10),
            ExportColumn(key: "status", zh: "状态", en: "Status", width: 16),
            ExportColumn(key: "short", zh: "缺员", en: "Short", width: 8),
            ExportColumn(key: "roster_version", zh: "排班版本", en: "Roster version", width: 10),
            ExportColumn(key: "slot_id", zh: "时段ID", en: "Slot ID", width: 38),
            ExportColumn(key: "volunteer_id", zh: "志愿者ID", en: "Volunteer ID", width: 38),
        ])

    public static func cells(_ line: RosterLine, in zone: TimeZone = .shanghai) -> [ExportCell] {
        let day = LocalDate(line.start, in: zone)
        let status: String
        if line.isCancelled {
            status = "已取消 cancelled"
        } else if line.volunteer == nil {
            status = "空缺 unfilled"
        } else {
            status = "已排 assigned"
        }
        return [
            .date(day), .text(weekdayLabel(day.isoWeekday)), .dateTime(line.start), .dateTime(line.end),
            .text(line.serviceNameZh), .text(line.serviceNameEn), .text(kindLabel(line.kind)), .text(line.place),
            .text(line.grid), .text(line.team), .text(line.volunteer?.name), .text(line.volunteer?.phone),
            .text(line.volunteer?.externalID), .text(status),
            line.isCancelled ? .empty : .integer(max(0, line.headcountMin - line.filled)), .integer(line.rosterVersion),
            .text(line.slotID.description), .text(line.volunteer?.id.description),
        ]
    }

    /// The line as a calendar event; nil for a slot nobody fills.
    public static func event(_ line: RosterLine) -> CalendarEvent? {
        guard let volunteer = line.volunteer else { return nil }
        var details = ["服务 Service: \(line.serviceNameZh) \(line.serviceNameEn)"]
        if let team = line.team { details.append("巡逻队 Patrol team: \(team)") }
        details.append("人数 Headcount: \(line.filled) / \(headcountText(line))")
        details.append("排班版本 Roster version: \(line.rosterVersion)")
        if line.isCancelled { details.append("已取消 Cancelled") }
        return CalendarEvent(
            slotID: line.slotID, volunteerID: volunteer.id, start: line.start, end: line.end,
            summary: "\(line.serviceNameZh) · \(volunteer.name)",
            location: [line.place, line.grid].compactMap { $0 }.joined(separator: " · "),
            description: details.joined(separator: "\n"),
            // Both grow and never shrink: a changed slot or a newer roster version replaces the event.
            sequence: (line.slotVersion - 1) + (line.rosterVersion - 1), isCancelled: line.isCancelled)
    }

    static func headcountText(_ line: RosterLine) -> String {
        line.headcountMin == line.headcountMax ? "\(line.headcountMin)" : "\(line.headcountMin)–\(line.headcountMax)"
    }

    public static func weekdayLabel(_ isoWeekday: Int) -> String {
        let labels = ["周一 Mon", "周二 Tue", "周三 Wed", "周四 Thu", "周五 Fri", "周六 Sat", "周日 Sun"]
        return (1...7).contains(isoWeekday) ? labels[isoWeekday - 1] : ""
    }

    public static func kindLabel(_ kind: ServiceKind) -> String {
        switch kind {
        case .duty: "值班 duty"
        case .patrol: "巡逻 patrol"
        case .homeVisit: "上门 home visit"
        }
    }
}

/// One volunteer in the volunteer list. No residents' data is ever exported with it.
public struct VolunteerLine: Sendable, Hashable {
    public var id: ID<Volunteer>
    public var externalID: String?
    public var name: String
    public var phone: String?
    public var sex: Sex
    public var birthYear: Int?
    public var grid: String?
    public var groups: [VolunteerGroup]
    /// Skill names in Chinese.
    public var skills: [String]
    /// Certificates held (names in Chinese).
    public var certificates: [String]
    public var teams: [String]
    public var notifyChannel: NotifyChannel
    public var isActive: Bool

    public init(
        id: ID<Volunteer>, externalID: String? = nil, name: String, phone: String? = nil, sex: Sex, birthYear: Int? = nil,
        grid: String? = nil, groups: [VolunteerGroup] = [], skills: [String] = [], certificates: [String] = [],
        teams: [String] = [], notifyChannel: NotifyChannel = .sms, isActive: Bool = true
    ) {
        self.id = id
        self.externalID = externalID
        self.name = name
        self.phone = phone
        self.sex = sex
        self.birthYear = birthYear
        self.grid = grid
        self.groups = groups
        self.skills = skills
        self.certificates = certificates
        self.teams = teams
        self.notifyChannel = notifyChannel
        self.isActive = isActive
    }
}

/// The volunteer list's table. Its Chinese headers are those `linli import volunteers` reads,
/// so an exported list can be edited and imported again.
public enum VolunteerExport {
    public static let table = ExportTable(
        name: "志愿者 Volunteers",
        columns: [
            ExportColumn(key: "external_id", zh: "编号", en: "External ID", width: 10),
            ExportColumn(key: "name", zh: "姓名", en: "Name", width: 10),
            ExportColumn(key: "phone", zh: "手机号", en: "Phone", width: 14),
            ExportColumn(key: "sex", zh: "性别", en: "Sex", width: 8),
            ExportColumn(key: "birth_year", zh: "出生年份", en: "Birth year", width: 10),
            ExportColumn(key: "grid", zh: "网格", en: "Grid", width: 12),
            ExportColumn(key: "groups", zh: "分组", en: "Groups", width: 14),
            ExportColumn(key: "skills", zh: "技能", en: "Skills", width: 20),
            ExportColumn(key: "certificates", zh: "证书", en: "Certificates", width: 16),
            ExportColumn(key: "teams", zh: "巡逻队", en: "Patrol teams", width: 14),
            ExportColumn(key: "notify", zh: "通知方式", en: "Notified by", width: 12),
            ExportColumn(key: "status", zh: "状态", en: "Status", width: 12),
            ExportColumn(key: "id", zh: "志愿者ID", en: "Volunteer ID", width: 38),
        ])

    public static func cells(_ line: VolunteerLine) -> [ExportCell] {
        [
            .text(line.externalID), .text(line.name), .text(line.phone), .text(line.sex == .female ? "女" : "男"),
            line.birthYear.map { .integer($0) } ?? .empty, .text(line.grid),
            .text(line.groups.map(groupLabel).joined(separator: "、")), .text(line.skills.joined(separator: "、")),
            .text(line.certificates.joined(separator: "、")), .text(line.teams.joined(separator: "、")),
            .text(channelLabel(line.notifyChannel)),
            .text(line.isActive ? "在册 active" : "停用 inactive"), .text(line.id.description),
        ]
    }

    /// The Chinese name the importer reads back.
    public static func groupLabel(_ group: VolunteerGroup) -> String {
        switch group {
        case .partyMember: "党员"
        case .youth: "青年"
        case .women: "巾帼"
        case .elderly: "老年"
        case .resident: "居民"
        case .student: "学生"
        }
    }

    static func channelLabel(_ channel: NotifyChannel) -> String {
        switch channel {
        case .sms: "短信 SMS"
        case .wecom: "企业微信 WeCom"
        case .email: "邮件 email"
        case .none: "不通知 none"
        }
    }
}

/// What an hours report adds up by.
public enum HoursGrouping: String, Sendable, CaseIterable {
    case volunteer, team, grid
}

/// One total of the service-hours report (志愿服务时长, the 时间银行 record) for a period.
public struct HoursLine: Sendable, Hashable {
    public var grouping: HoursGrouping
    /// The volunteer's, team's or grid's id; nil for volunteers without a home grid.
    public var id: String?
    /// The volunteer's external ID or the grid's code.
    public var code: String?
    public var name: String
    /// The volunteer's phone (volunteer totals only).
    public var phone: String?
    /// The volunteer's home grid (volunteer totals only).
    public var grid: String?
    public var minutes: Int
    /// Ledger entries for a volunteer; volunteers with hours for a team or grid.
    public var count: Int

    public init(
        grouping: HoursGrouping, id: String?, code: String? = nil, name: String, phone: String? = nil,
        grid: String? = nil, minutes: Int, count: Int
    ) {
        self.grouping = grouping
        self.id = id
        self.code = code
        self.name = name
        self.phone = phone
        self.grid = grid
        self.minutes = minutes
        self.count = count
    }
}

/// The hours report's tables, one per grouping, each line with its period.
public enum HoursExport {
    public static func table(_ grouping: HoursGrouping) -> ExportTable {
        let period = [
            ExportColumn(key: "from", zh: "起", en: "From", width: 11),
            ExportColumn(key: "through", zh: "止", en: "Through", width: 11),
        ]
        let totals = [
            ExportColumn(key: "hours", zh: "时长（小时）", en: "Hours", width: 10),
            ExportColumn(key: "minutes", zh: "分钟", en: "Minutes", width: 9),
        ]
        switch grouping {
        case .volunteer:
            return ExportTable(
                name: "时长-志愿者 Hours by volunteer",
                columns: period + [
                    ExportColumn(key: "external_id", zh: "编号", en: "External ID", width: 10),
                    ExportColumn(key: "name", zh: "姓名", en: "Name", width: 10),
                    ExportColumn(key: "phone", zh: "手机号", en: "Phone", width: 14),
                    ExportColumn(key: "grid", zh: "网格", en: "Grid", width: 12),
                ] + totals + [
                    ExportColumn(key: "entries", zh: "记录数", en: "Entries", width: 9),
                    ExportColumn(key: "id", zh: "志愿者ID", en: "Volunteer ID", width: 38),
                ])
        case .team:
            return ExportTable(
                name: "时长-巡逻队 Hours by team",
                columns: period + [ExportColumn(key: "team", zh: "巡逻队", en: "Patrol team", width: 16)] + totals + [
                    ExportColumn(key: "volunteers", zh: "人数", en: "Volunteers", width: 9),
                    ExportColumn(key: "id", zh: "巡逻队ID", en: "Team ID", width: 38),
                ])
        case .grid:
            return ExportTable(
                name: "时长-网格 Hours by grid",
                columns: period + [
                    ExportColumn(key: "grid_code", zh: "网格编号", en: "Grid code", width: 10),
                    ExportColumn(key: "grid", zh: "网格", en: "Grid", width: 14),
                ] + totals + [
                    ExportColumn(key: "volunteers", zh: "人数", en: "Volunteers", width: 9),
                    ExportColumn(key: "id", zh: "网格ID", en: "Grid ID", width: 38),
                ])
        }
    }

    public static func cells(_ line: HoursLine, from: LocalDate, through: LocalDate) -> [ExportCell] {
        let period: [ExportCell] = [.date(from), .date(through)]
        let totals: [ExportCell] = [.decimal(Double(line.minutes) / 60), .integer(line.minutes)]
        switch line.grouping {
        case .volunteer:
            return period + [.text(line.code), .text(line.name), .text(line.phone), .text(line.grid)] + totals + [
                .integer(line.count), .text(line.id),
            ]
        case .team:
            return period + [.text(line.name)] + totals + [.integer(line.count), .text(line.id)]
        case .grid:
            return period + [.text(line.code), .text(line.name)] + totals + [.integer(line.count), .text(line.id)]
        }
    }
}

/// How many volunteers of a group served in a period (参与率, e.g. 党员参与率).
public struct ParticipationLine: Sendable, Hashable {
    /// nil: all active volunteers.
    public var group: VolunteerGroup?
    /// Active volunteers in the group.
    public var volunteers: Int
    /// Those of them with service hours in the period.
    public var participants: Int
    public var minutes: Int

    public init(group: VolunteerGroup?, volunteers: Int, participants: Int, minutes: Int) {
        self.group = group
        self.volunteers = volunteers
        self.participants = participants
        self.minutes = minutes
    }

    /// participants / volunteers, 0 for an empty group.
    public var rate: Double { volunteers == 0 ? 0 : Double(participants) / Double(volunteers) }
}

/// The participation table: one line per group, after the line for everyone.
public enum ParticipationExport {
    public static let table = ExportTable(
        name: "参与率 Participation",
        columns: [
            ExportColumn(key: "from", zh: "起", en: "From", width: 11),
            ExportColumn(key: "through", zh: "止", en: "Through", width: 11),
            ExportColumn(key: "group", zh: "群体", en: "Group", width: 16),
            ExportColumn(key: "volunteers", zh: "在册人数", en: "Volunteers", width: 10),
            ExportColumn(key: "participants", zh: "参与人数", en: "Participants", width: 10),
            ExportColumn(key: "rate_percent", zh: "参与率（%）", en: "Rate (%)", width: 10),
            ExportColumn(key: "hours", zh: "时长（小时）", en: "Hours", width: 10),
        ])

    public static func cells(_ line: ParticipationLine, from: LocalDate, through: LocalDate) -> [ExportCell] {
        [
            .date(from), .date(through), .text(label(line.group)), .integer(line.volunteers),
            .integer(line.participants), .decimal(line.rate * 100), .decimal(Double(line.minutes) / 60),
        ]
    }

    /// "党员 party members"; "全部 all" for nil.
    public static func label(_ group: VolunteerGroup?) -> String {
        guard let group else { return "全部 all" }
        let english: [VolunteerGroup: String] = [
            .partyMember: "party members", .youth: "youth", .women: "women", .elderly: "elderly",
            .resident: "residents", .student: "students",
        ]
        return "\(VolunteerExport.groupLabel(group)) \(english[group] ?? group.rawValue)"
    }
}

/// The days a report covers, from the start of `from` to the end of `through` in the
/// community's zone: an ISO week ("2026-W48"), a month ("2026-11") or any range of days.
public struct ReportPeriod: Sendable, Hashable, CustomStringConvertible {
    public let from: LocalDate
    public let through: LocalDate

    /// nil when `through` is before `from`.
    public init?(from: LocalDate, through: LocalDate) {
        guard from <= through else { return nil }
        self.from = from
        self.through = through
    }

    /// The Monday-to-Sunday ISO week "2026-W48" (or "2026W48"); nil if there is no such week.
    public init?(isoWeek text: String) {
        let parts = text.uppercased().replacingOccurrences(of: "-W", with: "W").split(separator: "W")
        guard parts.count == 2, parts[0].count == 4, (1...2).contains(parts[1].count), let year = Int(parts[0]),
            let week = Int(parts[1]), let monday = Self.monday(ofWeek: week, in: year)
        else { return nil }
        self.init(from: monday, through: monday.adding(days: 6))
    }

    /// The calendar month "2026-11".
    public init?(month text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]),
            let month = Int(parts[1]), let first = LocalDate(year: year, month: month, day: 1)
        else { return nil }
        let next = month == 12 ? LocalDate(year: year + 1, month: 1, day: 1) : LocalDate(year: year, month: month + 1, day: 1)
        guard let next else { return nil }
        self.init(from: first, through: next.adding(days: -1))
    }

    /// The ISO week that `day` is in.
    public static func week(containing day: LocalDate) -> ReportPeriod {
        let monday = day.weekStart
        return ReportPeriod(uncheckedFrom: monday, through: monday.adding(days: 6))
    }

    private init(uncheckedFrom from: LocalDate, through: LocalDate) {
        self.from = from
        self.through = through
    }

    /// True when the period is one whole ISO week (Monday to Sunday).
    public var isWeek: Bool { from.isoWeekday == 1 && from.adding(days: 6) == through }

    /// "2026-W48" for a whole week, else "2026-11-01..2026-11-30".
    public var description: String {
        if isWeek, let label = Self.isoWeekLabel(from) { return label }
        return "\(from)..\(through)"
    }

    /// The Monday of ISO week `week` of `year`; nil if the year has no such week.
    static func monday(ofWeek week: Int, in year: Int) -> LocalDate? {
        guard week >= 1, let january4 = LocalDate(year: year, month: 1, day: 4),
            let december28 = LocalDate(year: year, month: 12, day: 28)
        else { return nil }
        let first = january4.weekStart
        let weeks = Self.days(from: first, to: december28.weekStart) / 7 + 1
        guard week <= weeks else { return nil }
        return first.adding(days: 7 * (week - 1))
    }

    /// "2026-W48" for the week starting on `monday`.
    static func isoWeekLabel(_ start: LocalDate) -> String? {
        // The ISO year is the year of the week's Thursday.
        let thursday = start.adding(days: 3)
        guard let first = monday(ofWeek: 1, in: thursday.year) else { return nil }
        let week = days(from: first, to: start) / 7 + 1
        return String(format: "%04d-W%02d", thursday.year, week)
    }

    static func days(from a: LocalDate, to b: LocalDate) -> Int {
        Int(((b.startOfDay(in: .gmt).timeIntervalSince(a.startOfDay(in: .gmt))) / 86_400).rounded())
    }
}
