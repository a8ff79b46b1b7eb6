import Foundation

/// Large-neighbourhood move: re-roster one person over a window of days by dynamic programming, holding everyone
/// else fixed. The DP minimises the person's marginal cover and request cost subject to their run, succession,
/// weekend and minute rules; the proposal is then scored exactly by the incremental evaluator and accepted or
/// rejected like any other move. Only for problems with at most one slot per person-day (K = 1).
struct RowDP {
    var cost: [Int] = []
    var parent: [Int32] = []  // [layer * states + state] -> previous state
    var choice: [Int32] = []  // [layer * states + state] -> option index
    var optSlots: [[Int32]] = []
    var optCost: [[Int]] = []
    /// Kinds that forbid the same successors share a class: the DP only needs to remember the class of the last
    /// kind worked, which makes its state space several times smaller on instances with many shift types.
    var kindClass: [Int] = []
    var classKind: [Int] = []  // a representative kind of each class
    static let inf = Int.max / 4
    /// DP cells visited so far (states × days), the measure of the time the DP moves take.
    var work = 0

    init() {}

    init(kinds nK: Int, succForbidden: [Bool]) {
        var rows: [[Bool]: Int] = [:]
        for k in 0..<nK {
            let row = Array(succForbidden[(k * nK)..<((k + 1) * nK)])
            if let cl = rows[row] {
                kindClass.append(cl)
            } else {
                rows[row] = classKind.count; kindClass.append(classKind.count); classKind.append(k)
            }
        }
    }
}

extension Engine {
    mutating func moveRowDP(window: Int, maxCells: Int = 1_500_000) -> Bool {
        if st.K != 1 || st.D < 2 || c.hasEdges { return false }  // the DP does not model horizon edges
        let p = pickPerson()
        let L = min(st.D, window)
        return rowDP(person: p, from: rng.int(st.D - L + 1), days: L, maxCells: maxCells)
    }

    /// Re-rosters person `p` over days `a ..< a + L` (see `RowDP`), with `force.day` on `force.slot` if given; false
    /// when nothing changed or the state space is too large. The change is left open (`begin` … `touch`) for the
    /// caller to accept or undo; with `open: false` it joins a change the caller has already begun. With `strict`,
    /// also false when the best row still breaks one of the person's rules (their minute minimum, or a run or
    /// succession where the window meets the days after it): the chain wants no such link, while the repair move
    /// takes the least bad row.
    mutating func rowDP(
        person p: Int, from a: Int, days L: Int, maxCells: Int, force: (day: Int, slot: Int32)? = nil, open: Bool = true,
        strict: Bool = false
    ) -> Bool {
        if st.K != 1 || st.D < 2 || c.hasEdges { return false }
        let D = st.D
        let b = a + L - 1
        if dp.kindClass.count != c.nK { dp = RowDP(kinds: c.nK, succForbidden: c.succForbidden) }
        let nK = dp.classKind.count
        let G = c.lengthGCD
        let maxC = Int(c.maxConsec[p]), minC = Int(c.minConsec[p]), minOff = Int(c.minConsecOff[p])
        let limitedC = maxC < Int(CompiledProblem.big)
        let rCap = limitedC ? max(1, maxC) : max(1, minC)
        let oCap = max(1, minOff)
        // left context
        var phase0: Int, t0 = 0
        if a == 0 {
            phase0 = -oCap; t0 = 1
        } else {
            let prev = st.cells[p * D + a - 1]
            var len = 0, dd = a - 1
            let working = prev >= 0
            while dd >= 0 && (st.cells[p * D + dd] >= 0) == working { len += 1; dd -= 1 }
            t0 = dd < 0 ? 1 : 0
            if working {
                phase0 = (min(len, rCap) - 1) * nK + dp.kindClass[Int(c.slotKind[Int(prev)])]
            } else {
                phase0 = -min(len, oCap)
            }
        }
        // outside totals
        var outMin = 0
        for d in 0..<D where d < a || d > b { let s = st.cells[p * D + d]; if s >= 0 { outMin += Int(c.slotLen[Int(s)]) } }
        var outWeekends = 0, windowWeekends = 0
        var w = 0
        while w * 7 + 5 < D {
            let sat = w * 7 + 5, sun = w * 7 + 6
            var outWorked = false, touches = false
            for d in [sat, sun] where d < D {
                if d >= a && d <= b { touches = true } else if st.cells[p * D + d] >= 0 { outWorked = true }
            }
            if outWorked { outWeekends += 1 } else if touches { windowWeekends += 1 }
            w += 1
        }
        let Wb = max(0, min(Int(c.maxWeekends[p]) - outWeekends, windowWeekends))
        let maxT = Int(c.maxTotal[p]), minT = Int(c.minTotal[p])
        let maxUnitsWindow = L * (c.longestSlot / G)
        let Ub = max(0, min(maxUnitsWindow, maxT >= Int(CompiledProblem.big) ? maxUnitsWindow : (maxT - outMin) / G))
        let Umin = max(0, (minT - outMin + G - 1) / G)
        let phases = rCap * nK + oCap

        // kinds the person has already used up outside the window are not offered
        var kindLeft = [Int](repeating: 0, count: c.nK)
        for k in 0..<c.nK { kindLeft[k] = Int(c.maxPerKind[p * c.nK + k]) }
        for d in 0..<D where d < a || d > b {
            let s = st.cells[p * D + d]
            if s >= 0 { kindLeft[Int(c.slotKind[Int(s)])] -= 1 }
        }
        // options and their marginal costs
        if dp.optSlots.count < L { dp.optSlots = Array(repeating: [], count: L); dp.optCost = Array(repeating: [], count: L) }
        for j in 0..<L {
            let d = a + j
            let ci = p * D + d
            var slots: [Int32]
            if st.pinnedCell[ci] {
                slots = [st.cells[ci]]
            } else if let f = force, f.day == d {
                slots = [f.slot]
            } else {
                slots = [-1] + c.eligByPD[ci].filter { kindLeft[Int(c.slotKind[Int($0)])] > 0 }
            }
            var costs: [Int] = []
            costs.reserveCapacity(slots.count)
            let r0 = Int(c.reqStart[ci]), r1 = Int(c.reqStart[ci + 1])
            for s in slots {
                var cost = 0
                if s >= 0 {
                    let si = Int(s)
                    let n = Int(st.count[si]) - (st.cells[ci] == s ? 1 : 0)
                    cost += n < Int(c.slotReq[si]) ? -Int(c.slotUnder[si]) : Int(c.slotOver[si])
                    if c.hasStaticCost { cost += c.staticCost(p, si) }
                }
                var r = r0
                while r < r1 {
                    let kind = c.reqData[r], on = c.reqData[r + 1] == 1
                    let match = s >= 0 && (kind == -1 || c.slotKind[Int(s)] == kind)
                    if on != match { cost += Int(c.reqData[r + 2]) }
                    r += 3
                }
                costs.append(cost)
            }
            dp.optSlots[j] = slots; dp.optCost[j] = costs
        }
        // The days after the window stay as they are: a final state whose run meets them badly (a forbidden
        // succession, a run of days worked or off that becomes too long or too short, on either side of the
        // window's end) costs hard units there, which the passes cannot see. Such states are chosen only when
        // nothing else is possible.
        var nextWorked = false, nextKind = 0, runAfter = 0, reachesEnd = true
        if b < D - 1 {
            let nx = st.cells[p * D + b + 1]
            nextWorked = nx >= 0
            if nextWorked { nextKind = Int(c.slotKind[Int(nx)]) }
            var dd = b + 1
            while dd < D && (st.cells[p * D + dd] >= 0) == nextWorked { runAfter += 1; dd += 1 }
            reachesEnd = dd >= D
        }
        let workPhases = rCap * nK
        func junctionUnits(phase ph: Int, t: Int) -> Int {
            if b >= D - 1 { return 0 }
            if ph < workPhases {
                let r = ph / nK + 1
                if !nextWorked {
                    var units = t == 0 && r < minC ? minC - r : 0
                    if !reachesEnd && runAfter < minOff { units += minOff - runAfter }
                    return units
                }
                var units = c.succForbidden[dp.classKind[ph % nK] * c.nK + nextKind] ? 1 : 0
                let run = r + runAfter
                if limitedC && run > maxC { units += run - maxC }
                if !reachesEnd && t == 0 && run < minC { units += minC - run }
                return units
            }
            let o = ph - workPhases + 1
            if nextWorked {
                var units = t == 0 && o < minOff ? minOff - o : 0
                if !reachesEnd && runAfter < minC { units += minC - runAfter }
                return units
            }
            return !reachesEnd && t == 0 && o + runAfter < minOff ? minOff - o - runAfter : 0
        }
        let junctionWeight = 1_000_000
        // A kind the person may work only so many more times: the passes offer it on every day, so a row that
        // uses it too often is re-done once with that kind's count in the state (0 ... what is left of it).
        var tracked = -1, trackedCap = 0
        var row = [Int32](repeating: -1, count: L)
        for attempt in 0..<2 {
            let KC = tracked >= 0 ? trackedCap + 1 : 1
            let states = phases * 2 * (Wb + 1) * KC * (Ub + 1)
            if states > 200_000 || states * L > maxCells { return false }
            dp.work += states * L
            let inf = RowDP.inf
            if dp.cost.count < 2 * states { dp.cost = Array(repeating: inf, count: 2 * states) }
            if dp.parent.count < L * states {
                dp.parent = Array(repeating: -1, count: L * states); dp.choice = Array(repeating: -1, count: L * states)
            }
            @inline(__always) func index(_ ph: Int, _ t: Int, _ w: Int, _ kc: Int, _ u: Int) -> Int {
                (((ph * 2 + t) * (Wb + 1) + w) * KC + kc) * (Ub + 1) + u
            }
            func phaseIndex(_ ph: Int) -> Int { ph >= 0 ? ph : rCap * nK + (-ph - 1) }
            var cur = 0, nxt = states
            let startIdx = index(phaseIndex(phase0), t0, 0, 0, 0)
            let U = Ub + 1
            let nBlocks = states / U
            // Per (phase, t, weekends) block, each option's target block (or -1) and the units it adds: the
            // transition depends on the block and the option, not on the units, so it is worked out once per block
            // and the units are then a plain offset. Same visiting order (state, then option) as one loop per state.
            var maxOpt = 1
            for j in 0..<L { maxOpt = max(maxOpt, dp.optSlots[j].count) }
            let target = UnsafeMutablePointer<Int>.allocate(capacity: maxOpt)
            let units = UnsafeMutablePointer<Int>.allocate(capacity: maxOpt)
            defer { target.deallocate(); units.deallocate() }
            var costArr = dp.cost, parentArr = dp.parent, choiceArr = dp.choice
            dp.cost = []; dp.parent = []; dp.choice = []  // moved out (no copy), moved back after the passes
            costArr.withUnsafeMutableBufferPointer { costBuf in
                parentArr.withUnsafeMutableBufferPointer { parentBuf in
                    choiceArr.withUnsafeMutableBufferPointer { choiceBuf in
                        let cost = costBuf, parent = parentBuf, choice = choiceBuf
                        for i in 0..<states { cost[cur + i] = inf }
                        cost[cur + startIdx] = 0
                        for j in 0..<L {
                            let d = a + j
                            let wd = d % 7
                            for i in 0..<states { cost[nxt + i] = inf }
                            let slots = dp.optSlots[j], costs = dp.optCost[j]
                            let nOpt = slots.count
                            let layer = j * states
                            for block in 0..<nBlocks {
                                let from = cur + block * U
                                var any = false
                                for u in 0..<U where cost[from + u] < inf { any = true; break }
                                if !any { continue }
                                var rem = block
                                let kc = rem % KC; rem /= KC
                                let w = rem % (Wb + 1); rem /= (Wb + 1)
                                let t = rem % 2; rem /= 2
                                let ph = rem
                                let working = ph < workPhases
                                let r = working ? ph / nK + 1 : 0, k = working ? ph % nK : -1
                                let o = working ? 0 : ph - workPhases + 1
                                for oi in 0..<nOpt {
                                    target[oi] = -1
                                    let s = slots[oi]
                                    var nph: Int, nt: Int, nw = w, nkc = kc, du = 0
                                    if s < 0 {
                                        if working {
                                            if t == 0 && r < minC { continue }
                                            nph = workPhases; nt = 0
                                        } else {
                                            nph = workPhases + min(o + 1, oCap) - 1; nt = t
                                        }
                                    } else {
                                        let si = Int(s), k2 = Int(c.slotKind[si])
                                        if k2 == tracked { nkc += 1; if nkc >= KC { continue } }
                                        if working {
                                            if c.succForbidden[dp.classKind[k] * c.nK + k2] { continue }
                                            var r2 = r + 1
                                            if r2 > rCap { if limitedC { continue } else { r2 = rCap } }
                                            nph = (r2 - 1) * nK + dp.kindClass[k2]; nt = t
                                        } else {
                                            if t == 0 && o < minOff { continue }
                                            nph = dp.kindClass[k2]; nt = 0
                                        }
                                        if wd == 5 || (wd == 6 && !working) { nw += 1; if nw > Wb { continue } }
                                        du = Int(c.slotLen[si]) / G
                                        if du > Ub { continue }
                                    }
                                    target[oi] = index(nph, nt, nw, nkc, 0)
                                    units[oi] = du
                                }
                                costs.withUnsafeBufferPointer { optCost in
                                    for u in 0..<U {
                                        let base = cost[from + u]
                                        if base >= inf { continue }
                                        let sIdx = Int32(block * U + u)
                                        for oi in 0..<nOpt {
                                            let tb = target[oi]
                                            if tb < 0 { continue }
                                            let nu = u + units[oi]
                                            if nu > Ub { continue }
                                            let ni = tb + nu
                                            let v = base + optCost[oi]
                                            if v < cost[nxt + ni] {
                                                cost[nxt + ni] = v
                                                parent[layer + ni] = sIdx
                                                choice[layer + ni] = Int32(oi)
                                            }
                                        }
                                    }
                                }
                            }
                            swap(&cur, &nxt)
                        }
                    }
                }
            }
            dp.cost = costArr; dp.parent = parentArr; dp.choice = choiceArr
            // best final state meeting the minute minimum (else the one with most minutes)
            var best = -1, bestCost = inf, bestU = -1, bestJunction = 0
            for sIdx in 0..<states {
                var v = dp.cost[cur + sIdx]
                if v >= inf { continue }
                let block = sIdx / U / KC / (Wb + 1)
                let junction = junctionUnits(phase: block / 2, t: block % 2)
                v += junction * junctionWeight
                let u = sIdx % (Ub + 1)
                let ok = u >= Umin
                let bestOk = bestU >= Umin
                if best < 0 || (ok && !bestOk)
                    || (ok == bestOk && (ok ? v < bestCost : (u > bestU || (u == bestU && v < bestCost))))
                {
                    best = sIdx; bestCost = v; bestU = u; bestJunction = junction
                }
            }
            if best < 0 || (strict && (bestU < Umin || bestJunction > 0)) { return false }
            var sIdx = best
            var j = L - 1
            while j >= 0 {
                let oi = Int(dp.choice[j * states + sIdx])
                if oi < 0 { return false }
                row[j] = dp.optSlots[j][oi]
                sIdx = Int(dp.parent[j * states + sIdx])
                j -= 1
            }
            var used = [Int](repeating: 0, count: c.nK)
            for s in row where s >= 0 { used[Int(c.slotKind[Int(s)])] += 1 }
            guard let over = (0..<c.nK).first(where: { used[$0] > kindLeft[$0] }) else { break }
            if attempt > 0 { return false }
            tracked = over; trackedCap = max(0, kindLeft[over])
        }
        var differs = false
        for j in 0..<L where st.cells[p * D + a + j] != row[j] { differs = true; break }
        if !differs { return false }
        if open { begin() }
        for j in 0..<L where st.cells[p * D + a + j] != row[j] { set(p, a + j, 0, row[j]) }
        touch(p)
        return true
    }
}

extension Engine {
    /// Whether the ejection chain applies to this problem: the row DP's case (one entry per person-day, no
    /// horizon edges) without bookings.
    static func chainApplies(_ c: CompiledProblem) -> Bool { c.K == 1 && c.D >= 2 && !c.hasEdges && !c.hasBookings }

    /// Ejection chain (K = 1): a person takes a slot that is short of people and has their row around it
    /// re-rostered by the DP with that day fixed (dropping, say, an over-staffed shift or one they no longer
    /// have the minutes for); each slot that their new row leaves short is then given the same way to someone
    /// else, up to `depth` people. People here often sit at their minute limits, so covering a gap means
    /// moving shifts between several people's rows at once; the annealing judges the whole chain as one move.
    mutating func moveChainDP(window: Int, depth: Int, choices: Int = 1, hardWeight: Int = 0) -> Bool {
        if !Engine.chainApplies(c) { return false }
        func forced(_ slot: Int) -> (day: Int, slot: Int32) { (Int(c.slotDay[slot]), Int32(slot)) }
        var short: [Int] = []
        for s in 0..<st.S where st.count[s] < c.slotReq[s] && !c.eligPeople[s].isEmpty { short.append(s) }
        if short.isEmpty { return false }
        var target = short[rng.int(short.count)]
        var begun = false
        var used: [Int] = []
        for _ in 0..<depth {
            let el = c.eligPeople[target]
            let d = Int(c.slotDay[target])
            let L = min(st.D, window)
            // up to three people in turn: a row that cannot take the slot without breaking a rule is no link; with
            // `choices` > 1, that many rows that can are tried and the one with the best score is kept
            var p = -1, a = 0, before: [Int32] = []
            var tried: [Int] = []
            var found: [(person: Int, from: Int, value: Int)] = []
            for _ in 0..<8 where tried.count < 3 * choices && found.count < choices {
                let q = Int(el[rng.int(el.count)])
                let ci = q * st.D + d
                if used.contains(q) || tried.contains(q) || st.pinnedCell[ci] || st.cells[ci] == Int32(target) { continue }
                tried.append(q)
                let aq = max(0, min(st.D - L, d - L / 2 + rng.int(3) - 1))
                let row = Array(UnsafeBufferPointer(start: st.cells + q * st.D + aq, count: L))  // the window only
                if choices > 1 && !begun { begin(); begun = true }
                if !rowDP(person: q, from: aq, days: L, maxCells: 1_500_000, force: forced(target), open: !begun, strict: true) {
                    continue
                }
                if choices == 1 { p = q; a = aq; before = row; break }
                found.append((q, aq, st.hard * hardWeight + st.soft))
                for e in 0..<L where st.cells[q * st.D + aq + e] != row[e] { set(q, aq + e, 0, row[e]) }
                touch(q)
            }
            if let pick = found.min(by: { $0.value < $1.value }) {
                p = pick.person; a = pick.from
                before = Array(UnsafeBufferPointer(start: st.cells + p * st.D + a, count: L))
                _ = rowDP(person: p, from: a, days: L, maxCells: 1_500_000, force: forced(target), open: false, strict: true)
            }
            if p < 0 { break }
            begun = true
            used.append(p)
            // a slot the new row gave up that is now short: the next link
            var next: [Int] = []
            for e in a..<(a + L) where before[e - a] >= 0 && st.cells[p * st.D + e] != before[e - a] {
                let t = Int(before[e - a])
                if st.count[t] < c.slotReq[t] && !c.eligPeople[t].isEmpty { next.append(t) }
            }
            if next.isEmpty { break }
            target = next[rng.int(next.count)]
        }
        return begun
    }
}
