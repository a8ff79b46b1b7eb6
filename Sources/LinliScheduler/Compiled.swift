import Foundation

/// Index-based, flattened form of a `SchedulingProblem`, built once per solve.
struct CompiledProblem: Sendable {
    let P: Int, S: Int, D: Int, K: Int, nK: Int
    // slots
    let slotDay: [Int32], slotStart: [Int32], slotEnd: [Int32], slotLen: [Int32], slotKind: [Int32], slotPlace: [Int32]
    let slotReq: [Int32], slotMax: [Int32], slotUnder: [Int32], slotOver: [Int32]
    let slotNeverAlone: [Bool], slotNeedsLeader: [Bool]
    let slotsByDay: [[Int32]]
    // people
    let isLeader: [Bool]
    let minTotal: [Int32], maxTotal: [Int32], maxDayMin: [Int32], maxWeekMin: [Int32]
    let maxShiftsDay: [Int32], maxShiftsWeek: [Int32], maxPerKind: [Int32]  // maxPerKind[p*nK+k]
    let maxConsec: [Int32], minConsec: [Int32], minConsecOff: [Int32], maxWeekends: [Int32], minRest: [Int32]
    let target: [Int32]  // -1 = none
    // rules
    let succForbidden: [Bool]  // [k1*nK+k2]
    let travel: Int32
    let eligible: [Bool]  // [p*S+s]
    let eligByPD: [[Int32]]  // [p*D+d] slots eligible for p on d
    let eligPeople: [[Int32]]  // [s] people eligible for slot s
    /// requests per person-day: flat (kind or -1, wantsOn 1/0, weight) triples
    let reqStart: [Int32], reqData: [Int32]
    let assignCost: [Int32]?  // [p*S+s] static soft cost (continuity, stability)
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

    init(_ pr: SchedulingProblem) throws {
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
        for p in pr.people {
            let r = p.limits.minRestMinutes ?? 0
            guard r >= 0, longest + max(r, pr.travelMinutes) <= minutesPerDay else {
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
        slotReq = pr.slots.map { Int32(max(0, $0.required)) }
        slotMax = pr.slots.map { $0.maxHeadcount.map { Int32($0) } ?? Self.big }
        slotUnder = pr.slots.map { Int32($0.underWeight) }
        slotOver = pr.slots.map { Int32($0.overWeight) }
        slotNeverAlone = pr.slots.map { $0.neverAlone }
        slotNeedsLeader = pr.slots.map { $0.needsLeader }
        anyLeaderRule = pr.slots.contains { $0.needsLeader }
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

        // Eligibility: everything about one person and one slot that does not depend on other assignments.
        var el = [Bool](repeating: false, count: P * S)
        var byPD = [[Int32]](repeating: [], count: P * D)
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
        var ep = [[Int32]](repeating: [], count: S)
        for (pi, p) in pr.people.enumerated() {
            for i in 0..<nSkill { expiry[i] = Int.min }
            for g in p.skills { if let i = skillIdx[g.skill] { expiry[i] = max(expiry[i], g.expiresAt ?? Int.max) } }
            let abs = p.absences.map(\.range), noEve = p.limits.noEvening
            candidates.removeAll(keepingCapacity: true)
            if let av = p.availability {
                for w in av {
                    var lo = 0, hi = S
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if startsSorted[mid] < w.start { lo = mid + 1 } else { hi = mid }
                    }
                    while lo < S && startsSorted[lo] < w.end {
                        let si = byStart[lo]
                        if sEnd[si] <= w.end && seenStamp[si] != pi { seenStamp[si] = pi; candidates.append(si) }
                        lo += 1
                    }
                }
                candidates.sort()
            } else {
                candidates.append(contentsOf: 0..<S)
            }
            for si in candidates {
                if mpk[pi * nK + sKindI[si]] <= 0 { continue }
                if let sx = sSex[si], p.sex != sx { continue }
                if noEve && sEvening[si] { continue }
                let st = sStart[si], en = sEnd[si]
                var ok = true
                for k in sReqSkills[si] where expiry[k] < en { ok = false; break }
                if !ok { continue }
                if abs.contains(where: { $0.start < en && st < $0.end }) { continue }
                el[pi * S + si] = true
                byPD[pi * D + sDayI[si]].append(Int32(si))
                ep[si].append(Int32(pi))
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

        // Static per-assignment costs.
        let w = pr.weights
        var ac: [Int32]? = nil
        var constant = 0
        let prevPairs = Set(
            pr.previous.compactMap { a -> Int? in
                guard let p = pIdx[a.person], let s = sIdx[a.slot] else { return nil }
                return p * pr.slots.count + s
            })
        let needCont = w.continuity != 0 && pr.slots.contains { !$0.preferredPeople.isEmpty }
        let needStab = w.stability != 0 && !prevPairs.isEmpty
        if needCont || needStab {
            var a = [Int32](repeating: 0, count: P * S)
            // Both costs are filled for everyone, then corrected for the few preferred or previous
            // pairs: P × S plain additions instead of P × S hash lookups (the re-plan's hot spot).
            if needCont {
                let cost = Int32(clamping: w.continuity)
                for (si, s) in pr.slots.enumerated() where !s.preferredPeople.isEmpty {
                    for pi in 0..<P { a[pi * S + si] += cost }
                    for id in Set(s.preferredPeople) { if let pi = pIdx[id] { a[pi * S + si] -= cost } }
                }
            }
            if needStab {
                let cost = Int32(clamping: w.stability)
                for i in 0..<(P * S) { a[i] += cost }
                for i in prevPairs { a[i] -= 2 * cost }
                constant = w.stability * prevPairs.count
            }
            ac = a
        }
        assignCost = ac; softConstant = constant
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
