import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import LinliStorage

/// A pinned assignment the loader had to leave out of the problem, and why.
public struct DroppedPin: Sendable, Codable, Hashable {
    public var slotID: ID<LinliDomain.Slot>
    public var volunteerID: ID<Volunteer>
    public var reason: String
}

/// One community's stored week as a `SchedulingProblem`, with the way back from the
/// scheduler's identifiers to database rows. Person IDs are volunteer UUIDs, slot IDs slot
/// UUIDs, kind IDs service-type codes, skill IDs skill codes (plus the loader's own
/// `team:<uuid>` and `accepted-by:<resident uuid>` skills, see `WeekProblemLoader`).
public struct WeekProblem: Sendable {
    public var communityID: ID<Community>
    public var week: LocalDate
    /// Minute 0 of the problem: Monday 00:00 in the community's time zone.
    public var horizonStart: Date
    /// The problem with Chinese names of services and skills (`problem(in:)` for English).
    public var problem: SchedulingProblem
    /// The published version (the stability reference), if any.
    public var published: Roster?
    /// The version whose pins were kept, if any.
    public var base: Roster?
    /// Reasons of the pinned assignments, stored again with them.
    public var pinReasons: [LinliScheduler.Assignment: String]
    /// Slots that had started when the week was loaded: their assignments (from the published
    /// version, else the base) are copied unchanged into a new version.
    public var frozenSlots: Set<ID<LinliDomain.Slot>>
    public var frozenAssignments: [LinliDomain.Assignment]
    /// Pins that cannot stand (the volunteer is away, inactive, lacks a valid certificate …).
    public var droppedPins: [DroppedPin]
    /// What of the stored data the scheduler's model expresses only approximately, or not at all.
    public var approximations: [String]
    var englishKinds: [ServiceKindID: String]
    var englishSkills: [SkillID: String]

    /// The problem with service and skill names in `language` (explanations use them).
    public func problem(in language: Language) -> SchedulingProblem {
        guard language == .en else { return problem }
        var out = problem
        out.kinds = out.kinds.map { ServiceKind(id: $0.id, name: englishKinds[$0.id] ?? $0.name) }
        out.skills = out.skills.map { LinliScheduler.Skill(id: $0.id, name: englishSkills[$0.id] ?? $0.name) }
        return out
    }

    public static func personID(_ volunteer: ID<Volunteer>) -> PersonID { PersonID(volunteer.description) }
    public static func slotID(_ slot: ID<LinliDomain.Slot>) -> SlotID { SlotID(slot.description) }
    public static func volunteerID(_ person: PersonID) -> ID<Volunteer>? { ID(uuidString: person.rawValue) }
    public static func slotID(_ slot: SlotID) -> ID<LinliDomain.Slot>? { ID(uuidString: slot.rawValue) }

    /// A stored roster's assignments as the scheduler sees them.
    public static func schedulerAssignments(_ assignments: [LinliDomain.Assignment]) -> [LinliScheduler.Assignment] {
        assignments.map { LinliScheduler.Assignment(person: personID($0.volunteerID), slot: slotID($0.slotID)) }
    }

    /// Slots below their wanted headcount in `assignments`, and the people missing over them.
    public func unfilled(_ assignments: [LinliScheduler.Assignment]) -> (slots: Int, people: Int) {
        var count: [SlotID: Int] = [:]
        for a in assignments { count[a.slot, default: 0] += 1 }
        var slots = 0, people = 0
        for s in problem.slots where (count[s.id] ?? 0) < s.required {
            slots += 1
            people += s.required - (count[s.id] ?? 0)
        }
        return (slots, people)
    }
}

/// Reads one community's week from the database into a `WeekProblem`.
///
/// What it maps: open slots starting in the week (service type rules, headcount min → wanted,
/// max → hard maximum, priority → under-staffing weight, the grid of the slot's place as its
/// place, the booking's resident for same-sex and continuity); active volunteers with skills
/// and certificate expiry, weekly availability, dated absences, limits, no-evening / no-night,
/// weekly target, home grid; team membership (a `team:<uuid>` skill that the team's patrols
/// require) and who may lead (队长 or experienced); residents' declined volunteers (an
/// `accepted-by:<resident>` skill everyone else holds); residents' preferred volunteers and
/// those who served them in the last weeks (continuity); weekends already worked in the month
/// (what remains of `max_weekends_per_month`); avoided days and services, and preferred days,
/// as on/off requests; the published version as the stability reference; the pins of the base
/// version. Slots that have already started keep their assignments and are not re-solved.
public struct WeekProblemLoader: Sendable {
    /// Which version's pins to keep.
    public enum PinSource: Sendable, Hashable {
        /// The newest version of the week (a draft being worked on, or the published one).
        case newest
        /// The published version (re-planning).
        case published
        /// No pins.
        case none
    }

    /// Slots starting before this are frozen; nil: the time of loading.
    public var now: Date?
    /// Weeks of history that count for continuity.
    public var recentWeeks: Int
    /// Under-staffing weight per point of service priority (1–100).
    public var underWeightPerPriority: Int
    public var weights: SoftWeights

    public init(
        now: Date? = nil, recentWeeks: Int = 4, underWeightPerPriority: Int = 20,
        weights: SoftWeights = SoftWeights(fairnessPerHour: 2, continuity: 20, travelPerChange: 3, stability: 100)
    ) {
        self.now = now
        self.recentWeeks = recentWeeks
        self.underWeightPerPriority = underWeightPerPriority
        self.weights = weights
    }

    /// How far before and after the week the loader looks for shifts already told (days).
    static let edgeDays = 14

    /// A volunteer's horizon edges from their live shifts around the week, in the week's minutes:
    /// the last shift before it and the days worked in a row up to it, the first after it and
    /// the days worked in a row from the day after the week.
    static func edges(_ shifts: [RosteringQueries.NeighbourShift], minute: (Date) -> Minute) -> HorizonEdges {
        func edge(_ s: RosteringQueries.NeighbourShift) -> EdgeShift {
            EdgeShift(
                range: MinuteRange(start: minute(s.start), end: minute(s.end)), kind: ServiceKindID(s.kindCode),
                place: s.placeKey)
        }
        let before = shifts.filter { minute($0.start) < 0 }, after = shifts.filter { minute($0.start) >= 0 }
        let daysBefore = Set(before.map { edge($0).day }), daysAfter = Set(after.map { edge($0).day })
        var runBefore = 0
        while daysBefore.contains(-1 - runBefore) { runBefore += 1 }
        var runAfter = 0
        while daysAfter.contains(7 + runAfter) { runAfter += 1 }
        return HorizonEdges(
            daysWorkedBefore: runBefore, lastBefore: before.max { $0.end < $1.end }.map(edge),
            daysWorkedAfter: runAfter, firstAfter: after.min { $0.start < $1.start }.map(edge))
    }

    /// Pin-breaking rules the loader resolves by dropping the pin.
    /// The rules of one person's own roster that pins alone can break beyond the solver's repair
    /// (it can only add to or take from the unpinned rest).
    static let personRules: Set<String> = [
        "separation", "maxShiftsPerDay", "maxMinutesPerDay", "maxMinutesPerWeek", "maxShiftsPerWeek",
        "forbiddenSuccession", "maxConsecutiveDays", "maxWeekends", "minConsecutiveDaysOff",
    ]

    /// The pins of `problem` to leave out, with the rule each breaks together with pins kept:
    /// per person, pins in the order of `rank` (then time) are kept while they break none of
    /// `personRules`; a pin of rank 0 (frozen: it has begun) is always kept.
    static func conflictingPins(
        _ problem: SchedulingProblem, rank: (LinliScheduler.Assignment) -> Int
    ) -> [LinliScheduler.Assignment: String] {
        let all = ScheduleValidator.validate(problem: problem, assignments: problem.pinned)
        let people = Set(all.violations.filter { personRules.contains($0.rule) }.compactMap(\.person))
        guard !people.isEmpty else { return [:] }
        let start = Dictionary(problem.slots.map { ($0.id, $0.range.start) }, uniquingKeysWith: min)
        var dropped: [LinliScheduler.Assignment: String] = [:]
        for person in people.sorted() {
            let pins = problem.pinned.filter { $0.person == person }.sorted {
                (rank($0), start[$0.slot] ?? 0, $0.slot.rawValue) < (rank($1), start[$1.slot] ?? 0, $1.slot.rawValue)
            }
            var kept: [LinliScheduler.Assignment] = []
            for pin in pins {
                let report = ScheduleValidator.validate(problem: problem, assignments: kept + [pin])
                if rank(pin) > 0,
                    let broken = report.violations.first(where: { $0.person == person && personRules.contains($0.rule) })
                {
                    dropped[pin] = broken.message
                } else {
                    kept.append(pin)
                }
            }
        }
        return dropped
    }

    static let staticRules: Set<String> = [
        "missingSkill", "skillExpired", "availability", "absence", "sameSex", "noEvening", "maxShiftsPerKind",
    ]

    public func load(
        community communityID: ID<Community>, week: LocalDate, pins: PinSource = .newest, on tx: Connection
    ) async throws -> WeekProblem {
        guard week.isoWeekday == 1 else {
            throw RosteringError(
                code: .invalidValue, zh: "\(week) 不是星期一（一周从星期一开始）", en: "\(week) is not a Monday (weeks start on Monday)")
        }
        let community = try await OrganisationStore().community(communityID, on: tx)
        let zone = TimeZone(identifier: community.timeZone) ?? .shanghai
        let start = week.startOfDay(in: zone), end = week.adding(days: 7).startOfDay(in: zone)
        func minute(_ date: Date) -> Minute { Int((date.timeIntervalSince(start) / 60).rounded()) }
        var notes: [String] = []

        // Catalogue (the stores see the transaction's community only).
        let skillRows = try await SkillStore().skills(on: tx).filter { $0.communityID == communityID }
        let skillCode = Dictionary(uniqueKeysWithValues: skillRows.map { ($0.id, $0.code) })
        let types = try await ServiceTypeStore().serviceTypes(includeInactive: true, on: tx)
            .filter { $0.communityID == communityID }.sorted { $0.code < $1.code }
        let typeByID = Dictionary(uniqueKeysWithValues: types.map { ($0.id, $0) })
        var skills = skillRows.map { LinliScheduler.Skill(id: SkillID($0.code), name: $0.nameZh) }
        var englishSkills = Dictionary(uniqueKeysWithValues: skillRows.map { (SkillID($0.code), $0.nameEn) })
        let kinds = types.map { ServiceKind(id: ServiceKindID($0.code), name: $0.nameZh) }
        let englishKinds = Dictionary(uniqueKeysWithValues: types.map { (ServiceKindID($0.code), $0.nameEn) })
        let gridCode = Dictionary(uniqueKeysWithValues: try await OrganisationStore().grids(on: tx).map { ($0.id, $0.code) })

        // People.
        let volunteers = try await VolunteerStore().volunteers(on: tx).filter { $0.communityID == communityID }
            .sorted { ($0.externalID ?? "\u{10FFFF}", $0.id) < ($1.externalID ?? "\u{10FFFF}", $1.id) }
        let active = Set(volunteers.map(\.id))
        // What people were told for the two weeks on either side: rules reach across the week's edges.
        let neighbours = Dictionary(
            grouping: try await RosteringQueries.neighbourShifts(
                community: communityID, from: week.adding(days: -Self.edgeDays).startOfDay(in: zone), weekStart: start,
                weekEnd: end, to: week.adding(days: 7 + Self.edgeDays).startOfDay(in: zone), on: tx),
            by: \.volunteer)
        var grants: [ID<Volunteer>: [SkillGrant]] = [:]
        for row in try await RosteringQueries.volunteerSkills(community: communityID, on: tx) {
            // expires_on is the last valid day: the certificate lapses at the next midnight.
            let expires = row.expiresOn.map { minute($0.adding(days: 1).startOfDay(in: zone)) }
            grants[row.volunteer, default: []].append(SkillGrant(skill: SkillID(row.code), expiresAt: expires))
        }
        var windows: [ID<Volunteer>: [MinuteRange]] = [:]
        for (volunteer, w) in try await RosteringQueries.availability(community: communityID, on: tx) {
            let day = w.weekday - 1
            windows[volunteer, default: []].append(
                MinuteRange(start: day * minutesPerDay + w.startMinute, end: day * minutesPerDay + w.endMinute))
            // A Sunday window past midnight reaches into this Monday.
            if w.weekday == 7 && w.endMinute > minutesPerDay {
                windows[volunteer, default: []].append(
                    MinuteRange(start: w.startMinute - minutesPerDay, end: w.endMinute - minutesPerDay))
            }
        }
        var absences: [ID<Volunteer>: [LinliScheduler.Absence]] = [:]
        let horizon = MinuteRange(start: -minutesPerDay, end: 8 * minutesPerDay)
        for a in try await RosteringQueries.absences(
            community: communityID, from: start.addingTimeInterval(-86_400), to: end.addingTimeInterval(86_400), on: tx)
        {
            let range = MinuteRange(start: max(horizon.start, minute(a.start)), end: min(horizon.end, minute(a.end)))
            guard range.length > 0 else { continue }
            absences[a.volunteerID, default: []].append(
                LinliScheduler.Absence(
                    range: range, reason: [a.reason.rawValue, a.note].compactMap { $0 }.joined(separator: ": ")))
        }
        let saturday = week.adding(days: 5)
        guard let monthStart = LocalDate(year: saturday.year, month: saturday.month, day: 1),
            let monthEnd = saturday.month == 12
                ? LocalDate(year: saturday.year + 1, month: 1, day: 1)
                : LocalDate(year: saturday.year, month: saturday.month + 1, day: 1)
        else { throw RosteringError(code: .invalidValue, zh: "无效的周 \(week)", en: "invalid week \(week)") }
        let weekendsWorked = try await RosteringQueries.weekendsWorked(
            community: communityID, monthStart: monthStart, monthEnd: monthEnd, outside: start, end,
            timeZone: community.timeZone, on: tx)

        // Teams: membership as a skill their patrols require; who may lead.
        let members = try await RosteringQueries.teamMembers(community: communityID, on: tx)
        var mayLead = Set<ID<Volunteer>>()
        var teamsOf: [ID<Volunteer>: Set<ID<PatrolTeam>>] = [:]
        for m in members {
            let skill = SkillID("team:\(m.team)")
            if englishSkills[skill] == nil {
                skills.append(LinliScheduler.Skill(id: skill, name: "\(m.teamName)队员"))
                englishSkills[skill] = "member of \(m.teamName)"
            }
            grants[m.volunteer, default: []].append(SkillGrant(skill: skill))
            teamsOf[m.volunteer, default: []].insert(m.team)
            if m.mayLead { mayLead.insert(m.volunteer) }
        }
        if teamsOf.values.contains(where: { $0.count > 1 }) {
            notes.append(
                "patrol leadership is per person: a volunteer who may lead one team counts as a leader on every patrol")
        }

        // Slots, with residents' rules.
        let slotRows = try await RosteringQueries.slots(community: communityID, from: start, to: end, on: tx)
        let residents = Array(Set(slotRows.compactMap(\.residentID))).sorted()
        var preferred: [ID<Resident>: Set<ID<Volunteer>>] = [:]
        var declined: [ID<Resident>: Set<ID<Volunteer>>] = [:]
        for p in try await RosteringQueries.residentPreferences(residents: residents, on: tx) {
            if p.prefers {
                preferred[p.resident, default: []].insert(p.volunteer)
            } else {
                declined[p.resident, default: []].insert(p.volunteer)
            }
        }
        for r in try await RosteringQueries.recentServers(
            residents: residents, from: start.addingTimeInterval(-Double(recentWeeks) * 7 * 86_400), to: start, on: tx)
        {
            preferred[r.resident, default: []].insert(r.volunteer)
        }
        for (resident, refused) in declined.sorted(by: { $0.key < $1.key }) {
            let skill = SkillID("accepted-by:\(resident)")
            skills.append(LinliScheduler.Skill(id: skill, name: "老人未谢绝"))
            englishSkills[skill] = "not declined by the resident"
            for v in volunteers where !refused.contains(v.id) { grants[v.id, default: []].append(SkillGrant(skill: skill)) }
        }

        // Versions: the published one (stability), the base (pins), the reference (frozen slots).
        let rosters = RosterStore(), assignmentStore = AssignmentStore()
        let published = try await rosters.published(community: communityID, week: week, on: tx)
        let newest = try await RosteringQueries.newestRoster(community: communityID, week: week, on: tx)
        var base: Roster?
        switch pins {
        case .newest: if let newest { base = try await rosters.roster(newest, on: tx) }
        case .published: base = published
        case .none: base = nil
        }
        func assignments(_ roster: ID<Roster>?) async throws -> [LinliDomain.Assignment] {
            guard let roster else { return [] }
            return try await assignmentStore.assignments(roster: roster, on: tx)
        }
        let publishedAssignments = try await assignments(published?.id)
        let baseAssignments = base?.id == published?.id ? publishedAssignments : try await assignments(base?.id)
        let reference = published != nil ? publishedAssignments : try await assignments(newest)

        let now = self.now ?? Date()
        let frozenSlots = Set(slotRows.filter { $0.start < now }.map(\.id))
        let frozenAssignments = reference.filter { frozenSlots.contains($0.slotID) }

        var slots: [LinliScheduler.Slot] = []
        for row in slotRows {
            guard let type = typeByID[row.serviceTypeID] else { continue }
            var required = type.requiredSkillIDs.compactMap { skillCode[$0] }.sorted().map { SkillID($0) }
            if let team = row.teamID { required.append(SkillID("team:\(team)")) }
            if let resident = row.residentID, declined[resident] != nil { required.append(SkillID("accepted-by:\(resident)")) }
            let continuity = row.residentID.map { preferred[$0] ?? [] } ?? []
            var slot = LinliScheduler.Slot(
                id: WeekProblem.slotID(row.id), kind: ServiceKindID(type.code),
                range: MinuteRange(start: minute(row.start), end: minute(row.end)), place: row.placeKey,
                requiredSkills: required, required: row.headcountMin, maxHeadcount: row.headcountMax,
                underWeight: underWeightPerPriority * type.priority, overWeight: 1, priority: type.priority,
                sameSex: type.sameSexAsResident ? row.residentSex.map(Self.sex) : nil, neverAlone: type.neverAlone,
                needsLeader: type.needsLeader, resident: row.residentID?.description,
                preferredPeople: continuity.filter { active.contains($0) }.sorted().map(WeekProblem.personID))
            if frozenSlots.contains(row.id) {
                // It has started: what was assigned stays (its headcount is set from the pins
                // below), nothing is added, and its slot rules are not judged again.
                slot.neverAlone = false
                slot.needsLeader = false
            }
            slots.append(slot)
        }
        let slotIDs = Set(slots.map(\.id))

        // People, with limits.
        var people: [Person] = []
        for v in volunteers {
            let l = v.limits
            var away = absences[v.id] ?? []
            // The model has one evening band (18:00–06:00); one of the two alone becomes daily absences.
            if l.noNight && !l.noEvening {
                for d in -1...6 {
                    away.append(
                        LinliScheduler.Absence(
                            range: MinuteRange(start: d * minutesPerDay + 22 * 60, end: d * minutesPerDay + 30 * 60),
                            reason: "no night work"))
                }
            } else if l.noEvening && !l.noNight {
                for d in 0...6 {
                    away.append(
                        LinliScheduler.Absence(
                            range: MinuteRange(start: d * minutesPerDay + 18 * 60, end: d * minutesPerDay + 22 * 60),
                            reason: "no evening work"))
                }
            }
            let weekends = l.maxWeekendsPerMonth.map { max(0, $0 - (weekendsWorked[v.id] ?? 0)) }
            let edges = (neighbours[v.id]).map { Self.edges($0, minute: minute) }
            people.append(
                Person(
                    id: WeekProblem.personID(v.id), name: v.name, sex: Self.sex(v.sex), skills: grants[v.id] ?? [],
                    isLeader: mayLead.contains(v.id), homePlace: v.homeGridID.flatMap { gridCode[$0] },
                    availability: windows[v.id].map(Self.merged), absences: away,
                    limits: PersonLimits(
                        maxMinutesPerDay: l.maxMinutesPerDay, maxMinutesPerWeek: l.maxMinutesPerWeek,
                        maxShiftsPerDay: l.maxShiftsPerDay, maxShiftsPerWeek: l.maxShiftsPerWeek,
                        maxConsecutiveDays: l.maxConsecutiveDays, maxWeekends: weekends, minRestMinutes: l.minRestMinutes,
                        noEvening: l.noEvening && l.noNight),
                    targetMinutes: l.targetMinutesPerWeek, edges: edges))
        }
        let personIDs = Set(people.map(\.id))

        // Preferences as on/off requests.
        var requests: [ShiftRequest] = []
        var placePreferences = 0, servicePreferences = 0, windowPreferences = 0
        for p in try await VolunteerStore().preferences(on: tx) {
            let person = WeekProblem.personID(p.volunteerID)
            guard personIDs.contains(person) else { continue }
            if p.placeID != nil {
                placePreferences += 1
                continue
            }
            let kind = p.serviceTypeID.flatMap { typeByID[$0] }.map { ServiceKindID($0.code) }
            if p.serviceTypeID != nil && kind == nil { continue }
            // "Wants to work" needs a day: a preferred service on any day would charge every day without it.
            if p.prefers && p.weekday == nil {
                servicePreferences += 1
                continue
            }
            if p.startMinute != nil { windowPreferences += 1 }
            for day in p.weekday.map({ [$0 - 1] }) ?? Array(0..<7) {
                requests.append(ShiftRequest(person: person, day: day, kind: kind, wantsOn: p.prefers, weight: p.weight))
            }
        }

        // Pins (and frozen assignments, fixed the same way), then the stability reference.
        var pinReasons: [LinliScheduler.Assignment: String] = [:]
        var pinned: [LinliScheduler.Assignment] = []
        var dropped: [DroppedPin] = []
        let candidates =
            frozenAssignments.map { ($0, true) }
            + baseAssignments.filter { $0.isPinned && !frozenSlots.contains($0.slotID) }.map { ($0, false) }
        var seen = Set<LinliScheduler.Assignment>()
        for (a, frozen) in candidates {
            let pair = LinliScheduler.Assignment(person: WeekProblem.personID(a.volunteerID), slot: WeekProblem.slotID(a.slotID))
            guard slotIDs.contains(pair.slot), seen.insert(pair).inserted else { continue }
            guard personIDs.contains(pair.person) else {
                if !frozen {
                    dropped.append(DroppedPin(slotID: a.slotID, volunteerID: a.volunteerID, reason: "the volunteer is inactive"))
                }
                continue
            }
            pinned.append(pair)
            if let reason = a.reason { pinReasons[pair] = reason }
        }
        var problem = SchedulingProblem(
            name: "\(community.name) \(week.isoWeekName)", horizonDays: 7, startDate: week.description, skills: skills,
            kinds: kinds, people: people, slots: slots, requests: requests,
            travelMinutes: try await RosteringQueries.longestTravel(community: communityID, on: tx),
            eveningStartsAt: 18 * 60, weights: weights,
            travelTimes: try await RosteringQueries.travelTimes(community: communityID, on: tx))
        let check = ScheduleValidator.validate(problem: problem, assignments: pinned)
        var broken: [LinliScheduler.Assignment: String] = [:]
        for v in check.violations where Self.staticRules.contains(v.rule) {
            if let person = v.person, let slot = v.slot {
                broken[LinliScheduler.Assignment(person: person, slot: slot)] = v.message
            }
        }
        for (pair, reason) in broken.sorted(by: { $0.key < $1.key }) {
            guard let slot = WeekProblem.slotID(pair.slot), let volunteer = WeekProblem.volunteerID(pair.person),
                !frozenSlots.contains(slot)
            else { continue }
            dropped.append(DroppedPin(slotID: slot, volunteerID: volunteer, reason: reason))
            pinReasons[pair] = nil
        }
        problem.pinned = pinned.filter { broken[$0] == nil }
        // Pins that only together break a rule of one person (two visits on a day that allows
        // one, a rest too short between them…) cannot all stay: no roster would be valid and
        // every solve would fail. The frozen ones stay, then those people were told of (the
        // published version), then the rest in time order, each only if it fits those kept.
        let frozenPairs = Set(WeekProblem.schedulerAssignments(frozenAssignments))
        let toldPairs = Set(WeekProblem.schedulerAssignments(publishedAssignments))
        let conflicting = Self.conflictingPins(problem) { pin in
            frozenPairs.contains(pin) ? 0 : toldPairs.contains(pin) ? 1 : 2
        }
        for (pair, reason) in conflicting.sorted(by: { $0.key < $1.key }) {
            guard let slot = WeekProblem.slotID(pair.slot), let volunteer = WeekProblem.volunteerID(pair.person) else {
                continue
            }
            dropped.append(DroppedPin(slotID: slot, volunteerID: volunteer, reason: reason))
            pinReasons[pair] = nil
        }
        problem.pinned.removeAll { conflicting[$0] != nil }
        var kept: [SlotID: Int] = [:]
        for a in problem.pinned { kept[a.slot, default: 0] += 1 }
        for i in problem.slots.indices {
            guard let id = WeekProblem.slotID(problem.slots[i].id), frozenSlots.contains(id) else { continue }
            problem.slots[i].required = kept[problem.slots[i].id] ?? 0
            problem.slots[i].maxHeadcount = kept[problem.slots[i].id] ?? 0
        }
        problem.previous = WeekProblem.schedulerAssignments(publishedAssignments).filter {
            slotIDs.contains($0.slot) && personIDs.contains($0.person)
        }

        notes.append(
            "booking windows: a visit is scheduled at its slot's fixed time; other acceptable windows are not considered")
        notes.append(
            "travel: the grid-to-grid table (\(problem.travelTimes.count) entries); a pair it does not list takes its longest time (\(problem.travelMinutes) min)"
        )
        notes.append(
            "minimum days in a row and days off are not checked across the week's edges (rest, travel, successions and maximum days in a row are, against the published weeks around it)"
        )
        if placePreferences > 0 { notes.append("\(placePreferences) preference(s) for or against a place are not expressed") }
        if servicePreferences > 0 {
            notes.append("\(servicePreferences) preference(s) for a service without a weekday are not expressed")
        }
        if windowPreferences > 0 {
            notes.append("\(windowPreferences) preference(s) with a time window count for the whole day")
        }
        return WeekProblem(
            communityID: communityID, week: week, horizonStart: start, problem: problem, published: published, base: base,
            pinReasons: pinReasons, frozenSlots: frozenSlots, frozenAssignments: frozenAssignments, droppedPins: dropped,
            approximations: notes, englishKinds: englishKinds, englishSkills: englishSkills)
    }

    static func sex(_ sex: LinliDomain.Sex) -> LinliScheduler.Sex {
        switch sex {
        case .female: return .female
        case .male: return .male
        }
    }

    /// Overlapping or touching windows joined, so a slot spanning two of them fits.
    static func merged(_ ranges: [MinuteRange]) -> [MinuteRange] {
        var out: [MinuteRange] = []
        for r in ranges.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            if let last = out.last, r.start <= last.end {
                out[out.count - 1].end = max(last.end, r.end)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
