import Foundation

/// Index-based, flattened form of a `SchedulingProblem`, built once per solve.
struct CompiledProblem: Sendable {
    let P: Int, S: Int, D: Int, K: Int, nK: Int
    // slots
    let slotDay: [Int32], slotStart: [Int32], slotEnd: [Int32], slotLen: [Int32], slotKind: [Int32], slotPlace: [Int32]
    let slotReq: [Int32], slotMax: [Int32], slotUnder: [Int32], slotOver: [Int32]
    let slotNeverAlone: [Bool], slotNeedsLeader: [Bool]
    let slotsByDay: [[Int32]]
    /// Bookings with alternative times: the first alternative of each slot's booking (the slot itself
    /// when it has none), and for that first alternative all of them (empty otherwise).
    let groupRep: [Int32]
    let groupMembers: [[Int32]]
    let hasBookings: Bool
    // people
    let isLeader: [Bool]
    let minTotal: [Int32], maxTotal: [Int32], maxDayMin: [Int32], maxWeekMin: [Int32]
    let maxShiftsDay: [Int32], maxShiftsWeek: [Int32], maxPerKind: [Int32]  // maxPerKind[p*nK+k]
    let maxConsec: [Int32], minConsec: [Int32], minConsecOff: [Int32], maxWeekends: [Int32], minRest: [Int32]
    let target: [Int32]  // -1 = none
    /// Horizon edges (`Person.edges`): days worked in a row just before and after the horizon,
    /// and the nearest shift on each side (its end or start, day, kind and place; -1 kind or
    /// place when unknown). `hasEdges` is false when no person has any.
    let hasEdges: Bool
    let runBefore: [Int32], runAfter: [Int32]
    let hasLastBefore: [Bool], lastBeforeEnd: [Int32], lastBeforeDay: [Int32], lastBeforeKind: [Int32]
    let lastBeforePlace: [Int32]
    let hasFirstAfter: [Bool], firstAfterStart: [Int32], firstAfterDay: [Int32], firstAfterKind: [Int32]
    let firstAfterPlace: [Int32]
    // rules
    let succForbidden: [Bool]  // [k1*nK+k2]
    let travel: Int32
    /// Travel minutes from place a to place b at [a * nPlaces + b] (0 on the diagonal).
    let travelMatrix: [Int32]
    let nPlaces: Int
    let eligible: [Bool]  // [p*S+s]
    let eligByPD: [[Int32]]  // [p*D+d] slots eligible for p on d
    let eligPeople: [[Int32]]  // [s] people eligible for slot s
    /// requests per person-day: flat (kind or -1, wantsOn 1/0, weight) triples
    let reqStart: [Int32], reqData: [Int32]
    /// Static soft cost of one person on one slot (continuity, stability), kept sparse: per slot the
    /// preferred people and the previously assigned people (ascending person indexes), instead of a
    /// dense P × S table (67 MB and a full fill at 3,000 × 5,600, which dominated a re-plan).
    let continuityCost: Int32, stabilityCost: Int32
    let slotHasPreferred: [Bool]
    let preferredStart: [Int32], preferredData: [Int32]
    let previousStart: [Int32], previousData: [Int32]
    /// True when `staticCost` can be non-zero.
    let hasStaticCost: Bool
    let softConstant: Int
    let fairnessPerHour: Int32, travelPerChange: Int32
    let pinned: [(p: Int, s: Int)]
    /// Previous (published) assignments as index pairs, for warm starts when re-planning.
    let previousPairs: [(p: Int, s: Int)]
    let personIndex: [PersonID: Int], slotIndex: [SlotID: Int]
    let anyLeaderRule: Bool
    /// Greatest common divisor of all slot lengths, and the longest slot (minutes).
    let lengthGCD: Int, longestSlot: Int

    static let big: Int32 = Int32.max / 4

    init(_ pr: SchedulingProblem) throws { try self.init(pr, reusing: nil) }

    /// Compiles `pr`; with `old` (the same week before a change: same people and slots by ID and
    /// order), eligibility is recomputed only for the people and slots that differ.
    init(_ pr: SchedulingProblem, reusing old: (problem: SchedulingProblem, compiled: CompiledProblem)?) throws {
        D = pr.horizonDays
        guard D > 0 else { throw SchedulerError.invalidProblem("horizonDays must be positive") }
        P = pr.people.count; S = pr.slots.count
        var kindIdx: [ServiceKindID: Int] = [:]
        for (i, k) in pr.kinds.enumerated() { kindIdx[k.id] = i }
        for s in pr.slots where kindIdx[s.kind] == nil {
            throw SchedulerError.invalidProblem("slot \(s.id) has unknown kind \(s.kind)")
        }
        nK = max(1, pr.kinds.count)
        var pIdx: [PersonID: Int] = [:]
        for (i, p) in pr.people.enumerated() {
            guard pIdx[p.id] == nil else { throw SchedulerError.invalidProblem("person \(p.id) appears twice") }
            pIdx[p.id] = i
        }
        var sIdx: [SlotID: Int] = [:]
        for (i, s) in pr.slots.enumerated() {
            guard sIdx[s.id] == nil else { throw SchedulerError.invalidProblem("slot \(s.id) appears twice") }
            guard s.range.end > s.range.start else { throw SchedulerError.invalidProblem("slot \(s.id) has an empty time range") }
            guard s.range.length <= minutesPerDay else {
                throw SchedulerError.invalidProblem("slot \(s.id) is longer than a day")
            }
            guard s.day >= 0 && s.day < D else { throw SchedulerError.invalidProblem("slot \(s.id) starts outside the horizon") }
            sIdx[s.id] = i
        }
        // Separation rules are checked between neighbouring days only; that is exact when a slot plus the
        // longest rest or travel fits in a day.
        let longest = pr.slots.map(\.range.length).max() ?? 0
        let longestTravel = max(pr.travelMinutes, pr.travelTimes.map(\.minutes).max() ?? 0)
        for t in pr.travelTimes where t.minutes < 0 {
            throw SchedulerError.invalidProblem("travel time \(t.from) → \(t.to) is negative")
        }
        for p in pr.people {
            let r = p.limits.minRestMinutes ?? 0
            guard r >= 0, longest + max(r, longestTravel) <= minutesPerDay else {
                throw SchedulerError.invalidProblem(
                    "person \(p.id): minimum rest \(r) min plus the longest slot (\(longest) min) must fit in 24 h")
            }
        }
        personIndex = pIdx; slotIndex = sIdx
        var places: [String: Int32] = [:]
        func placeID(_ s: String?) -> Int32 {
            guard let s else { return -1 }
            if let v = places[s] { return v }
            let v = Int32(places.count); places[s] = v; return v
        }
        slotDay = pr.slots.map { Int32($0.day) }
        slotStart = pr.slots.map { Int32($0.range.start) }
        slotEnd = pr.slots.map { Int32($0.range.end) }
        slotLen = pr.slots.map { Int32($0.range.length) }
        slotKind = pr.slots.map { Int32(kindIdx[$0.kind] ?? 0) }
        slotPlace = pr.slots.map { placeID($0.place) }
        let edges = pr.people.map(\.edges)
        hasEdges = edges.contains { $0 != nil }
        runBefore = edges.map { Int32(clamping: max(0, $0?.daysWorkedBefore ?? 0)) }
        runAfter = edges.map { Int32(clamping: max(0, $0?.daysWorkedAfter ?? 0)) }
        let before = edges.map { $0?.lastBefore }, after = edges.map { $0?.firstAfter }
        hasLastBefore = before.map { $0 != nil }
        lastBeforeEnd = before.map { Int32(clamping: $0?.range.end ?? 0) }
        lastBeforeDay = before.map { Int32(clamping: $0?.day ?? 0) }
        lastBeforeKind = before.map { e in e?.kind.flatMap { kindIdx[$0] }.map(Int32.init) ?? -1 }
        lastBeforePlace = before.map { placeID($0?.place) }
        hasFirstAfter = after.map { $0 != nil }
        firstAfterStart = after.map { Int32(clamping: $0?.range.start ?? 0) }
        firstAfterDay = after.map { Int32(clamping: $0?.day ?? 0) }
        firstAfterKind = after.map { e in e?.kind.flatMap { kindIdx[$0] }.map(Int32.init) ?? -1 }
        firstAfterPlace = after.map { placeID($0?.place) }
        slotReq = pr.slots.map { Int32(max(0, $0.required)) }
        slotMax = pr.slots.map { $0.maxHeadcount.map { Int32($0) } ?? Self.big }
        slotUnder = pr.slots.map { Int32($0.underWeight) }
        slotOver = pr.slots.map { Int32($0.overWeight) }
        slotNeverAlone = pr.slots.map { $0.neverAlone }
        slotNeedsLeader = pr.slots.map { $0.needsLeader }
        anyLeaderRule = pr.slots.contains { $0.needsLeader }
        var firstOfBooking: [String: Int] = [:]
        var rep = [Int32](0..<Int32(pr.slots.count))
        var members = [[Int32]](repeating: [], count: pr.slots.count)
        for (i, s) in pr.slots.enumerated() {
            guard let b = s.booking else { continue }
            let f = firstOfBooking[b] ?? i
            firstOfBooking[b] = f
            rep[i] = Int32(f); members[f].append(Int32(i))
        }
        groupRep = rep; groupMembers = members
        hasBookings = members.contains { $0.count > 1 }
        func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
        lengthGCD = max(1, pr.slots.reduce(0) { gcd($0, $1.range.length) })
        longestSlot = pr.slots.map(\.range.length).max() ?? 0
        var byDay = [[Int32]](repeating: [], count: D)
        for (i, s) in pr.slots.enumerated() { byDay[s.day].append(Int32(i)) }
        for d in 0..<D { byDay[d].sort { (pr.slots[Int($0)].range.start, $0) < (pr.slots[Int($1)].range.start, $1) } }
        slotsByDay = byDay

        func lim(_ v: Int?) -> Int32 { v.map { Int32(clamping: $0) } ?? Self.big }
        isLeader = pr.people.map { $0.isLeader }
        minTotal = pr.people.map { Int32(clamping: $0.limits.minMinutesTotal ?? 0) }
        maxTotal = pr.people.map { lim($0.limits.maxMinutesTotal) }
        maxDayMin = pr.people.map { lim($0.limits.maxMinutesPerDay) }
        maxWeekMin = pr.people.map { lim($0.limits.maxMinutesPerWeek) }
        maxShiftsDay = pr.people.map { lim($0.limits.maxShiftsPerDay) }
        maxShiftsWeek = pr.people.map { lim($0.limits.maxShiftsPerWeek) }
        var mpk = [Int32](repeating: Self.big, count: max(1, P * nK))
        for (i, p) in pr.people.enumerated() {
            for (k, v) in p.limits.maxShiftsPerKind { if let ki = kindIdx[k] { mpk[i * nK + ki] = Int32(clamping: v) } }
        }
        maxPerKind = mpk
        maxConsec = pr.people.map { lim($0.limits.maxConsecutiveDays) }
        minConsec = pr.people.map { Int32(clamping: $0.limits.minConsecutiveDays ?? 0) }
        minConsecOff = pr.people.map { Int32(clamping: $0.limits.minConsecutiveDaysOff ?? 0) }
        maxWeekends = pr.people.map { lim($0.limits.maxWeekends) }
        minRest = pr.people.map { Int32(clamping: $0.limits.minRestMinutes ?? 0) }
        target = pr.people.map { $0.targetMinutes.map { Int32(clamping: $0) } ?? -1 }
        var sf = [Bool](repeating: false, count: nK * nK)
        for r in pr.forbiddenSuccessions { if let a = kindIdx[r.first], let b = kindIdx[r.then] { sf[a * nK + b] = true } }
        succForbidden = sf
        travel = Int32(clamping: pr.travelMinutes)
        let placeNames = places.sorted { $0.value < $1.value }.map(\.key)
        nPlaces = placeNames.count
        var tm = [Int32](repeating: 0, count: max(1, nPlaces * nPlaces))
        for a in 0..<nPlaces {
            for b in 0..<nPlaces where a != b {
                tm[a * nPlaces + b] = Int32(clamping: pr.travelTime(from: placeNames[a], to: placeNames[b]))
            }
        }
        travelMatrix = tm

        // Eligibility: everything about one person and one slot that does not depend on other assignments.
        var el: [Bool]
        var byPD: [[Int32]]
        var ep: [[Int32]]
        // Fast path of `Eligibility.reasons(...).isEmpty` over flat arrays.
        var skillIdx: [SkillID: Int] = [:]
        for s in pr.slots { for k in s.requiredSkills where skillIdx[k] == nil { skillIdx[k] = skillIdx.count } }
        let nSkill = skillIdx.count
        let sReqSkills = pr.slots.map { $0.requiredSkills.compactMap { skillIdx[$0] } }
        let sStart = pr.slots.map(\.range.start), sEnd = pr.slots.map(\.range.end)
        let sSex = pr.slots.map(\.sameSex), sEvening = pr.slots.map { pr.isEvening($0.range) }
        let sKindI = pr.slots.map { kindIdx[$0.kind] ?? 0 }, sDayI = pr.slots.map(\.day)
        var expiry = [Int](repeating: Int.min, count: max(1, nSkill))  // Int.min = skill not held
        // Slots by start time, so each availability window finds the slots inside it by binary
        // search instead of every person testing every slot (P × S × windows at 3,000 × 5,600).
        let byStart = (0..<S).sorted { (sStart[$0], $0) < (sStart[$1], $1) }
        let startsSorted = byStart.map { sStart[$0] }
        var seenStamp = [Int](repeating: -1, count: S)
        var candidates: [Int] = []
        candidates.reserveCapacity(S)
        let nSlots = S, nKinds = nK
        /// The slots person `pi` may take, ascending.
        func eligibleRow(_ pi: Int) -> [Int] {
            let p = pr.people[pi]
            for i in 0..<nSkill { expiry[i] = Int.min }
            for g in p.skills { if let i = skillIdx[g.skill] { expiry[i] = max(expiry[i], g.expiresAt ?? Int.max) } }
            let abs = p.absences.map(\.range), noEve = p.limits.noEvening
            candidates.removeAll(keepingCapacity: true)
            if let av = p.availability {
                for w in av {
                    var lo = 0, hi = nSlots
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if startsSorted[mid] < w.start { lo = mid + 1 } else { hi = mid }
                    }
                    while lo < nSlots && startsSorted[lo] < w.end {
                        let si = byStart[lo]
                        if sEnd[si] <= w.end && seenStamp[si] != pi { seenStamp[si] = pi; candidates.append(si) }
                        lo += 1
                    }
                }
                candidates.sort()
            } else {
                candidates.append(contentsOf: 0..<nSlots)
            }
            var out: [Int] = []
            for si in candidates {
                if mpk[pi * nKinds + sKindI[si]] <= 0 { continue }
                if let sx = sSex[si], p.sex != sx { continue }
                if noEve && sEvening[si] { continue }
                let st = sStart[si], en = sEnd[si]
                var ok = true
                for k in sReqSkills[si] where expiry[k] < en { ok = false; break }
                if !ok { continue }
                if abs.contains(where: { $0.start < en && st < $0.end }) { continue }
                out.append(si)
            }
            return out
        }
        /// One person and one slot, by the same rules as `eligibleRow` (for a changed slot's column).
        func eligiblePair(_ p: Person, _ pi: Int, _ si: Int) -> Bool {
            if mpk[pi * nKinds + sKindI[si]] <= 0 { return false }
            if let sx = sSex[si], p.sex != sx { return false }
            if p.limits.noEvening && sEvening[si] { return false }
            let st = sStart[si], en = sEnd[si]
            for k in pr.slots[si].requiredSkills {
                let held = p.skills.filter { $0.skill == k }.map { $0.expiresAt ?? Int.max }.max() ?? Int.min
                if held < en { return false }
            }
            if let av = p.availability, !av.contains(where: { $0.start <= st && en <= $0.end }) { return false }
            return !p.absences.contains { $0.range.start < en && st < $0.range.end }
        }
        if let old, Self.canReuse(old.problem, for: pr) {
            // Re-plan of the same week: start from the old tables and patch the changed columns and rows.
            el = old.compiled.eligible; byPD = old.compiled.eligByPD; ep = old.compiled.eligPeople
            @inline(__always) func insertSorted(_ a: inout [Int32], _ v: Int32) {
                var i = a.count
                while i > 0 && a[i - 1] > v { i -= 1 }
                if i > 0 && a[i - 1] == v { return }
                a.insert(v, at: i)
            }
            @inline(__always) func remove(_ a: inout [Int32], _ v: Int32) {
                if let i = a.firstIndex(of: v) { a.remove(at: i) }
            }
            for si in 0..<S where pr.slots[si] != old.problem.slots[si] {
                let oldDay = old.problem.slots[si].day
                for pi in ep[si] { remove(&byPD[Int(pi) * D + oldDay], Int32(si)) }
                ep[si] = []
                for (pi, person) in pr.people.enumerated() {
                    let ok = eligiblePair(person, pi, si)
                    el[pi * S + si] = ok
                    if ok { insertSorted(&byPD[pi * D + sDayI[si]], Int32(si)); ep[si].append(Int32(pi)) }
                }
            }
            for pi in 0..<P where pr.people[pi] != old.problem.people[pi] {
                let row = eligibleRow(pi)
                var now = Set<Int>()
                now.reserveCapacity(row.count)
                for si in row { now.insert(si) }
                for d in 0..<D {
                    for s32 in byPD[pi * D + d] where !now.contains(Int(s32)) {
                        el[pi * S + Int(s32)] = false; remove(&ep[Int(s32)], Int32(pi))
                    }
                    byPD[pi * D + d] = []
                }
                for si in row {
                    if !el[pi * S + si] { el[pi * S + si] = true; insertSorted(&ep[si], Int32(pi)) }
                    byPD[pi * D + sDayI[si]].append(Int32(si))
                }
            }
        } else {
            el = [Bool](repeating: false, count: P * S)
            byPD = [[Int32]](repeating: [], count: P * D)
            ep = [[Int32]](repeating: [], count: S)
            for pi in 0..<P {
                for si in eligibleRow(pi) {
                    el[pi * S + si] = true
                    byPD[pi * D + sDayI[si]].append(Int32(si))
                    ep[si].append(Int32(pi))
                }
            }
        }
        eligible = el; eligByPD = byPD
        eligPeople = ep

        var rs = [Int32](repeating: 0, count: P * D + 1), rd: [Int32] = []
        var grouped = [[ShiftRequest]](repeating: [], count: P * D)
        for r in pr.requests {
            guard let pi = pIdx[r.person], r.day >= 0, r.day < D else { continue }
            grouped[pi * D + r.day].append(r)
        }
        for i in 0..<(P * D) {
            rs[i] = Int32(rd.count)
            for r in grouped[i] {
                rd.append(r.kind.map { Int32(kindIdx[$0] ?? -2) } ?? -1)
                rd.append(r.wantsOn ? 1 : 0); rd.append(Int32(clamping: r.weight))
            }
        }
        rs[P * D] = Int32(rd.count)
        reqStart = rs; reqData = rd

        // Static per-assignment costs, sparse per slot (see `staticCost`).
        let w = pr.weights
        var prevBySlot = [[Int32]](repeating: [], count: S)
        var prevCount = 0
        for a in pr.previous {
            guard let p = pIdx[a.person], let s = sIdx[a.slot], !prevBySlot[s].contains(Int32(p)) else { continue }
            prevBySlot[s].append(Int32(p)); prevCount += 1
        }
        let needCont = w.continuity != 0 && pr.slots.contains { !$0.preferredPeople.isEmpty }
        let needStab = w.stability != 0 && prevCount > 0
        continuityCost = needCont ? Int32(clamping: w.continuity) : 0
        stabilityCost = needStab ? Int32(clamping: w.stability) : 0
        hasStaticCost = needCont || needStab
        softConstant = needStab ? w.stability * prevCount : 0
        slotHasPreferred = pr.slots.map { !$0.preferredPeople.isEmpty }
        var ps: [Int32] = [0], pd: [Int32] = [], vs: [Int32] = [0], vd: [Int32] = []
        ps.reserveCapacity(S + 1); vs.reserveCapacity(S + 1)
        for si in 0..<S {
            pd.append(contentsOf: Set(pr.slots[si].preferredPeople.compactMap { pIdx[$0] }).sorted().map { Int32($0) })
            ps.append(Int32(pd.count))
            vd.append(contentsOf: prevBySlot[si].sorted())
            vs.append(Int32(vd.count))
        }
        preferredStart = ps; preferredData = pd; previousStart = vs; previousData = vd
        previousPairs = pr.previous.compactMap { a in
            guard let p = pIdx[a.person], let s = sIdx[a.slot] else { return nil }
            return (p, s)
        }
        fairnessPerHour = Int32(clamping: w.fairnessPerHour); travelPerChange = Int32(clamping: w.travelPerChange)

        var pins: [(p: Int, s: Int)] = []
        var seen = Set<Int>()
        for a in pr.pinned {
            guard let p = pIdx[a.person] else {
                throw SchedulerError.invalidProblem("pinned assignment names unknown person \(a.person)")
            }
            guard let s = sIdx[a.slot] else {
                throw SchedulerError.invalidProblem("pinned assignment names unknown slot \(a.slot)")
            }
            if seen.insert(p * S + s).inserted { pins.append((p, s)) }
        }
        pinned = pins
        // Entries per person-day: enough for the most slots anybody may work on a day.
        var maxPerDay = 1
        for d in 0..<D { maxPerDay = max(maxPerDay, byDay[d].count) }
        var k = 1
        for (pi, p) in pr.people.enumerated() {
            let m = p.limits.maxShiftsPerDay ?? 4
            var most = 0
            for d in 0..<D { most = max(most, byPD[pi * D + d].count) }
            k = max(k, min(m, most, 4))
        }
        var pinCount: [Int: Int] = [:]
        for (p, s) in pins { pinCount[p * D + pr.slots[s].day, default: 0] += 1 }
        k = max(k, pinCount.values.max() ?? 0)
        K = min(k, maxPerDay)
    }
}

extension CompiledProblem {
    /// Whether a compile of `old` can be patched into one of `new`: same horizon, kinds and evening
    /// band, and the same people and slots by ID in the same order (their details may differ).
    static func canReuse(_ old: SchedulingProblem, for new: SchedulingProblem) -> Bool {
        guard old.horizonDays == new.horizonDays, old.kinds == new.kinds, old.eveningStartsAt == new.eveningStartsAt,
            old.people.count == new.people.count, old.slots.count == new.slots.count
        else { return false }
        for i in 0..<old.people.count where old.people[i].id != new.people[i].id { return false }
        for i in 0..<old.slots.count where old.slots[i].id != new.slots[i].id { return false }
        return true
    }

    /// Minutes needed between a slot at place a and a later one at place b (-1 = no place).
    @inline(__always) func travelTime(_ a: Int32, _ b: Int32) -> Int {
        a < 0 || b < 0 || a == b ? 0 : Int(travelMatrix[Int(a) * nPlaces + Int(b)])
    }

    /// Soft cost of person p working slot s on its own: continuity (not one of the slot's preferred
    /// people) and stability (differs from the previous roster).
    @inline(__always) func staticCost(_ p: Int, _ s: Int) -> Int {
        var cost = 0
        if continuityCost != 0 && slotHasPreferred[s] {
            cost += Int(continuityCost)
            for i in Int(preferredStart[s])..<Int(preferredStart[s + 1]) where preferredData[i] == Int32(p) {
                cost -= Int(continuityCost); break
            }
        }
        if stabilityCost != 0 {
            cost += Int(stabilityCost)
            for i in Int(previousStart[s])..<Int(previousStart[s + 1]) where previousData[i] == Int32(p) {
                cost -= 2 * Int(stabilityCost); break
            }
        }
        return cost
    }
}

/// Static person–slot eligibility rules, shared by the solver, the validator and explanations.
enum Eligibility {
    enum Reason: Hashable, Sendable {
        case missingSkill(SkillID), expiredSkill(SkillID, Minute), unavailable, absent(Absence), wrongSex(Sex), noEvening
    }
    static func reasons(person p: Person, slot s: Slot, problem: SchedulingProblem) -> [Reason] {
        var r: [Reason] = []
        for sk in s.requiredSkills {
            if let g = p.skills.first(where: { $0.skill == sk }) {
                if let exp = g.expiresAt, exp < s.range.end { r.append(.expiredSkill(sk, exp)) }
            } else {
                r.append(.missingSkill(sk))
            }
        }
        if let av = p.availability, !av.contains(where: { $0.contains(s.range) }) { r.append(.unavailable) }
        if let a = p.absences.first(where: { $0.range.overlaps(s.range) }) { r.append(.absent(a)) }
        if let sx = s.sameSex, p.sex != sx { r.append(.wrongSex(sx)) }
        if p.limits.noEvening && problem.isEvening(s.range) { r.append(.noEvening) }
        return r
    }
}
