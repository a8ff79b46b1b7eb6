import Foundation

/// Mutable roster with incremental (delta) scoring. Single-threaded; owned by one solve.
///
/// A roster is a grid of person × day × K entries, each a slot index or -1. A person's
/// cost (hard units, soft) is recomputed in O(days·K) when that person changes; slot cover
/// costs are updated in O(1) per added/removed person.
final class SearchState {
    let c: CompiledProblem
    let P: Int, D: Int, K: Int, S: Int, nK: Int
    var cells: UnsafeMutablePointer<Int32>
    var pinnedCell: UnsafeMutablePointer<Bool>
    var count: UnsafeMutablePointer<Int32>
    var leaders: UnsafeMutablePointer<Int32>
    var pHard: UnsafeMutablePointer<Int>
    var pSoft: UnsafeMutablePointer<Int>
    var sHard: UnsafeMutablePointer<Int>
    var sSoft: UnsafeMutablePointer<Int>
    var hard = 0, soft = 0
    /// Set when windowed delta evaluation is used (long horizons, K = 1).
    var windowed: WindowedAggregates?
    // scratch
    private var kindCnt: UnsafeMutablePointer<Int32>
    private var tmp: UnsafeMutablePointer<Int32>
    private var prevTmp: UnsafeMutablePointer<Int32>
    // static data as raw buffers for speed
    private let sDay: UnsafeMutablePointer<Int32>, sStart: UnsafeMutablePointer<Int32>, sEnd: UnsafeMutablePointer<Int32>
    private let sLen: UnsafeMutablePointer<Int32>, sKind: UnsafeMutablePointer<Int32>, sPlace: UnsafeMutablePointer<Int32>
    private let succ: UnsafeMutablePointer<Bool>
    private let reqStart: UnsafeMutablePointer<Int32>, reqData: UnsafeMutablePointer<Int32>
    private let elig: UnsafeMutablePointer<Bool>
    private let hasStaticCost: Bool
    private let travelM: UnsafeMutablePointer<Int32>, nPlaces: Int
    private let contCost: Int, stabCost: Int
    private let hasPref: UnsafeMutablePointer<Bool>
    private let prefStart: UnsafeMutablePointer<Int32>, prefData: UnsafeMutablePointer<Int32>
    private let prevStart: UnsafeMutablePointer<Int32>, prevData: UnsafeMutablePointer<Int32>

    init(_ c: CompiledProblem, windowedMinDays: Int = 42) {
        self.c = c
        P = c.P; D = c.D; K = c.K; S = c.S; nK = c.nK
        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
            if !a.isEmpty { p.initialize(from: a, count: a.count) }
            return p
        }
        let n = P * D * K
        cells = .allocate(capacity: max(1, n)); cells.initialize(repeating: -1, count: max(1, n))
        pinnedCell = .allocate(capacity: max(1, n)); pinnedCell.initialize(repeating: false, count: max(1, n))
        count = .allocate(capacity: max(1, S)); count.initialize(repeating: 0, count: max(1, S))
        leaders = .allocate(capacity: max(1, S)); leaders.initialize(repeating: 0, count: max(1, S))
        pHard = .allocate(capacity: max(1, P)); pHard.initialize(repeating: 0, count: max(1, P))
        pSoft = .allocate(capacity: max(1, P)); pSoft.initialize(repeating: 0, count: max(1, P))
        sHard = .allocate(capacity: max(1, S)); sHard.initialize(repeating: 0, count: max(1, S))
        sSoft = .allocate(capacity: max(1, S)); sSoft.initialize(repeating: 0, count: max(1, S))
        kindCnt = .allocate(capacity: nK); kindCnt.initialize(repeating: 0, count: nK)
        tmp = .allocate(capacity: max(1, K)); tmp.initialize(repeating: -1, count: max(1, K))
        prevTmp = .allocate(capacity: max(1, K)); prevTmp.initialize(repeating: -1, count: max(1, K))
        sDay = copy(c.slotDay); sStart = copy(c.slotStart); sEnd = copy(c.slotEnd); sLen = copy(c.slotLen)
        sKind = copy(c.slotKind); sPlace = copy(c.slotPlace); succ = copy(c.succForbidden)
        reqStart = copy(c.reqStart); reqData = copy(c.reqData); elig = copy(c.eligible)
        hasStaticCost = c.hasStaticCost
        travelM = copy(c.travelMatrix); nPlaces = c.nPlaces
        contCost = Int(c.continuityCost); stabCost = Int(c.stabilityCost)
        hasPref = copy(c.slotHasPreferred)
        prefStart = copy(c.preferredStart); prefData = copy(c.preferredData)
        prevStart = copy(c.previousStart); prevData = copy(c.previousData)
        if c.K == 1 && c.travelPerChange == 0 && c.D >= windowedMinDays && !c.hasEdges {
            windowed = WindowedAggregates(P: c.P, nK: c.nK, D: c.D)
        }
        for (p, s) in c.pinned {
            let d = Int(c.slotDay[s])
            let base = (p * D + d) * K
            for k in 0..<K where cells[base + k] < 0 {
                cells[base + k] = Int32(s); pinnedCell[base + k] = true; break
            }
        }
        recomputeAll()
    }

    deinit {
        cells.deallocate(); pinnedCell.deallocate(); count.deallocate(); leaders.deallocate()
        pHard.deallocate(); pSoft.deallocate(); sHard.deallocate(); sSoft.deallocate()
        kindCnt.deallocate(); tmp.deallocate(); prevTmp.deallocate()
        sDay.deallocate(); sStart.deallocate(); sEnd.deallocate(); sLen.deallocate(); sKind.deallocate()
        sPlace.deallocate(); succ.deallocate(); reqStart.deallocate(); reqData.deallocate(); elig.deallocate()
        travelM.deallocate(); hasPref.deallocate(); prefStart.deallocate(); prefData.deallocate()
        prevStart.deallocate(); prevData.deallocate()
    }

    /// Same as `CompiledProblem.travelTime`, over raw buffers (the evaluation's hot path; in a debug
    /// build a method on the large `CompiledProblem` value costs far more than the lookup).
    @inline(__always) private func travelTime(_ a: Int32, _ b: Int32) -> Int {
        a < 0 || b < 0 || a == b ? 0 : Int(travelM[Int(a) * nPlaces + Int(b)])
    }

    /// Hard units of slot `s` against `p`'s shifts outside the horizon: rest and travel from the
    /// last one before it and to the first one after it, and, for the roster's first entry, a
    /// forbidden succession after the last shift before the horizon.
    @inline(__always) private func edgeUnits(_ p: Int, _ s: Int, rest: Int, isFirst: Bool) -> Int {
        var hard = 0
        if c.hasLastBefore[p] {
            let before = c.lastBeforePlace[p]
            if Int(sStart[s]) - Int(c.lastBeforeEnd[p]) < max(travelTime(before, sPlace[s]), rest) { hard += 1 }
            let k = Int(c.lastBeforeKind[p])
            if isFirst && k >= 0 && Int(sDay[s]) - Int(c.lastBeforeDay[p]) <= 1 && succ[k * nK + Int(sKind[s])] { hard += 1 }
        }
        if c.hasFirstAfter[p] {
            if Int(c.firstAfterStart[p]) - Int(sEnd[s]) < max(travelTime(sPlace[s], c.firstAfterPlace[p]), rest) { hard += 1 }
        }
        return hard
    }

    /// A forbidden succession from the roster's last entry to `p`'s first shift after the horizon.
    @inline(__always) private func edgeSuccessionAfter(_ p: Int, last: Int) -> Int {
        guard last >= 0, c.hasFirstAfter[p] else { return 0 }
        let k = Int(c.firstAfterKind[p])
        return k >= 0 && Int(c.firstAfterDay[p]) - Int(sDay[last]) <= 1 && succ[Int(sKind[last]) * nK + k] ? 1 : 0
    }

    /// Same as `CompiledProblem.staticCost`, over raw buffers.
    @inline(__always) private func staticCost(_ p: Int, _ s: Int) -> Int {
        var cost = 0
        let p32 = Int32(p)
        if contCost != 0 && hasPref[s] {
            cost += contCost
            var i = Int(prefStart[s])
            let e = Int(prefStart[s + 1])
            while i < e { if prefData[i] == p32 { cost -= contCost; break }; i += 1 }
        }
        if stabCost != 0 {
            cost += stabCost
            var i = Int(prevStart[s])
            let e = Int(prevStart[s + 1])
            while i < e { if prevData[i] == p32 { cost -= 2 * stabCost; break }; i += 1 }
        }
        return cost
    }

    @inline(__always) func isEligible(_ p: Int, _ s: Int32) -> Bool { s < 0 || elig[p * S + Int(s)] }

    func recomputeAll() {
        for s in 0..<S { count[s] = 0; leaders[s] = 0 }
        for p in 0..<P {
            for i in 0..<(D * K) {
                let s = cells[p * D * K + i]
                if s >= 0 { count[Int(s)] += 1; if c.isLeader[p] { leaders[Int(s)] += 1 } }
            }
        }
        hard = 0; soft = c.softConstant
        for s in 0..<S { let (h, so) = slotCost(s); sHard[s] = h; sSoft[s] = so; hard += h; soft += so }
        for p in 0..<P { let (h, so) = evalPerson(p); pHard[p] = h; pSoft[p] = so; hard += h; soft += so }
        if windowed != nil { for p in 0..<P { rebuildAggregates(p) } }
    }

    @inline(__always) func slotCost(_ s: Int) -> (Int, Int) {
        if c.hasBookings {
            if Int(c.groupRep[s]) != s { return (0, 0) }
            if c.groupMembers[s].count > 1 { return bookingCost(s) }
        }
        let n = Int(count[s]), req = Int(c.slotReq[s])
        var so = 0, h = 0
        if n < req { so = (req - n) * Int(c.slotUnder[s]) } else if n > req { so = (n - req) * Int(c.slotOver[s]) }
        if n > Int(c.slotMax[s]) { h += n - Int(c.slotMax[s]) }
        h += groupRuleUnits(s, people: n)
        return (h, so)
    }

    /// Hard units of slot `s`'s own group rules with `n` people on it: one person alone on a never-alone
    /// slot, people without a leader on a slot that needs one.
    @inline(__always) func groupRuleUnits(_ s: Int, people n: Int) -> Int {
        (c.slotNeverAlone[s] && n == 1 ? 1 : 0) + (c.slotNeedsLeader[s] && n > 0 && leaders[s] == 0 ? 1 : 0)
    }

    /// Cover and slot rules of a booking with alternative times (`s` is its first alternative): the
    /// headcount counts every alternative, and more than one staffed alternative is a hard unit each.
    func bookingCost(_ s: Int) -> (Int, Int) {
        var n = 0, staffed = 0, h = 0
        for m32 in c.groupMembers[s] {
            let m = Int(m32), k = Int(count[m])
            if k == 0 { continue }
            staffed += 1; n += k
            if k > Int(c.slotMax[m]) { h += k - Int(c.slotMax[m]) }
            h += groupRuleUnits(m, people: k)
        }
        if staffed > 1 { h += staffed - 1 }
        let req = Int(c.slotReq[s])
        var so = 0
        if n < req { so = (req - n) * Int(c.slotUnder[s]) } else if n > req { so = (n - req) * Int(c.slotOver[s]) }
        return (h, so)
    }

    @inline(__always) private func updateSlot(_ s: Int) {
        let s = c.hasBookings ? Int(c.groupRep[s]) : s
        let (h, so) = slotCost(s)
        hard += h - sHard[s]; soft += so - sSoft[s]
        sHard[s] = h; sSoft[s] = so
    }

    /// Sets entry (p, d, k) to slot `s` (or -1), updating slot cover costs (not the person's cost).
    @inline(__always) func setCell(_ p: Int, _ d: Int, _ k: Int, _ s: Int32) {
        let i = (p * D + d) * K + k
        let old = cells[i]
        if old == s { return }
        let lead = c.isLeader[p]
        if old >= 0 { count[Int(old)] -= 1; if lead { leaders[Int(old)] -= 1 }; updateSlot(Int(old)) }
        cells[i] = s
        if s >= 0 { count[Int(s)] += 1; if lead { leaders[Int(s)] += 1 }; updateSlot(Int(s)) }
    }

    /// Recomputes person p's cost and folds the change into the totals.
    @inline(__always) func refreshPerson(_ p: Int) {
        let (h, so) = evalPerson(p)
        hard += h - pHard[p]; soft += so - pSoft[p]
        pHard[p] = h; pSoft[p] = so
    }

    var minuteUnit = 60
    @inline(__always) private func hoursUp(_ m: Int) -> Int { (m + minuteUnit - 1) / minuteUnit }

    /// Full cost of one person's roster: (hard units, soft).
    @inline(__always) func evalPerson(_ p: Int) -> (Int, Int) {
        K == 1 && c.travelPerChange == 0 ? evalPersonK1(p) : evalPersonGeneral(p)
    }

    /// Fast path for at most one slot per person-day (the NRP case). Same rules as `evalPersonGeneral`.
    func evalPersonK1(_ p: Int) -> (Int, Int) {
        let base = p * D
        var hard = 0, soft = 0
        let maxC = Int(c.maxConsec[p]), minC = Int(c.minConsec[p]), minOff = Int(c.minConsecOff[p])
        let maxDay = Int(c.maxDayMin[p]), maxWeek = Int(c.maxWeekMin[p])
        let maxSD = Int(c.maxShiftsDay[p]), maxSW = Int(c.maxShiftsWeek[p]), rest = Int(c.minRest[p])
        for k in 0..<nK { kindCnt[k] = 0 }
        var total = 0, weekMin = 0, weekShifts = 0, weekends = 0
        var weekendWorked = false
        // With edges, a run of days worked just before the horizon continues into day 0 (only
        // days the roster adds to it can break the limit).
        let edges = c.hasEdges
        var run = edges ? min(Int(c.runBefore[p]), maxC) : 0, runStart = 0, offRun = 0, offStart = 0
        var first = true, last = -1
        var prev: Int32 = -1  // entry of day d-1 (or -1)
        let ac = hasStaticCost
        var wd = 0
        var rq = Int(reqStart[base])
        for d in 0..<D {
            let s32 = cells[base + d]
            if s32 < 0 {
                if run > 0 {
                    if d > 0 {
                        if run > maxC { hard += run - maxC }
                        if runStart > 0 && run < minC { hard += minC - run }
                    }
                    run = 0
                }
                if offRun == 0 { offStart = d }
                offRun += 1
            } else {
                let s = Int(s32)
                if offRun > 0 {
                    if offStart > 0 && offRun < minOff { hard += minOff - offRun }
                    offRun = 0
                }
                if run == 0 { runStart = d }
                run += 1
                let len = Int(sLen[s])
                kindCnt[Int(sKind[s])] += 1
                if ac { soft += staticCost(p, s) }
                if edges {
                    hard += edgeUnits(p, s, rest: rest, isFirst: first)
                    first = false
                    last = s
                }
                if prev >= 0 {
                    let q = Int(prev)
                    let gap = Int(sStart[s]) - Int(sEnd[q])
                    let tr = travelTime(sPlace[q], sPlace[s])
                    if gap < max(tr, rest) { hard += 1 }
                    if succ[Int(sKind[q]) * nK + Int(sKind[s])] { hard += 1 }
                }
                if len > maxDay { hard += hoursUp(len - maxDay) }
                if 1 > maxSD { hard += 1 - maxSD }
                total += len; weekMin += len; weekShifts += 1
                if wd >= 5 { weekendWorked = true }
            }
            let r1 = Int(reqStart[base + d + 1])
            while rq < r1 {
                let kind = reqData[rq], on = reqData[rq + 1] == 1
                let match = s32 >= 0 && (kind == -1 || sKind[Int(s32)] == kind)
                if on != match { soft += Int(reqData[rq + 2]) }
                rq += 3
            }
            prev = s32
            wd += 1
            if wd == 7 || d == D - 1 {
                if weekMin > maxWeek { hard += hoursUp(weekMin - maxWeek) }
                if weekShifts > maxSW { hard += weekShifts - maxSW }
                if weekendWorked { weekends += 1 }
                weekMin = 0; weekShifts = 0; weekendWorked = false; wd = 0
            }
        }
        if edges {
            hard += edgeSuccessionAfter(p, last: last)
            if run > 0 { run += min(Int(c.runAfter[p]), maxC) }
        }
        return horizonTotals(p, hard: hard, soft: soft, run: run, maxC: maxC, weekends: weekends, total: total)
    }

    func evalPersonGeneral(_ p: Int) -> (Int, Int) {
        let base = p * D * K
        var hard = 0, soft = 0
        let maxC = Int(c.maxConsec[p]), minC = Int(c.minConsec[p]), minOff = Int(c.minConsecOff[p])
        let maxDay = Int(c.maxDayMin[p]), maxWeek = Int(c.maxWeekMin[p])
        let maxSD = Int(c.maxShiftsDay[p]), maxSW = Int(c.maxShiftsWeek[p]), rest = Int(c.minRest[p])
        for k in 0..<nK { kindCnt[k] = 0 }
        var total = 0, weekMin = 0, weekShifts = 0, weekends = 0
        var weekendWorked = false
        let edges = c.hasEdges
        var run = edges ? min(Int(c.runBefore[p]), maxC) : 0, runStart = 0, offRun = 0, offStart = 0
        var first = true
        var last: Int32 = -1
        var prevN = 0
        let ac = hasStaticCost
        for d in 0..<D {
            // gather the day's entries sorted by start
            var n = 0
            let cb = base + d * K
            for k in 0..<K {
                let s = cells[cb + k]
                if s < 0 { continue }
                var j = n
                while j > 0 && sStart[Int(tmp[j - 1])] > sStart[Int(s)] { tmp[j] = tmp[j - 1]; j -= 1 }
                tmp[j] = s; n += 1
            }
            if n == 0 {
                if run > 0 {
                    if d > 0 {
                        if run > maxC { hard += run - maxC }
                        if runStart > 0 && run < minC { hard += minC - run }
                    }
                    run = 0
                }
                if offRun == 0 { offStart = d }
                offRun += 1
            } else {
                if offRun > 0 {
                    if offStart > 0 && offRun < minOff { hard += minOff - offRun }
                    offRun = 0
                }
                if run == 0 { runStart = d }
                run += 1
                var dayMin = 0
                for i in 0..<n {
                    let s = Int(tmp[i])
                    dayMin += Int(sLen[s])
                    kindCnt[Int(sKind[s])] += 1
                    if ac { soft += staticCost(p, s) }
                    if edges {
                        hard += edgeUnits(p, s, rest: rest, isFirst: first)
                        first = false
                    }
                    // overlap / travel / rest against every earlier entry of the day and of the previous worked day
                    for j in 0..<(i + prevN) {
                        let q = Int(j < i ? tmp[j] : prevTmp[j - i])
                        let gap = Int(sStart[s]) - Int(sEnd[q])
                        let tr = travelTime(sPlace[q], sPlace[s])
                        if gap < max(tr, rest) { hard += 1 }
                    }
                    let prev: Int32 = i == 0 ? last : tmp[i - 1]
                    if prev >= 0 {
                        let pq = Int(prev)
                        if Int(sDay[pq]) >= d - 1 && succ[Int(sKind[pq]) * nK + Int(sKind[s])] { hard += 1 }
                    }
                }
                if dayMin > maxDay { hard += hoursUp(dayMin - maxDay) }
                if n > maxSD { hard += n - maxSD }
                if n > 1 && c.travelPerChange > 0 {
                    var distinct = 0
                    for i in 0..<n {
                        let pl = sPlace[Int(tmp[i])]
                        if pl < 0 { continue }
                        var seen = false
                        for j in 0..<i where sPlace[Int(tmp[j])] == pl { seen = true; break }
                        if !seen { distinct += 1 }
                    }
                    if distinct > 1 { soft += (distinct - 1) * Int(c.travelPerChange) }
                }
                total += dayMin; weekMin += dayMin; weekShifts += n
                if d % 7 >= 5 { weekendWorked = true }
                last = tmp[n - 1]
                for i in 0..<n { prevTmp[i] = tmp[i] }
                prevN = n
            }
            // requests
            let r0 = Int(reqStart[p * D + d]), r1 = Int(reqStart[p * D + d + 1])
            var r = r0
            while r < r1 {
                let kind = reqData[r], on = reqData[r + 1] == 1, w = Int(reqData[r + 2])
                var match = false
                for i in 0..<n where kind == -1 || sKind[Int(tmp[i])] == kind { match = true; break }
                if on != match { soft += w }
                r += 3
            }
            if d % 7 == 6 || d == D - 1 {
                if weekMin > maxWeek { hard += hoursUp(weekMin - maxWeek) }
                if weekShifts > maxSW { hard += weekShifts - maxSW }
                if weekendWorked { weekends += 1 }
                weekMin = 0; weekShifts = 0; weekendWorked = false
            }
        }
        if edges {
            hard += edgeSuccessionAfter(p, last: Int(last))
            if run > 0 { run += min(Int(c.runAfter[p]), maxC) }
        }
        return horizonTotals(p, hard: hard, soft: soft, run: run, maxC: maxC, weekends: weekends, total: total)
    }

    /// Current assignments as (person index, slot index) pairs.
    /// The rules over the whole horizon that both person evaluations end with: the last run of
    /// working days, weekends, total minutes, shifts per kind, and fairness against the target.
    @inline(__always) private func horizonTotals(
        _ p: Int, hard: Int, soft: Int, run: Int, maxC: Int, weekends: Int, total: Int
    ) -> (Int, Int) {
        var hard = hard
        var soft = soft
        if run > maxC { hard += run - maxC }
        if weekends > Int(c.maxWeekends[p]) { hard += weekends - Int(c.maxWeekends[p]) }
        let minT = Int(c.minTotal[p]), maxT = Int(c.maxTotal[p])
        if total < minT { hard += hoursUp(minT - total) }
        if total > maxT { hard += hoursUp(total - maxT) }
        let kb = p * nK
        for k in 0..<nK where Int(kindCnt[k]) > Int(c.maxPerKind[kb + k]) { hard += Int(kindCnt[k]) - Int(c.maxPerKind[kb + k]) }
        if c.target[p] >= 0 && c.fairnessPerHour > 0 {
            soft += abs(total - Int(c.target[p])) * Int(c.fairnessPerHour) / 60
        }
        return (hard, soft)
    }

    func assignmentPairs() -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for p in 0..<P { for i in 0..<(D * K) { let s = cells[p * D * K + i]; if s >= 0 { out.append((p, Int(s))) } } }
        return out
    }

    func snapshot() -> [Int32] { Array(UnsafeBufferPointer(start: cells, count: P * D * K)) }

    func restore(_ snap: [Int32]) {
        snap.withUnsafeBufferPointer { b in
            if let a = b.baseAddress { cells.update(from: a, count: P * D * K) }
        }
        recomputeAll()
    }
}
