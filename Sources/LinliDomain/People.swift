import Foundation

/// Sex, as used by the "same sex as the resident" rule of personal care.
public enum Sex: String, Sendable, Codable, CaseIterable {
    case female, male
}

/// The groups volunteers belong to (党员, 青年, 巾帼, elderly …), used in reports.
public enum VolunteerGroup: String, Sendable, Codable, CaseIterable {
    case partyMember = "party_member"
    case youth, women, elderly, resident, student
}

/// How a volunteer wants to be reminded.
public enum NotifyChannel: String, Sendable, Codable, CaseIterable {
    case sms, wecom, email, none
}

/// A volunteer's limits; nil means no limit.
public struct VolunteerLimits: Hashable, Sendable, Codable {
    public var maxMinutesPerWeek: Int?
    public var maxMinutesPerDay: Int?
    public var maxShiftsPerDay: Int?
    public var maxShiftsPerWeek: Int?
    public var maxConsecutiveDays: Int?
    public var maxWeekendsPerMonth: Int?
    public var minRestMinutes: Int?
    /// No work 18:00–22:00.
    public var noEvening: Bool
    /// No work 22:00–06:00.
    public var noNight: Bool
    public var targetMinutesPerWeek: Int?
    public init(
        maxMinutesPerWeek: Int? = nil, maxMinutesPerDay: Int? = nil, maxShiftsPerDay: Int? = nil,
        maxShiftsPerWeek: Int? = nil, maxConsecutiveDays: Int? = nil, maxWeekendsPerMonth: Int? = nil,
        minRestMinutes: Int? = nil, noEvening: Bool = false, noNight: Bool = false, targetMinutesPerWeek: Int? = nil
    ) {
        self.maxMinutesPerWeek = maxMinutesPerWeek
        self.maxMinutesPerDay = maxMinutesPerDay
        self.maxShiftsPerDay = maxShiftsPerDay
        self.maxShiftsPerWeek = maxShiftsPerWeek
        self.maxConsecutiveDays = maxConsecutiveDays
        self.maxWeekendsPerMonth = maxWeekendsPerMonth
        self.minRestMinutes = minRestMinutes
        self.noEvening = noEvening
        self.noNight = noNight
        self.targetMinutesPerWeek = targetMinutesPerWeek
    }
}

/// 志愿者: a person Linli puts into slots. Deactivated, never deleted.
public struct Volunteer: Hashable, Sendable, Codable {
    public var id: ID<Volunteer>
    public var communityID: ID<Community>
    public var externalID: String?
    public var name: String
    public var phone: String?
    public var email: String?
    public var sex: Sex
    public var birthYear: Int?
    public var homeGridID: ID<Grid>?
    public var groups: [VolunteerGroup]
    public var limits: VolunteerLimits
    public var notifyChannel: NotifyChannel
    public var isActive: Bool
    /// Increases with every change; used for optimistic concurrency.
    public var version: Int
    public init(
        id: ID<Volunteer> = ID(), communityID: ID<Community>, externalID: String? = nil, name: String, phone: String? = nil,
        email: String? = nil, sex: Sex, birthYear: Int? = nil, homeGridID: ID<Grid>? = nil, groups: [VolunteerGroup] = [],
        limits: VolunteerLimits = VolunteerLimits(), notifyChannel: NotifyChannel = .sms, isActive: Bool = true,
        version: Int = 1
    ) {
        self.id = id
        self.communityID = communityID
        self.externalID = externalID
        self.name = name
        self.phone = phone
        self.email = email
        self.sex = sex
        self.birthYear = birthYear
        self.homeGridID = homeGridID
        self.groups = groups
        self.limits = limits
        self.notifyChannel = notifyChannel
        self.isActive = isActive
        self.version = version
    }
}

/// A skill or certificate (护理员证, 急救证) a service may require.
public struct Skill: Hashable, Sendable, Codable {
    public var id: ID<Skill>
    public var communityID: ID<Community>
    public var code: String
    public var nameZh: String
    public var nameEn: String
    public var isCertificate: Bool
    public init(
        id: ID<Skill> = ID(), communityID: ID<Community>, code: String, nameZh: String, nameEn: String,
        isCertificate: Bool = false
    ) {
        self.id = id
        self.communityID = communityID
        self.code = code
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.isCertificate = isCertificate
    }
}

/// A volunteer's skill, with the certificate's number and last valid day where there is one.
public struct VolunteerSkill: Hashable, Sendable, Codable {
    public var volunteerID: ID<Volunteer>
    public var skillID: ID<Skill>
    public var certificateNumber: String?
    public var expiresOn: LocalDate?
    public init(volunteerID: ID<Volunteer>, skillID: ID<Skill>, certificateNumber: String? = nil, expiresOn: LocalDate? = nil) {
        self.volunteerID = volunteerID
        self.skillID = skillID
        self.certificateNumber = certificateNumber
        self.expiresOn = expiresOn
    }
}

/// A recurring weekly window in which a volunteer can work. ISO weekday; minutes from
/// midnight; an end past 1440 runs into the next day.
public struct AvailabilityWindow: Hashable, Sendable, Codable {
    public var weekday: Int
    public var startMinute: Int
    public var endMinute: Int
    public init(weekday: Int, startMinute: Int, endMinute: Int) {
        self.weekday = weekday
        self.startMinute = startMinute
        self.endMinute = endMinute
    }
}

/// Why a volunteer is away.
public enum AbsenceReason: String, Sendable, Codable, CaseIterable {
    case ill, away
    case dayOff = "day_off"
    case other
}

/// A dated absence (请假, 生病, 外出).
public struct Absence: Hashable, Sendable, Codable {
    public var id: ID<Absence>
    public var volunteerID: ID<Volunteer>
    public var start: Date
    public var end: Date
    public var reason: AbsenceReason
    public var note: String?
    public init(
        id: ID<Absence> = ID(), volunteerID: ID<Volunteer>, start: Date, end: Date, reason: AbsenceReason, note: String? = nil
    ) {
        self.id = id
        self.volunteerID = volunteerID
        self.start = start
        self.end = end
        self.reason = reason
        self.note = note
    }
}

/// A preferred or avoided place, service or weekday window.
public struct VolunteerPreference: Hashable, Sendable, Codable {
    public var id: ID<VolunteerPreference>
    public var volunteerID: ID<Volunteer>
    public var prefers: Bool
    public var placeID: ID<Place>?
    public var serviceTypeID: ID<ServiceType>?
    public var weekday: Int?
    public var startMinute: Int?
    public var endMinute: Int?
    public var weight: Int
    public init(
        id: ID<VolunteerPreference> = ID(), volunteerID: ID<Volunteer>, prefers: Bool, placeID: ID<Place>? = nil,
        serviceTypeID: ID<ServiceType>? = nil, weekday: Int? = nil, startMinute: Int? = nil, endMinute: Int? = nil,
        weight: Int = 1
    ) {
        self.id = id
        self.volunteerID = volunteerID
        self.prefers = prefers
        self.placeID = placeID
        self.serviceTypeID = serviceTypeID
        self.weekday = weekday
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.weight = weight
    }
}

/// 三老巡逻队: a patrol team working with the local police station.
public struct PatrolTeam: Hashable, Sendable, Codable {
    public var id: ID<PatrolTeam>
    public var communityID: ID<Community>
    public var name: String
    public var policeStation: String?
    public init(id: ID<PatrolTeam> = ID(), communityID: ID<Community>, name: String, policeStation: String? = nil) {
        self.id = id
        self.communityID = communityID
        self.name = name
        self.policeStation = policeStation
    }
}

/// A member of a patrol team; the 队长 is its leader.
public struct PatrolTeamMember: Hashable, Sendable, Codable {
    public var teamID: ID<PatrolTeam>
    public var volunteerID: ID<Volunteer>
    public var isLeader: Bool
    public var isExperienced: Bool
    public init(teamID: ID<PatrolTeam>, volunteerID: ID<Volunteer>, isLeader: Bool = false, isExperienced: Bool = false) {
        self.teamID = teamID
        self.volunteerID = volunteerID
        self.isLeader = isLeader
        self.isExperienced = isExperienced
    }
}

/// An elderly resident served by home visits. Personal data: phone, address and care notes
/// are shown only to roles that need them.
public struct Resident: Hashable, Sendable, Codable {
    public var id: ID<Resident>
    public var communityID: ID<Community>
    public var externalID: String?
    public var name: String
    public var sex: Sex
    public var birthYear: Int?
    public var gridID: ID<Grid>?
    public var placeID: ID<Place>?
    public var address: String?
    public var phone: String?
    public var familyContactName: String?
    public var familyContactPhone: String?
    /// Reminded by a staff call instead of an SMS.
    public var needsCall: Bool
    public var livesAlone: Bool
    public var careNeeds: [String]
    public var careNotes: String?
    public var isActive: Bool
    public var version: Int
    public init(
        id: ID<Resident> = ID(), communityID: ID<Community>, externalID: String? = nil, name: String, sex: Sex,
        birthYear: Int? = nil, gridID: ID<Grid>? = nil, placeID: ID<Place>? = nil, address: String? = nil,
        phone: String? = nil, familyContactName: String? = nil, familyContactPhone: String? = nil, needsCall: Bool = false,
        livesAlone: Bool = false, careNeeds: [String] = [], careNotes: String? = nil, isActive: Bool = true, version: Int = 1
    ) {
        self.id = id
        self.communityID = communityID
        self.externalID = externalID
        self.name = name
        self.sex = sex
        self.birthYear = birthYear
        self.gridID = gridID
        self.placeID = placeID
        self.address = address
        self.phone = phone
        self.familyContactName = familyContactName
        self.familyContactPhone = familyContactPhone
        self.needsCall = needsCall
        self.livesAlone = livesAlone
        self.careNeeds = careNeeds
        self.careNotes = careNotes
        self.isActive = isActive
        self.version = version
    }
}

/// A resident's preferred (结对) or declined volunteer.
public struct ResidentPreference: Hashable, Sendable, Codable {
    public var residentID: ID<Resident>
    public var volunteerID: ID<Volunteer>
    public var prefers: Bool
    public init(residentID: ID<Resident>, volunteerID: ID<Volunteer>, prefers: Bool) {
        self.residentID = residentID
        self.volunteerID = volunteerID
        self.prefers = prefers
    }
}
