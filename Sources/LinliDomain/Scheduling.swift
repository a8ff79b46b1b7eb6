import Foundation

/// The three kinds of work Linli schedules.
public enum ServiceKind: String, Sendable, Codable, CaseIterable {
    case duty
    case patrol
    case homeVisit = "home_visit"
}

/// A service in the catalogue (助浴, 晚间巡逻, 便民服务站值班) and the rules its slots follow.
public struct ServiceType: Hashable, Sendable, Codable {
    public var id: ID<ServiceType>
    public var communityID: ID<Community>
    public var code: String
    public var nameZh: String
    public var nameEn: String
    public var kind: ServiceKind
    public var defaultMinutes: Int
    public var headcountMin: Int
    public var headcountMax: Int
    public var sameSexAsResident: Bool
    public var neverAlone: Bool
    public var needsLeader: Bool
    /// 1–100; a welfare check on an elder living alone outranks library duty.
    public var priority: Int
    public var reminderLeadMinutes: [Int]
    public var requiredSkillIDs: [ID<Skill>]
    public var isActive: Bool
    public init(
        id: ID<ServiceType> = ID(), communityID: ID<Community>, code: String, nameZh: String, nameEn: String,
        kind: ServiceKind, defaultMinutes: Int, headcountMin: Int = 1, headcountMax: Int = 1,
        sameSexAsResident: Bool = false, neverAlone: Bool = false, needsLeader: Bool = false, priority: Int = 50,
        reminderLeadMinutes: [Int] = [720, 120], requiredSkillIDs: [ID<Skill>] = [], isActive: Bool = true
    ) {
        self.id = id
        self.communityID = communityID
        self.code = code
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.kind = kind
        self.defaultMinutes = defaultMinutes
        self.headcountMin = headcountMin
        self.headcountMax = headcountMax
        self.sameSexAsResident = sameSexAsResident
        self.neverAlone = neverAlone
        self.needsLeader = needsLeader
        self.priority = priority
        self.reminderLeadMinutes = reminderLeadMinutes
        self.requiredSkillIDs = requiredSkillIDs
        self.isActive = isActive
    }
}

/// What a calendar entry says about a day.
public enum CalendarDayKind: String, Sendable, Codable, CaseIterable {
    /// 法定节假日: regular slots do not run.
    case holiday
    /// 调休: a weekend day worked as the weekday `worksAsWeekday`.
    case workday
}

/// A holiday or a make-up working day; national when `communityID` is nil.
public struct CalendarDay: Hashable, Sendable, Codable {
    public var id: ID<CalendarDay>
    public var communityID: ID<Community>?
    public var day: LocalDate
    public var kind: CalendarDayKind
    public var name: String
    public var worksAsWeekday: Int?
    public init(
        id: ID<CalendarDay> = ID(), communityID: ID<Community>?, day: LocalDate, kind: CalendarDayKind, name: String,
        worksAsWeekday: Int? = nil
    ) {
        self.id = id
        self.communityID = communityID
        self.day = day
        self.kind = kind
        self.name = name
        self.worksAsWeekday = worksAsWeekday
    }
}

/// A recurring slot ("every Tuesday and Friday 19:00–21:00, route 3, 3 people").
public struct SlotTemplate: Hashable, Sendable, Codable {
    public var id: ID<SlotTemplate>
    public var communityID: ID<Community>
    public var serviceTypeID: ID<ServiceType>
    public var placeID: ID<Place>?
    public var teamID: ID<PatrolTeam>?
    /// ISO weekdays, 1 = Monday.
    public var weekdays: [Int]
    public var startMinute: Int
    public var minutes: Int
    public var headcountMin: Int
    public var headcountMax: Int
    public var validFrom: LocalDate
    public var validUntil: LocalDate?
    public var skipHolidays: Bool
    public var isActive: Bool
    public init(
        id: ID<SlotTemplate> = ID(), communityID: ID<Community>, serviceTypeID: ID<ServiceType>, placeID: ID<Place>? = nil,
        teamID: ID<PatrolTeam>? = nil, weekdays: [Int], startMinute: Int, minutes: Int, headcountMin: Int,
        headcountMax: Int, validFrom: LocalDate, validUntil: LocalDate? = nil, skipHolidays: Bool = true,
        isActive: Bool = true
    ) {
        self.id = id
        self.communityID = communityID
        self.serviceTypeID = serviceTypeID
        self.placeID = placeID
        self.teamID = teamID
        self.weekdays = weekdays
        self.startMinute = startMinute
        self.minutes = minutes
        self.headcountMin = headcountMin
        self.headcountMax = headcountMax
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.skipHolidays = skipHolidays
        self.isActive = isActive
    }
}

/// Whether a slot still runs.
public enum SlotStatus: String, Sendable, Codable, CaseIterable {
    case open, cancelled
}

/// A dated interval at a place for a service, needing a number of people.
public struct Slot: Hashable, Sendable, Codable {
    public var id: ID<Slot>
    public var communityID: ID<Community>
    public var serviceTypeID: ID<ServiceType>
    public var placeID: ID<Place>?
    public var teamID: ID<PatrolTeam>?
    public var templateID: ID<SlotTemplate>?
    public var start: Date
    public var end: Date
    public var headcountMin: Int
    public var headcountMax: Int
    public var status: SlotStatus
    public var note: String?
    public var version: Int
    public init(
        id: ID<Slot> = ID(), communityID: ID<Community>, serviceTypeID: ID<ServiceType>, placeID: ID<Place>? = nil,
        teamID: ID<PatrolTeam>? = nil, templateID: ID<SlotTemplate>? = nil, start: Date, end: Date, headcountMin: Int,
        headcountMax: Int, status: SlotStatus = .open, note: String? = nil, version: Int = 1
    ) {
        self.id = id
        self.communityID = communityID
        self.serviceTypeID = serviceTypeID
        self.placeID = placeID
        self.teamID = teamID
        self.templateID = templateID
        self.start = start
        self.end = end
        self.headcountMin = headcountMin
        self.headcountMax = headcountMax
        self.status = status
        self.note = note
        self.version = version
    }
}

/// Where a booking is in its life.
public enum BookingState: String, Sendable, Codable, CaseIterable {
    case requested, scheduled, done, cancelled
    case noShow = "no_show"
}

/// An interval in which a visit may take place.
public struct TimeWindow: Hashable, Sendable, Codable {
    public var start: Date
    public var end: Date
    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

/// A home visit requested for a resident by desk staff; it becomes a slot when scheduled.
public struct Booking: Hashable, Sendable, Codable {
    public var id: ID<Booking>
    public var communityID: ID<Community>
    public var residentID: ID<Resident>
    public var serviceTypeID: ID<ServiceType>
    public var minutes: Int
    public var windows: [TimeWindow]
    public var notes: String?
    public var state: BookingState
    public var stateReason: String?
    public var slotID: ID<Slot>?
    public var recurrenceID: ID<BookingRecurrence>?
    public var bookedBy: ID<User>?
    public var bookedAt: Date?
    public var version: Int
    public init(
        id: ID<Booking> = ID(), communityID: ID<Community>, residentID: ID<Resident>, serviceTypeID: ID<ServiceType>,
        minutes: Int, windows: [TimeWindow], notes: String? = nil, state: BookingState = .requested,
        stateReason: String? = nil, slotID: ID<Slot>? = nil, recurrenceID: ID<BookingRecurrence>? = nil,
        bookedBy: ID<User>? = nil, bookedAt: Date? = nil, version: Int = 1
    ) {
        self.id = id
        self.communityID = communityID
        self.residentID = residentID
        self.serviceTypeID = serviceTypeID
        self.minutes = minutes
        self.windows = windows
        self.notes = notes
        self.state = state
        self.stateReason = stateReason
        self.slotID = slotID
        self.recurrenceID = recurrenceID
        self.bookedBy = bookedBy
        self.bookedAt = bookedAt
        self.version = version
    }
}

/// A standing request ("every Wednesday morning 陪聊").
public struct BookingRecurrence: Hashable, Sendable, Codable {
    public var id: ID<BookingRecurrence>
    public var communityID: ID<Community>
    public var residentID: ID<Resident>
    public var serviceTypeID: ID<ServiceType>
    public var weekday: Int
    public var windowStartMinute: Int
    public var windowEndMinute: Int
    public var minutes: Int
    public var validFrom: LocalDate
    public var validUntil: LocalDate?
    public var notes: String?
    public var isActive: Bool
    public init(
        id: ID<BookingRecurrence> = ID(), communityID: ID<Community>, residentID: ID<Resident>,
        serviceTypeID: ID<ServiceType>, weekday: Int, windowStartMinute: Int, windowEndMinute: Int, minutes: Int,
        validFrom: LocalDate, validUntil: LocalDate? = nil, notes: String? = nil, isActive: Bool = true
    ) {
        self.id = id
        self.communityID = communityID
        self.residentID = residentID
        self.serviceTypeID = serviceTypeID
        self.weekday = weekday
        self.windowStartMinute = windowStartMinute
        self.windowEndMinute = windowEndMinute
        self.minutes = minutes
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.notes = notes
        self.isActive = isActive
    }
}

/// A roster version's state.
public enum RosterState: String, Sendable, Codable, CaseIterable {
    case draft, published, superseded
}

/// One community's week, as a numbered version.
public struct Roster: Hashable, Sendable, Codable {
    public var id: ID<Roster>
    public var communityID: ID<Community>
    public var weekStart: LocalDate
    public var version: Int
    public var state: RosterState
    public var basedOn: ID<Roster>?
    public var publishedAt: Date?
    public init(
        id: ID<Roster> = ID(), communityID: ID<Community>, weekStart: LocalDate, version: Int, state: RosterState = .draft,
        basedOn: ID<Roster>? = nil, publishedAt: Date? = nil
    ) {
        self.id = id
        self.communityID = communityID
        self.weekStart = weekStart
        self.version = version
        self.state = state
        self.basedOn = basedOn
        self.publishedAt = publishedAt
    }
}

/// A volunteer on a slot in a roster version.
public struct Assignment: Hashable, Sendable, Codable {
    public var id: ID<Assignment>
    public var rosterID: ID<Roster>
    public var slotID: ID<Slot>
    public var volunteerID: ID<Volunteer>
    /// Hand-made: the scheduler keeps it.
    public var isPinned: Bool
    /// Part of what people have been told (the published version).
    public var isLive: Bool
    public var reason: String?
    public init(
        id: ID<Assignment> = ID(), rosterID: ID<Roster>, slotID: ID<Slot>, volunteerID: ID<Volunteer>, isPinned: Bool = false,
        isLive: Bool = false, reason: String? = nil
    ) {
        self.id = id
        self.rosterID = rosterID
        self.slotID = slotID
        self.volunteerID = volunteerID
        self.isPinned = isPinned
        self.isLive = isLive
        self.reason = reason
    }
}

/// Whether someone came.
public enum AttendanceStatus: String, Sendable, Codable, CaseIterable {
    case attended, absent, late
}

/// Attendance recorded for an assignment; it books service hours.
public struct Attendance: Hashable, Sendable, Codable {
    public var assignmentID: ID<Assignment>
    public var status: AttendanceStatus
    public var minutes: Int
    public var note: String?
    public var recordedBy: ID<User>?
    public init(
        assignmentID: ID<Assignment>, status: AttendanceStatus, minutes: Int, note: String? = nil, recordedBy: ID<User>? = nil
    ) {
        self.assignmentID = assignmentID
        self.status = status
        self.minutes = minutes
        self.note = note
        self.recordedBy = recordedBy
    }
}

/// Service hours per volunteer over a period (the 时间银行 record).
public struct HoursTotal: Hashable, Sendable, Codable {
    public var volunteerID: ID<Volunteer>
    public var minutes: Int
    public var entries: Int
    public init(volunteerID: ID<Volunteer>, minutes: Int, entries: Int) {
        self.volunteerID = volunteerID
        self.minutes = minutes
        self.entries = entries
    }
}
