import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import LinliStorage

/// A visit proposed at the service desk: stored until confirmed or expired (the id confirms it).
public struct VisitProposal: Sendable {
    public var id: ID<VisitProposal>
    /// The visit proposed, nil when nothing fits the windows.
    public var visit: ProposedVisit?
    /// Other times that would work: inside the windows when a visit was found, else the nearest
    /// outside them (the same days at other hours, then the following days).
    public var alternatives: [ProposedVisit]
    /// Why nothing fits, one line per window tried, in Chinese and English (empty when a visit was found).
    public var reasons: [LocalizedReason]
    public var expiresAt: Date?
}

/// A time for the visit and who would go.
public struct ProposedVisit: Sendable, Hashable {
    public var start: Date
    public var end: Date
    /// Names and ids only: the desk sees no more of a volunteer.
    public var volunteers: [ProposedVolunteer]
}

/// One volunteer of a proposed visit.
public struct ProposedVolunteer: Sendable, Hashable {
    public var id: ID<Volunteer>
    public var name: String
}

/// A reason in both languages, for a response in either.
public struct LocalizedReason: Sendable, Hashable {
    public var zh: String
    public var en: String
}

/// What the desk asks for: a resident, a service and the times the resident accepts.
public struct VisitRequest: Sendable {
    public var communityID: ID<Community>
    public var residentID: ID<Resident>
    public var serviceTypeID: ID<ServiceType>
    /// Length of the visit; the service's default when nil.
    public var minutes: Int?
    public var windows: [TimeWindow]
    public var notes: String?
    public var requestedBy: ID<User>?
    /// The booking this one would replace (a move): its time does not count as taken.
    public var replacing: ID<Booking>?

    public init(
        communityID: ID<Community>, residentID: ID<Resident>, serviceTypeID: ID<ServiceType>, minutes: Int?,
        windows: [TimeWindow], notes: String?, requestedBy: ID<User>? = nil, replacing: ID<Booking>? = nil
    ) {
        self.replacing = replacing
        self.communityID = communityID
        self.residentID = residentID
        self.serviceTypeID = serviceTypeID
        self.minutes = minutes
        self.windows = windows
        self.notes = notes
        self.requestedBy = requestedBy
    }
}

/// A proposal as stored, read back by the confirmation.
public struct StoredProposal: Sendable {
    public var id: ID<VisitProposal>
    public var communityID: ID<Community>
    public var residentID: ID<Resident>
    public var serviceTypeID: ID<ServiceType>
    public var minutes: Int
    public var notes: String?
    public var windows: [TimeWindow]
    public var start: Date
    public var end: Date
    public var volunteerIDs: [ID<Volunteer>]
    public var rosterID: ID<Roster>
    public var bookingID: ID<Booking>?
    public var createdBy: ID<User>?
    public var expiresAt: Date
}

/// Why a confirmation was refused, for a 404, 409 or 410 in the API.
public struct BookingDeskError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable { case notFound, expired, alreadyConfirmed, taken, rosterChanged, residentBusy }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// No such proposal in this community.
        public static let notFound = Code(.notFound)
        /// The proposal is too old, or its time has begun.
        public static let expired = Code(.expired)
        /// It was confirmed already (the booking is named).
        public static let alreadyConfirmed = Code(.alreadyConfirmed)
        /// A volunteer can no longer take the visit: a clash or another rule (named in the message).
        public static let taken = Code(.taken)
        /// The week's published roster is no longer the one the proposal was made against.
        public static let rosterChanged = Code(.rosterChanged)
        /// The resident already has a visit at that time.
        public static let residentBusy = Code(.residentBusy)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var zh: String
    public var en: String
    public var description: String { "\(zh) / \(en)" }

    public init(code: Code, zh: String, en: String) {
        self.code = code
        self.zh = zh
        self.en = en
    }
}

/// The booking desk: proposes a visit for a resident inside the windows they accept, with the
/// scheduler's suggestion against the week's published roster (every hard rule of the scheduler
/// holds: availability, absences, skills, same sex, limits, rest and travel, clashes with
/// published assignments), or says why nothing fits and offers the nearest times that would.
///
/// Candidate times step through each window every `stepMinutes`; all candidates of a week are
/// judged with one compilation of the week's problem (`Explainer.suggestEach`). The chosen one is
/// the cheapest for the roster (the scheduler's soft score: fairness, continuity, travel), the
/// earliest on ties.
public struct BookingDesk: Sendable {
    public var loader: WeekProblemLoader
    public var stepMinutes: Int
    /// How long a proposal may be confirmed.
    public var validFor: TimeInterval
    public var now: @Sendable () -> Date
    /// Weeks loaded by earlier proposals, reused while nothing they were loaded from has changed;
    /// nil: every proposal loads its weeks. (The confirmation always re-checks against the
    /// database in its own transaction.)
    public var cache: WeekCache?

    public init(
        loader: WeekProblemLoader = WeekProblemLoader(), stepMinutes: Int = 30, validFor: TimeInterval = 15 * 60,
        cache: WeekCache? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.loader = loader
        self.cache = cache
        self.stepMinutes = stepMinutes
        self.validFor = validFor
        self.now = now
    }

    /// At most this many candidate times per request (a week of windows at 30-minute steps).
    static let maxCandidates = 336
    static let maxAlternatives = 3

    /// A candidate time of the visit.
    struct Candidate {
        var start: Date
        var end: Date
        /// Minutes from the nearest window (0 inside one): how far an alternative is.
        var distance: Int
    }

    /// Finds a visit for `request` and stores it as a proposal (in `tx`, which must be the
    /// request's community scope).
    public func propose(_ request: VisitRequest, on tx: Connection) async throws -> VisitProposal {
        let context = try await Context.load(request, now: now(), on: tx)
        let windows = request.windows.sorted { $0.start < $1.start }
        let all = candidates(windows, minutes: context.minutes, zone: context.zone, widen: false)
        // A resident has one visit at a time: times overlapping one they already have are out.
        let inside = all.filter { !context.isBusy($0) }
        var result = try await evaluate(inside, context: context, on: tx)
        if inside.count < all.count, let visit = all.lazy.compactMap({ context.busyVisit($0) }).first {
            result.reasons.append(Self.residentBusy(context.resident.name, visit, context.zone))
        }
        let found = result.options.sorted { ($0.cost, $0.visit.start) < ($1.cost, $1.visit.start) }
        if let best = found.first {
            let id = ID<VisitProposal>()
            let expires = now().addingTimeInterval(validFor)
            try await RosteringQueries.insertProposal(
                StoredProposal(
                    id: id, communityID: request.communityID, residentID: request.residentID,
                    serviceTypeID: request.serviceTypeID, minutes: context.minutes, notes: request.notes,
                    windows: request.windows, start: best.visit.start, end: best.visit.end,
                    volunteerIDs: best.visit.volunteers.map(\.id), rosterID: best.roster, bookingID: nil,
                    createdBy: request.requestedBy, expiresAt: expires), on: tx)
            var seen: Set<Date> = [best.visit.start]
            let others = found.dropFirst().filter { seen.insert($0.visit.start).inserted }.prefix(Self.maxAlternatives)
            return VisitProposal(
                id: id, visit: best.visit, alternatives: others.map(\.visit), reasons: [], expiresAt: expires)
        }
        // Nothing inside the windows: the same days at other hours, then the next days.
        let outside = candidates(windows, minutes: context.minutes, zone: context.zone, widen: true).filter {
            !context.isBusy($0)
        }
        let near = try await evaluate(outside, context: context, on: tx).options
        var seen = Set<Date>()
        let alternatives = near.sorted { ($0.distance, $0.cost, $0.visit.start) < ($1.distance, $1.cost, $1.visit.start) }
            .filter { seen.insert($0.visit.start).inserted }.prefix(Self.maxAlternatives).map(\.visit)
        if all.isEmpty {
            result.reasons.append(
                LocalizedReason(
                    zh: "时间段内排不下 \(context.minutes) 分钟的服务，或时间已过",
                    en: "no \(context.minutes)-minute visit fits in the windows, or they have passed"))
        }
        return VisitProposal(
            id: ID(), visit: nil, alternatives: Array(alternatives), reasons: result.reasons, expiresAt: nil)
    }

    // MARK: - Confirming

    /// Checks, inside the confirming transaction after the slot and its assignments were written,
    /// that each proposed volunteer may still take the visit under every hard rule against the
    /// published roster as it now is. Throws `.taken` naming what is in the way.
    public func recheck(
        _ proposal: StoredProposal, slot: ID<LinliDomain.Slot>, week: LocalDate, on tx: Connection
    ) async throws {
        let loaded = try await loader.load(community: proposal.communityID, week: week, pins: .none, on: tx)
        let slotID = WeekProblem.slotID(slot)
        let zh = loaded.problem, en = loaded.problem(in: .en)
        let others = loaded.problem.previous.filter { $0.slot != slotID }
        for volunteer in proposal.volunteerIDs {
            let person = WeekProblem.personID(volunteer)
            let broken = Explainer.violations(problem: zh, assignments: others, person: person, adding: slotID)
            guard !broken.isEmpty else { continue }
            let name = zh.people.first { $0.id == person }?.name ?? volunteer.description
            let explained = try Explainer.explain(problem: zh, assignments: others, slot: slotID, language: .zh)
            let explainedEn = try Explainer.explain(problem: en, assignments: others, slot: slotID, language: .en)
            let why = explained.blocked.first { $0.person == person }?.reasons ?? broken.map(\.message)
            let whyEn = explainedEn.blocked.first { $0.person == person }?.reasons ?? broken.map(\.message)
            throw BookingDeskError(
                code: .taken, zh: "\(name) 已不能接这次上门：\(why.joined(separator: "；"))",
                en: "\(name) can no longer take the visit: \(whyEn.joined(separator: "; "))")
        }
    }

    /// The proposal `id`, locked for the confirmation; refuses one unknown, used or expired.
    public func lockForConfirmation(_ id: ID<VisitProposal>, on tx: Connection) async throws -> StoredProposal {
        guard let proposal = try await RosteringQueries.lockProposal(id, on: tx) else {
            throw BookingDeskError(code: .notFound, zh: "没有这个预约建议", en: "There is no such proposal")
        }
        if let booking = proposal.bookingID {
            throw BookingDeskError(
                code: .alreadyConfirmed, zh: "该建议已确认为预约 \(booking)",
                en: "The proposal was already confirmed as booking \(booking)")
        }
        guard proposal.expiresAt > now(), proposal.start > now() else {
            throw BookingDeskError(
                code: .expired, zh: "该建议已过期，请重新查询", en: "The proposal has expired; ask for a new one")
        }
        return proposal
    }

    /// Refuses a visit at [start, end) when the resident already has one then (but `replacing`),
    /// after locking the resident's row so that two confirmations for one resident queue.
    public func checkResidentFree(
        _ proposal: StoredProposal, name: String, replacing: ID<Booking>?, zone: TimeZone, on tx: Connection
    ) async throws {
        guard
            let visit = try await RosteringQueries.residentVisits(
                proposal.residentID, from: proposal.start, to: proposal.end, excluding: replacing, lock: true, on: tx
            ).first
        else { return }
        let reason = Self.residentBusy(name, visit, zone)
        throw BookingDeskError(code: .residentBusy, zh: reason.zh, en: reason.en)
    }

    static func residentBusy(_ name: String, _ visit: RosteringQueries.ResidentVisit, _ zone: TimeZone) -> LocalizedReason {
        let when = "\(clock(visit.start, zone))–\(clock(visit.end, zone).suffix(5))"
        return LocalizedReason(
            zh: "\(name) 在 \(when) 已有\(visit.service)，同一时间只能安排一次上门",
            en: "\(name) already has \(visit.serviceEn) at \(when); a resident has one visit at a time")
    }

    /// Names the live assignment of `volunteer` that overlaps [start, end), if any.
    public func overlap(
        volunteer: ID<Volunteer>, name: String, start: Date, end: Date, zone: TimeZone, on tx: Connection
    ) async throws -> BookingDeskError? {
        guard let clash = try await RosteringQueries.liveOverlaps(volunteer: volunteer, start: start, end: end, on: tx).first
        else { return nil }
        let zh = "\(name) 在 \(Self.clock(clash.start, zone))–\(Self.clock(clash.end, zone)) 已有\(clash.service)（班次 \(clash.slot)）"
        let en =
            "\(name) is already on \(clash.serviceEn) \(Self.clock(clash.start, zone))–\(Self.clock(clash.end, zone)) (slot \(clash.slot))"
        return BookingDeskError(code: .taken, zh: zh, en: en)
    }

    public func markConfirmed(_ id: ID<VisitProposal>, booking: ID<Booking>, on tx: Connection) async throws {
        try await RosteringQueries.markProposalConfirmed(id, booking: booking, on: tx)
    }

    /// Deletes proposals expired unconfirmed (the worker's daily maintenance).
    public static func purgeExpired(on tx: Connection) async throws -> Int {
        try await RosteringQueries.purgeProposals(on: tx)
    }

    static func clock(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "MM-dd HH:mm"
        return formatter.string(from: date)
    }

    // MARK: - Internals

    /// What every candidate needs: the resident, the service and its rules.
    struct Context {
        var request: VisitRequest
        var zone: TimeZone
        var type: ServiceType
        var resident: Resident
        var minutes: Int
        var placeKey: String?
        var requiredSkills: [SkillID]
        var declined: Set<ID<Volunteer>>
        var preferred: [ID<Volunteer>]
        /// People the visit needs (two for a service never done alone).
        var needed: Int
        /// The resident's visits already booked (but the one being moved).
        var busy: [RosteringQueries.ResidentVisit]

        func busyVisit(_ c: Candidate) -> RosteringQueries.ResidentVisit? {
            busy.first { $0.start < c.end && c.start < $0.end }
        }
        func isBusy(_ c: Candidate) -> Bool { busyVisit(c) != nil }

        static func load(_ request: VisitRequest, now: Date, on tx: Connection) async throws -> Context {
            let community = try await OrganisationStore().community(request.communityID, on: tx)
            let type = try await ServiceTypeStore().serviceType(request.serviceTypeID, on: tx)
            let resident = try await ResidentStore().resident(request.residentID, on: tx)
            let codes = Dictionary(uniqueKeysWithValues: try await SkillStore().skills(on: tx).map { ($0.id, $0.code) })
            var declined = Set<ID<Volunteer>>(), preferred = Set<ID<Volunteer>>()
            for p in try await RosteringQueries.residentPreferences(residents: [resident.id], on: tx) {
                if p.prefers { preferred.insert(p.volunteer) } else { declined.insert(p.volunteer) }
            }
            for r in try await RosteringQueries.recentServers(
                residents: [resident.id], from: now.addingTimeInterval(-28 * 86_400), to: now, on: tx)
            {
                preferred.insert(r.volunteer)
            }
            return Context(
                request: request, zone: TimeZone(identifier: community.timeZone) ?? .shanghai, type: type,
                resident: resident, minutes: request.minutes ?? type.defaultMinutes,
                placeKey: try await RosteringQueries.residentPlaceKey(resident.id, on: tx),
                requiredSkills: type.requiredSkillIDs.compactMap { codes[$0] }.sorted().map { SkillID($0) },
                declined: declined, preferred: preferred.subtracting(declined).sorted(),
                needed: max(type.neverAlone ? 2 : 1, type.headcountMin),
                busy: try await RosteringQueries.residentVisits(
                    resident.id, from: now, to: now.addingTimeInterval(120 * 86_400), excluding: request.replacing, on: tx))
        }
    }

    /// A candidate that works: the visit, its cost for the roster, the version it is against.
    struct Option {
        var visit: ProposedVisit
        var cost: Int
        var distance: Int
        var roster: ID<Roster>
    }

    /// Candidate times: inside the windows, or (`widen`) on the windows' days 08:00–20:00 and on
    /// the three days after each at the window's hours, outside the windows themselves.
    func candidates(_ windows: [TimeWindow], minutes: Int, zone: TimeZone, widen: Bool) -> [Candidate] {
        let step = TimeInterval(stepMinutes * 60), length = TimeInterval(minutes * 60)
        let earliest = now()
        var out: [Candidate] = []
        var seen = Set<Date>()
        func distance(_ start: Date) -> Int {
            let end = start.addingTimeInterval(length)
            return windows.map { w -> Int in
                if start >= w.start && end <= w.end { return 0 }
                return Int(min(abs(start.timeIntervalSince(w.start)), abs(end.timeIntervalSince(w.end))) / 60)
            }.min() ?? 0
        }
        func walk(_ from: Date, _ to: Date) {
            // Start on the window's own quarter hour.
            let quarter = 15.0 * 60
            var start = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / quarter).rounded(.up) * quarter)
            while start.addingTimeInterval(length) <= to && out.count < Self.maxCandidates {
                let d = distance(start)
                if start > earliest && (widen ? d > 0 : d == 0) && seen.insert(start).inserted {
                    out.append(Candidate(start: start, end: start.addingTimeInterval(length), distance: d))
                }
                start = start.addingTimeInterval(step)
            }
        }
        for w in windows {
            if !widen {
                walk(w.start, w.end)
                continue
            }
            let day = LocalDate(w.start, in: zone)
            walk(day.startOfDay(in: zone).addingTimeInterval(8 * 3600), day.startOfDay(in: zone).addingTimeInterval(20 * 3600))
            for shift in 1...3 {
                let by = TimeInterval(shift * 86_400)
                walk(w.start.addingTimeInterval(by), w.end.addingTimeInterval(by))
            }
        }
        return out
    }

    /// Judges the candidates week by week against each week's published roster.
    func evaluate(
        _ candidates: [Candidate], context: Context, on tx: Connection
    ) async throws -> (options: [Option], reasons: [LocalizedReason]) {
        var byWeek: [LocalDate: [Candidate]] = [:]
        for c in candidates { byWeek[LocalDate(c.start, in: context.zone).weekStart, default: []].append(c) }
        var options: [Option] = [], reasons: [LocalizedReason] = []
        for (week, group) in byWeek.sorted(by: { $0.key < $1.key }) {
            let community = context.request.communityID
            let loaded: WeekProblem
            if let cache {
                loaded = try await cache.week(community: community, week: week, loader: loader, on: tx)
            } else {
                loaded = try await loader.load(community: community, week: week, pins: .none, on: tx)
            }
            guard let published = loaded.published else {
                reasons.append(
                    LocalizedReason(
                        zh: "\(week.isoWeekName) 周还没有已发布的排班，无法安排上门",
                        en: "week \(week.isoWeekName) has no published roster yet, so no visit can be placed in it"))
                continue
            }
            let (problem, ids) = withCandidates(loaded, group, context: context)
            let assignments = problem.previous
            let ranked = try Explainer.suggestEach(
                problem: problem, assignments: assignments, slots: ids, limit: context.needed + 8, allowedOnly: true)
            let leaders = Set(problem.people.filter(\.isLeader).map(\.id))
            var unfilled: [(Candidate, SlotID)] = []
            for (candidate, id) in zip(group, ids) {
                guard let team = pick(ranked[id] ?? [], needed: context.needed, leader: context.type.needsLeader, leaders)
                else {
                    unfilled.append((candidate, id))
                    continue
                }
                let volunteers = team.compactMap { s in
                    WeekProblem.volunteerID(s.person).map { ProposedVolunteer(id: $0, name: s.name) }
                }
                options.append(
                    Option(
                        visit: ProposedVisit(start: candidate.start, end: candidate.end, volunteers: volunteers),
                        cost: team.reduce(0) { $0 + $1.softDelta }, distance: candidate.distance, roster: published.id))
            }
            // The reasons of the first candidate of each window left unfilled, as the scheduler words them.
            var explained = Set<Date>()
            for (candidate, id) in unfilled where candidate.distance == 0 {
                let window = context.request.windows.first { candidate.start >= $0.start && candidate.end <= $0.end }
                guard let window, explained.insert(window.start).inserted, explained.count <= 3 else { continue }
                let zh = try Explainer.explain(problem: problem, assignments: assignments, slot: id, language: .zh)
                let names = loaded.problem(in: .en)
                var english = problem
                english.kinds = names.kinds
                english.skills = problem.skills.map { s in names.skills.first { $0.id == s.id } ?? s }
                let en = try Explainer.explain(problem: english, assignments: assignments, slot: id, language: .en)
                reasons.append(LocalizedReason(zh: zh.text, en: en.text))
            }
        }
        return (options, reasons)
    }

    /// The cheapest `needed` people, one of them a leader when the service needs one.
    func pick(_ ranked: [Suggestion], needed: Int, leader: Bool, _ leaders: Set<PersonID>) -> [Suggestion]? {
        guard ranked.count >= needed else { return nil }
        var team = Array(ranked.prefix(needed))
        if leader && !team.contains(where: { leaders.contains($0.person) }) {
            guard let lead = ranked.first(where: { leaders.contains($0.person) }) else { return nil }
            team[team.count - 1] = lead
        }
        return team
    }

    /// The week's problem with one slot per candidate (ids `desk:<n>`), the resident's rules on
    /// each: same sex, their declined volunteers, continuity with whom they know.
    func withCandidates(
        _ week: WeekProblem, _ candidates: [Candidate], context: Context
    ) -> (SchedulingProblem, [SlotID]) {
        var problem = week.problem
        var required = context.requiredSkills
        if !context.declined.isEmpty {
            let skill = SkillID("accepted-by:\(context.resident.id)")
            if !problem.skills.contains(where: { $0.id == skill }) {
                problem.skills.append(LinliScheduler.Skill(id: skill, name: "老人未谢绝"))
                for i in problem.people.indices {
                    guard let v = WeekProblem.volunteerID(problem.people[i].id), !context.declined.contains(v) else { continue }
                    problem.people[i].skills.append(SkillGrant(skill: skill))
                }
            }
            required.append(skill)
        }
        let sex: LinliScheduler.Sex? =
            context.type.sameSexAsResident ? WeekProblemLoader.sex(context.resident.sex) : nil
        var ids: [SlotID] = []
        for (n, c) in candidates.enumerated() {
            let id = SlotID("desk:\(n)")
            ids.append(id)
            let start = Int((c.start.timeIntervalSince(week.horizonStart) / 60).rounded())
            problem.slots.append(
                LinliScheduler.Slot(
                    id: id, kind: ServiceKindID(context.type.code),
                    range: MinuteRange(start: start, end: start + context.minutes), place: context.placeKey,
                    requiredSkills: required, required: context.needed, maxHeadcount: context.needed,
                    underWeight: loader.underWeightPerPriority * context.type.priority, overWeight: 1,
                    priority: context.type.priority, sameSex: sex, resident: context.resident.id.description,
                    preferredPeople: context.preferred.map(WeekProblem.personID)))
        }
        return (problem, ids)
    }
}
