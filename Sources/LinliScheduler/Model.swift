import Foundation

// MARK: - Typed identifiers

/// A string identifier tagged with the kind of thing it names, so a person ID can never be passed where a slot ID is expected.
public struct Identifier<Tag>: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The raw string form, as stored in the database or the JSON problem file.
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension Identifier: CodingKeyRepresentable {
    /// Lets dictionaries keyed by identifiers encode as JSON objects.
    public var codingKey: any CodingKey { IDKey(stringValue: rawValue) }
    public init?<T: CodingKey>(codingKey: T) { self.init(codingKey.stringValue) }
}

struct IDKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

/// Tag for person (volunteer, patrol member, caregiver) identifiers.
public enum PersonTag: Sendable {}
/// Tag for slot (shift, visit, duty) identifiers.
public enum SlotTag: Sendable {}
/// Tag for skill / certificate identifiers.
public enum SkillTag: Sendable {}
/// Tag for service kind (shift type) identifiers.
public enum ServiceKindTag: Sendable {}

/// Identifies a person.
public typealias PersonID = Identifier<PersonTag>
/// Identifies a slot.
public typealias SlotID = Identifier<SlotTag>
/// Identifies a skill or certificate.
public typealias SkillID = Identifier<SkillTag>
/// Identifies a service kind (the NRP "shift type").
public typealias ServiceKindID = Identifier<ServiceKindTag>

/// Minutes since the horizon start (Monday 00:00 Asia/Shanghai of the first week).
public typealias Minute = Int

/// Minutes in a day.
public let minutesPerDay = 1440

/// A half-open interval of minutes `[start, end)` measured from the horizon start.
public struct MinuteRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var start: Minute
    public var end: Minute
    public init(start: Minute, end: Minute) { self.start = start; self.end = end }
    /// Length in minutes (0 if empty).
    public var length: Int { max(0, end - start) }
    /// True when the two ranges share at least one minute.
    public func overlaps(_ o: MinuteRange) -> Bool { start < o.end && o.start < end }
    /// True when `o` lies completely inside this range.
    public func contains(_ o: MinuteRange) -> Bool { start <= o.start && o.end <= end }
    /// Range covering whole days `[first, last]` (inclusive day indexes).
    public static func days(_ first: Int, _ last: Int) -> MinuteRange {
        MinuteRange(start: first * minutesPerDay, end: (last + 1) * minutesPerDay)
    }
    public var description: String { "\(TimeText.clock(start))–\(TimeText.clock(end))" }
}

/// Sex, used by service rules such as "same sex as the resident" for bathing.
public enum Sex: String, Sendable, Codable, Hashable {
    case female, male
}

// MARK: - Catalogue

/// A skill or certificate that slots can require (e.g. 护理员证, first aid).
public struct Skill: Hashable, Sendable, Codable {
    public var id: SkillID
    public var name: String
    public init(id: SkillID, name: String) { self.id = id; self.name = name }
}

/// A kind of service or shift type (patrol morning, 助浴 bath visit, NRP shift "D").
public struct ServiceKind: Hashable, Sendable, Codable {
    public var id: ServiceKindID
    public var name: String
    public init(id: ServiceKindID, name: String) { self.id = id; self.name = name }
}

/// A skill held by a person, optionally with the minute its certificate expires.
public struct SkillGrant: Hashable, Sendable, Codable {
    public var skill: SkillID
    /// Minute (from horizon start) at which the certificate expires; `nil` = never.
    public var expiresAt: Minute?
    public init(skill: SkillID, expiresAt: Minute? = nil) { self.skill = skill; self.expiresAt = expiresAt }
}

/// A dated absence (leave, illness, NRP "day off").
public struct Absence: Hashable, Sendable, Codable {
    public var range: MinuteRange
    public var reason: String?
    public init(range: MinuteRange, reason: String? = nil) { self.range = range; self.reason = reason }
}

/// Hard per-person limits. `nil` means "no limit". Periods are ISO weeks of the horizon (Mon–Sun) or the whole horizon.
public struct PersonLimits: Hashable, Sendable, Codable {
    public var maxMinutesPerDay: Int?
    public var maxMinutesPerWeek: Int?
    /// Minimum total minutes over the whole horizon (NRP MinTotalMinutes).
    public var minMinutesTotal: Int?
    /// Maximum total minutes over the whole horizon (NRP MaxTotalMinutes).
    public var maxMinutesTotal: Int?
    public var maxShiftsPerDay: Int?
    public var maxShiftsPerWeek: Int?
    /// Maximum number of slots of a given kind over the horizon (NRP MaxShifts).
    public var maxShiftsPerKind: [ServiceKindID: Int]
    public var maxConsecutiveDays: Int?
    /// Every run of worked days bounded on both sides by days off inside the horizon is at least this long.
    public var minConsecutiveDays: Int?
    /// Every run of days off bounded on both sides by worked days inside the horizon is at least this long.
    public var minConsecutiveDaysOff: Int?
    /// Maximum weekends (Saturday or Sunday worked) over the horizon.
    public var maxWeekends: Int?
    /// Minimum minutes between the end of one slot and the start of the next.
    public var minRestMinutes: Int?
    /// The person asked for no evening or night work.
    public var noEvening: Bool

    public init(
        maxMinutesPerDay: Int? = nil, maxMinutesPerWeek: Int? = nil, minMinutesTotal: Int? = nil,
        maxMinutesTotal: Int? = nil, maxShiftsPerDay: Int? = nil, maxShiftsPerWeek: Int? = nil,
        maxShiftsPerKind: [ServiceKindID: Int] = [:], maxConsecutiveDays: Int? = nil,
        minConsecutiveDays: Int? = nil, minConsecutiveDaysOff: Int? = nil, maxWeekends: Int? = nil,
        minRestMinutes: Int? = nil, noEvening: Bool = false
    ) {
        self.maxMinutesPerDay = maxMinutesPerDay; self.maxMinutesPerWeek = maxMinutesPerWeek
        self.minMinutesTotal = minMinutesTotal; self.maxMinutesTotal = maxMinutesTotal
        self.maxShiftsPerDay = maxShiftsPerDay; self.maxShiftsPerWeek = maxShiftsPerWeek
        self.maxShiftsPerKind = maxShiftsPerKind; self.maxConsecutiveDays = maxConsecutiveDays
        self.minConsecutiveDays = minConsecutiveDays; self.minConsecutiveDaysOff = minConsecutiveDaysOff
        self.maxWeekends = maxWeekends; self.minRestMinutes = minRestMinutes; self.noEvening = noEvening
    }

    private enum CodingKeys: String, CodingKey {
        case maxMinutesPerDay, maxMinutesPerWeek, minMinutesTotal, maxMinutesTotal, maxShiftsPerDay, maxShiftsPerWeek
        case maxShiftsPerKind, maxConsecutiveDays, minConsecutiveDays, minConsecutiveDaysOff, maxWeekends, minRestMinutes,
            noEvening
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            maxMinutesPerDay: try c.decodeIfPresent(Int.self, forKey: .maxMinutesPerDay),
            maxMinutesPerWeek: try c.decodeIfPresent(Int.self, forKey: .maxMinutesPerWeek),
            minMinutesTotal: try c.decodeIfPresent(Int.self, forKey: .minMinutesTotal),
            maxMinutesTotal: try c.decodeIfPresent(Int.self, forKey: .maxMinutesTotal),
            maxShiftsPerDay: try c.decodeIfPresent(Int.self, forKey: .maxShiftsPerDay),
            maxShiftsPerWeek: try c.decodeIfPresent(Int.self, forKey: .maxShiftsPerWeek),
            maxShiftsPerKind: try c.decodeIfPresent([ServiceKindID: Int].self, forKey: .maxShiftsPerKind) ?? [:],
            maxConsecutiveDays: try c.decodeIfPresent(Int.self, forKey: .maxConsecutiveDays),
            minConsecutiveDays: try c.decodeIfPresent(Int.self, forKey: .minConsecutiveDays),
            minConsecutiveDaysOff: try c.decodeIfPresent(Int.self, forKey: .minConsecutiveDaysOff),
            maxWeekends: try c.decodeIfPresent(Int.self, forKey: .maxWeekends),
            minRestMinutes: try c.decodeIfPresent(Int.self, forKey: .minRestMinutes),
            noEvening: try c.decodeIfPresent(Bool.self, forKey: .noEvening) ?? false)
    }
}

/// One of a person's shifts just outside the horizon (from a roster already published), in
/// horizon minutes: negative before the horizon, past its end after it.
public struct EdgeShift: Hashable, Sendable, Codable {
    public var range: MinuteRange
    /// Its kind, for forbidden successions; nil when the problem does not know the kind.
    public var kind: ServiceKindID?
    public var place: String?
    public init(range: MinuteRange, kind: ServiceKindID? = nil, place: String? = nil) {
        self.range = range; self.kind = kind; self.place = place
    }
    /// The day it starts on, counted from the horizon's day 0 (negative before it).
    public var day: Int { Int((Double(range.start) / Double(minutesPerDay)).rounded(.down)) }
}

/// What a person already works on either side of the horizon, so that the rules which reach
/// across its edges hold there too: rest, travel and forbidden successions against the nearest
/// shift outside, and consecutive working days. A run of days worked outside the horizon alone
/// is not this roster's to fix; only days the roster adds to it count against the limit.
public struct HorizonEdges: Hashable, Sendable, Codable {
    /// Days worked in a row right before day 0 (0: the day before the horizon is off).
    public var daysWorkedBefore: Int
    /// The last shift before the horizon.
    public var lastBefore: EdgeShift?
    /// Days worked in a row from the day after the horizon (0: that day is off).
    public var daysWorkedAfter: Int
    /// The first shift after the horizon.
    public var firstAfter: EdgeShift?
    public init(daysWorkedBefore: Int = 0, lastBefore: EdgeShift? = nil, daysWorkedAfter: Int = 0, firstAfter: EdgeShift? = nil) {
        self.daysWorkedBefore = daysWorkedBefore; self.lastBefore = lastBefore
        self.daysWorkedAfter = daysWorkedAfter; self.firstAfter = firstAfter
    }
    private enum CodingKeys: String, CodingKey { case daysWorkedBefore, lastBefore, daysWorkedAfter, firstAfter }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            daysWorkedBefore: try c.decodeIfPresent(Int.self, forKey: .daysWorkedBefore) ?? 0,
            lastBefore: try c.decodeIfPresent(EdgeShift.self, forKey: .lastBefore),
            daysWorkedAfter: try c.decodeIfPresent(Int.self, forKey: .daysWorkedAfter) ?? 0,
            firstAfter: try c.decodeIfPresent(EdgeShift.self, forKey: .firstAfter))
    }
}

/// A volunteer, patrol member or caregiver who can be assigned to slots.
public struct Person: Hashable, Sendable, Codable {
    public var id: PersonID
    public var name: String
    public var sex: Sex?
    public var skills: [SkillGrant]
    /// Patrol leader (队长) or experienced member, for slots that need a leader.
    public var isLeader: Bool
    /// Home grid (网格), used for travel.
    public var homePlace: String?
    /// Windows in which the person is available; `nil` = available at any time.
    public var availability: [MinuteRange]?
    public var absences: [Absence]
    public var limits: PersonLimits
    /// Target minutes for fairness over the horizon (soft); `nil` = no target.
    public var targetMinutes: Int?
    /// Shifts already worked just before and after the horizon; `nil` = none.
    public var edges: HorizonEdges?

    public init(
        id: PersonID, name: String, sex: Sex? = nil, skills: [SkillGrant] = [], isLeader: Bool = false,
        homePlace: String? = nil, availability: [MinuteRange]? = nil, absences: [Absence] = [],
        limits: PersonLimits = PersonLimits(), targetMinutes: Int? = nil, edges: HorizonEdges? = nil
    ) {
        self.id = id; self.name = name; self.sex = sex; self.skills = skills; self.isLeader = isLeader
        self.homePlace = homePlace; self.availability = availability; self.absences = absences
        self.limits = limits; self.targetMinutes = targetMinutes; self.edges = edges
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, sex, skills, isLeader, homePlace, availability, absences, limits, targetMinutes, edges
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(PersonID.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            sex: try c.decodeIfPresent(Sex.self, forKey: .sex),
            skills: try c.decodeIfPresent([SkillGrant].self, forKey: .skills) ?? [],
            isLeader: try c.decodeIfPresent(Bool.self, forKey: .isLeader) ?? false,
            homePlace: try c.decodeIfPresent(String.self, forKey: .homePlace),
            availability: try c.decodeIfPresent([MinuteRange].self, forKey: .availability),
            absences: try c.decodeIfPresent([Absence].self, forKey: .absences) ?? [],
            limits: try c.decodeIfPresent(PersonLimits.self, forKey: .limits) ?? PersonLimits(),
            targetMinutes: try c.decodeIfPresent(Int.self, forKey: .targetMinutes),
            edges: try c.decodeIfPresent(HorizonEdges.self, forKey: .edges))
    }
}

/// A unit of work to staff: a patrol shift, a home visit, a duty shift, or one NRP (day, shift type) cover requirement.
public struct Slot: Hashable, Sendable, Codable {
    public var id: SlotID
    public var kind: ServiceKindID
    public var range: MinuteRange
    /// Place / grid (网格) where the work happens; travel applies between different places.
    public var place: String?
    public var requiredSkills: [SkillID]
    /// Wanted headcount. Each missing person costs `underWeight`; each extra one `overWeight`.
    public var required: Int
    /// Hard maximum headcount (`nil` = no hard maximum).
    public var maxHeadcount: Int?
    public var underWeight: Int
    public var overWeight: Int
    /// 0 = normal; higher = more important (used for explanations and re-plan ordering).
    public var priority: Int
    /// Only people of this sex may take it (same sex as the resident).
    public var sameSex: Sex?
    /// If staffed at all, it must have at least two people (patrols are never alone).
    public var neverAlone: Bool
    /// If staffed at all, at least one assigned person must be a leader.
    public var needsLeader: Bool
    /// Resident served (home-care visits), used for continuity.
    public var resident: String?
    /// People the resident prefers or who served them recently: assigning one earns `continuityWeight` less cost.
    public var preferredPeople: [PersonID]
    /// Booking this slot is one acceptable time of. Slots sharing a booking are alternatives (one per
    /// allowed start inside the booking's windows, see `Slot.alternatives`): at most one of them is
    /// staffed (hard), and the booking's headcount — the first alternative's `required` and weights —
    /// counts the people on all of them.
    public var booking: String?

    public init(
        id: SlotID, kind: ServiceKindID, range: MinuteRange, place: String? = nil, requiredSkills: [SkillID] = [],
        required: Int = 1, maxHeadcount: Int? = nil, underWeight: Int = 100, overWeight: Int = 1,
        priority: Int = 0, sameSex: Sex? = nil, neverAlone: Bool = false, needsLeader: Bool = false,
        resident: String? = nil, preferredPeople: [PersonID] = [], booking: String? = nil
    ) {
        self.booking = booking
        self.id = id; self.kind = kind; self.range = range; self.place = place; self.requiredSkills = requiredSkills
        self.required = required; self.maxHeadcount = maxHeadcount; self.underWeight = underWeight
        self.overWeight = overWeight; self.priority = priority; self.sameSex = sameSex; self.neverAlone = neverAlone
        self.needsLeader = needsLeader; self.resident = resident; self.preferredPeople = preferredPeople
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, range, place, requiredSkills, required, maxHeadcount, underWeight, overWeight, priority, sameSex
        case neverAlone, needsLeader, resident, preferredPeople, booking
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(SlotID.self, forKey: .id), kind: try c.decode(ServiceKindID.self, forKey: .kind),
            range: try c.decode(MinuteRange.self, forKey: .range), place: try c.decodeIfPresent(String.self, forKey: .place),
            requiredSkills: try c.decodeIfPresent([SkillID].self, forKey: .requiredSkills) ?? [],
            required: try c.decodeIfPresent(Int.self, forKey: .required) ?? 1,
            maxHeadcount: try c.decodeIfPresent(Int.self, forKey: .maxHeadcount),
            underWeight: try c.decodeIfPresent(Int.self, forKey: .underWeight) ?? 100,
            overWeight: try c.decodeIfPresent(Int.self, forKey: .overWeight) ?? 1,
            priority: try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0,
            sameSex: try c.decodeIfPresent(Sex.self, forKey: .sameSex),
            neverAlone: try c.decodeIfPresent(Bool.self, forKey: .neverAlone) ?? false,
            needsLeader: try c.decodeIfPresent(Bool.self, forKey: .needsLeader) ?? false,
            resident: try c.decodeIfPresent(String.self, forKey: .resident),
            preferredPeople: try c.decodeIfPresent([PersonID].self, forKey: .preferredPeople) ?? [],
            booking: try c.decodeIfPresent(String.self, forKey: .booking))
    }

    /// The alternatives of a booking whose visit may start inside any of `windows`: one slot per
    /// allowed start (every `step` minutes from each window's start, up to its end), each as long as
    /// this slot, with ID `<id>@<minute>` and `booking` set to this slot's ID.
    public func alternatives(startingIn windows: [MinuteRange], step: Int) -> [Slot] {
        let length = range.length, step = max(1, step)
        var starts: [Minute] = []
        for w in windows {
            var t = w.start
            while t < w.end { if !starts.contains(t) { starts.append(t) }; t += step }
        }
        return starts.sorted().map { t in
            var s = self
            s.id = SlotID("\(id.rawValue)@\(t)")
            s.range = MinuteRange(start: t, end: t + length)
            s.booking = id.rawValue
            return s
        }
    }

    /// Day index (0-based) the slot starts on.
    public var day: Int { range.start >= 0 ? range.start / minutesPerDay : (range.start - minutesPerDay + 1) / minutesPerDay }
}

/// One person working one slot.
public struct Assignment: Hashable, Sendable, Codable, Comparable {
    public var person: PersonID
    public var slot: SlotID
    public init(person: PersonID, slot: SlotID) { self.person = person; self.slot = slot }
    public static func < (a: Self, b: Self) -> Bool { (a.person, a.slot) < (b.person, b.slot) }
}

/// A person's wish to work (on) or not to work (off) on a day, optionally a given kind; soft, weighted.
public struct ShiftRequest: Hashable, Sendable, Codable {
    public var person: PersonID
    public var day: Int
    /// `nil` = any kind.
    public var kind: ServiceKindID?
    /// true = wants to work that (kind on that) day; false = wants it off.
    public var wantsOn: Bool
    public var weight: Int
    public init(person: PersonID, day: Int, kind: ServiceKindID?, wantsOn: Bool, weight: Int) {
        self.person = person; self.day = day; self.kind = kind; self.wantsOn = wantsOn; self.weight = weight
    }
}

/// Hard rule: a slot of kind `first` may not be followed (same day later, or the next day) by one of kind `then`.
public struct ForbiddenSuccession: Hashable, Sendable, Codable {
    public var first: ServiceKindID
    public var then: ServiceKindID
    public init(first: ServiceKindID, then: ServiceKindID) { self.first = first; self.then = then }
}

/// Minutes needed to get from one place (grid) to another; an entry of the travel-time matrix.
public struct TravelTime: Hashable, Sendable, Codable {
    public var from: String
    public var to: String
    public var minutes: Int
    public init(from: String, to: String, minutes: Int) { self.from = from; self.to = to; self.minutes = minutes }
}

/// Weights of the soft rules that are not per slot or per request. Zero switches a rule off.
public struct SoftWeights: Hashable, Sendable, Codable {
    /// Per hour of |worked − target| for people with a target.
    public var fairnessPerHour: Int
    /// Saved per assignment of a slot to one of its preferred people (continuity, 结对帮扶).
    public var continuity: Int
    /// Per extra place a person visits in a day (grid changes).
    public var travelPerChange: Int
    /// Per assignment added or removed versus `SchedulingProblem.previous` (re-plan stability).
    public var stability: Int
    public init(fairnessPerHour: Int = 2, continuity: Int = 20, travelPerChange: Int = 3, stability: Int = 50) {
        self.fairnessPerHour = fairnessPerHour; self.continuity = continuity
        self.travelPerChange = travelPerChange; self.stability = stability
    }
    /// All zero: only cover and requests count (the NRP benchmark objective).
    public static let none = SoftWeights(fairnessPerHour: 0, continuity: 0, travelPerChange: 0, stability: 0)
}

/// One community's scheduling horizon: everything the solver needs, and the versioned JSON problem format.
public struct SchedulingProblem: Sendable, Codable, Hashable {
    /// JSON format version; see docs/scheduler.md.
    public static let formatVersion = 1
    public var version: Int
    public var name: String
    /// Number of days in the horizon; day 0 is a Monday.
    public var horizonDays: Int
    /// Calendar date of day 0 (`yyyy-MM-dd`, Asia/Shanghai), informational.
    public var startDate: String?
    public var skills: [Skill]
    public var kinds: [ServiceKind]
    public var people: [Person]
    public var slots: [Slot]
    public var pinned: [Assignment]
    public var requests: [ShiftRequest]
    public var forbiddenSuccessions: [ForbiddenSuccession]
    /// Minutes needed to move between two different places (grids) that `travelTimes` does not list.
    public var travelMinutes: Int
    /// Travel-time matrix between places (optional, format version 1 readers without it still work): an
    /// entry applies in both directions unless the reverse direction has an entry of its own.
    public var travelTimes: [TravelTime]
    /// Minute of the day from which a slot counts as evening/night (default 18:00); also before 06:00.
    public var eveningStartsAt: Int
    /// Published roster this is a re-plan of (for stability).
    public var previous: [Assignment]
    public var weights: SoftWeights

    public init(
        name: String, horizonDays: Int, startDate: String? = nil, skills: [Skill] = [], kinds: [ServiceKind],
        people: [Person], slots: [Slot], pinned: [Assignment] = [], requests: [ShiftRequest] = [],
        forbiddenSuccessions: [ForbiddenSuccession] = [], travelMinutes: Int = 0,
        eveningStartsAt: Int = 18 * 60, previous: [Assignment] = [], weights: SoftWeights = SoftWeights(),
        travelTimes: [TravelTime] = []
    ) {
        self.travelTimes = travelTimes
        self.version = Self.formatVersion; self.name = name; self.horizonDays = horizonDays; self.startDate = startDate
        self.skills = skills; self.kinds = kinds; self.people = people; self.slots = slots; self.pinned = pinned
        self.requests = requests; self.forbiddenSuccessions = forbiddenSuccessions; self.travelMinutes = travelMinutes
        self.eveningStartsAt = eveningStartsAt; self.previous = previous; self.weights = weights
    }

    private enum CodingKeys: String, CodingKey {
        case version, name, horizonDays, startDate, skills, kinds, people, slots, pinned, requests, forbiddenSuccessions
        case travelMinutes, eveningStartsAt, previous, weights, travelTimes
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decodeIfPresent(String.self, forKey: .name) ?? "",
            horizonDays: try c.decode(Int.self, forKey: .horizonDays),
            startDate: try c.decodeIfPresent(String.self, forKey: .startDate),
            skills: try c.decodeIfPresent([Skill].self, forKey: .skills) ?? [],
            kinds: try c.decode([ServiceKind].self, forKey: .kinds),
            people: try c.decode([Person].self, forKey: .people),
            slots: try c.decode([Slot].self, forKey: .slots),
            pinned: try c.decodeIfPresent([Assignment].self, forKey: .pinned) ?? [],
            requests: try c.decodeIfPresent([ShiftRequest].self, forKey: .requests) ?? [],
            forbiddenSuccessions: try c.decodeIfPresent([ForbiddenSuccession].self, forKey: .forbiddenSuccessions) ?? [],
            travelMinutes: try c.decodeIfPresent(Int.self, forKey: .travelMinutes) ?? 0,
            eveningStartsAt: try c.decodeIfPresent(Int.self, forKey: .eveningStartsAt) ?? 18 * 60,
            previous: try c.decodeIfPresent([Assignment].self, forKey: .previous) ?? [],
            weights: try c.decodeIfPresent(SoftWeights.self, forKey: .weights) ?? SoftWeights(),
            travelTimes: try c.decodeIfPresent([TravelTime].self, forKey: .travelTimes) ?? [])
        version = try c.decode(Int.self, forKey: .version)
    }

    /// Minutes to travel from place `a` to place `b`: 0 for the same or an unknown place, else the
    /// matrix entry (either direction, the exact direction first), else `travelMinutes`.
    public func travelTime(from a: String?, to b: String?) -> Int {
        guard let a, let b, a != b else { return 0 }
        if let t = travelTimes.first(where: { $0.from == a && $0.to == b }) { return t.minutes }
        if let t = travelTimes.first(where: { $0.from == b && $0.to == a }) { return t.minutes }
        return travelMinutes
    }

    /// True if the slot touches the evening/night band (after `eveningStartsAt` or before 06:00).
    public func isEvening(_ r: MinuteRange) -> Bool {
        let dayStart = (r.start >= 0 ? r.start / minutesPerDay : (r.start - minutesPerDay + 1) / minutesPerDay) * minutesPerDay
        let s = r.start - dayStart, e = r.end - dayStart
        return s < 6 * 60 || e > eveningStartsAt
    }

    /// Decodes a problem from its JSON form, checking the format version.
    public static func decode(json: Data) throws -> SchedulingProblem {
        let p = try JSONDecoder().decode(SchedulingProblem.self, from: json)
        guard p.version == formatVersion else { throw SchedulerError.unsupportedVersion(p.version) }
        return p
    }
    /// Encodes the problem as pretty, key-sorted JSON.
    public func encodeJSON() throws -> Data {
        let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}

/// Errors raised by the scheduler library.
public enum SchedulerError: Error, Equatable, Sendable, CustomStringConvertible {
    case parse(line: Int, message: String)
    case unsupportedVersion(Int)
    case invalidProblem(String)
    public var description: String {
        switch self {
        case let .parse(line, message): return "line \(line): \(message)"
        case let .unsupportedVersion(v):
            return "unsupported format version \(v) (this build reads version \(SchedulingProblem.formatVersion))"
        case let .invalidProblem(m): return "invalid problem: \(m)"
        }
    }
}

/// Formatting of minute offsets as weekday and clock text in Chinese or English.
public enum TimeText {
    public static func clock(_ m: Minute) -> String {
        let mm = ((m % minutesPerDay) + minutesPerDay) % minutesPerDay
        let h = mm / 60, mi = mm % 60
        let hs = h < 10 ? "0\(h)" : "\(h)", ms = mi < 10 ? "0\(mi)" : "\(mi)"
        return "\(hs):\(ms)"
    }
    public static func weekday(day: Int, language: Language) -> String {
        let wd = ((day % 7) + 7) % 7
        switch language {
        case .zh: return ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][wd]
        case .en: return ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][wd]
        }
    }
    /// e.g. "Tue 09:00–11:00" / "周二 09:00–11:00"; day index added for horizons longer than a week.
    public static func slotTime(_ r: MinuteRange, horizonDays: Int, language: Language) -> String {
        let d = r.start / minutesPerDay
        let wk = horizonDays > 7 ? (language == .zh ? "第\(d / 7 + 1)周" : "wk\(d / 7 + 1) ") : ""
        return "\(wk)\(weekday(day: d, language: language)) \(clock(r.start))–\(clock(r.end))"
    }
}

/// Output language for explanations.
public enum Language: String, Sendable, Codable { case zh, en }
