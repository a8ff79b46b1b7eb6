import Foundation

/// Windowed delta evaluation for long horizons with at most one slot per person-day (K = 1, no travel cost):
/// a change of days a…b re-scores only the days a…b+1, the work/off runs touching them, their weeks, and the
/// person's totals (kept as aggregates), instead of the whole row. Gives the same numbers as `evalPersonK1`.
final class WindowedAggregates {
    var minutes: [Int]
    var weekends: [Int]
    var kinds: [Int32]  // [p * nK + k]
    // undo log: (person, old minutes, old weekends, start index in kindLog)
    var log: [(Int, Int, Int, Int)] = []
    var kindLog: [(Int, Int32)] = []  // (index, delta applied)
    var oldRow: [Int32]
    var newRow: [Int32]

    init(P: Int, nK: Int, D: Int) {
        minutes = Array(repeating: 0, count: max(1, P)); weekends = Array(repeating: 0, count: max(1, P))
        kinds = Array(repeating: 0, count: max(1, P * nK))
        oldRow = Array(repeating: -1, count: max(1, D)); newRow = Array(repeating: -1, count: max(1, D))
    }
}

extension SearchState {
    /// Recomputes person p's aggregates from the row.
    func rebuildAggregates(_ p: Int) {
        guard let w = windowed else { return }
        var m = 0, we = 0
        for k in 0..<nK { w.kinds[p * nK + k] = 0 }
        for d in 0..<D {
            let s = cells[p * D + d]
            if s >= 0 { m += Int(c.slotLen[Int(s)]); w.kinds[p * nK + Int(c.slotKind[Int(s)])] += 1 }
        }
        var wk = 0
        while wk * 7 + 5 < D {
            let sat = cells[p * D + wk * 7 + 5] >= 0, sun = wk * 7 + 6 < D && cells[p * D + wk * 7 + 6] >= 0
            if sat || sun { we += 1 }
            wk += 1
        }
        w.minutes[p] = m; w.weekends[p] = we
    }

    /// Terms of person p that depend on the totals.
    func globalTerms(_ p: Int, minutes total: Int, weekends: Int) -> (Int, Int) {
        guard let w = windowed else { return (0, 0) }
        var hard = 0, soft = 0
        if weekends > Int(c.maxWeekends[p]) { hard += weekends - Int(c.maxWeekends[p]) }
        let minT = Int(c.minTotal[p]), maxT = Int(c.maxTotal[p])
        let u = minuteUnit
        if total < minT { hard += (minT - total + u - 1) / u }
        if total > maxT { hard += (total - maxT + u - 1) / u }
        let kb = p * nK
        for k in 0..<nK where Int(w.kinds[kb + k]) > Int(c.maxPerKind[kb + k]) {
            hard += Int(w.kinds[kb + k]) - Int(c.maxPerKind[kb + k])
        }
        if c.target[p] >= 0 && c.fairnessPerHour > 0 { soft += abs(total - Int(c.target[p])) * Int(c.fairnessPerHour) / 60 }
        return (hard, soft)
    }

    /// Local, run and week terms touched by days a…b, plus the minutes of a…b and the weekends of its weeks.
    func partialTerms(_ p: Int, _ a: Int, _ b: Int) -> (hard: Int, soft: Int, minutes: Int, weekends: Int) {
        let base = p * D
        let u = minuteUnit
        var hard = 0, soft = 0
        @inline(__always) func works(_ d: Int) -> Bool { cells[base + d] >= 0 }
        // runs between L (start of the run holding a-1) and R (end of the run holding b+1)
        var L = 0
        if a > 0 { let w = works(a - 1); L = a - 1; while L > 0 && works(L - 1) == w { L -= 1 } }
        var R = D - 1
        if b < D - 1 { let w = works(b + 1); R = b + 1; while R < D - 1 && works(R + 1) == w { R += 1 } }
        let maxC = Int(c.maxConsec[p]), minC = Int(c.minConsec[p]), minOff = Int(c.minConsecOff[p])
        var d = L
        while d <= R {
            let w = works(d)
            var e = d
            while e < R && works(e + 1) == w { e += 1 }
            let len = e - d + 1
            if w {
                if len > maxC { hard += len - maxC }
                if d > 0 && e < D - 1 && len < minC { hard += minC - len }
            } else if d > 0 && e < D - 1 && len < minOff {
                hard += minOff - len
            }
            d = e + 1
        }
        // local day terms for a…b+1
        let maxDay = Int(c.maxDayMin[p]), maxSD = Int(c.maxShiftsDay[p]), rest = Int(c.minRest[p])
        let last = min(b + 1, D - 1)
        var minutes = 0
        for d in a...last {
            let s32 = cells[base + d]
            if s32 >= 0 {
                let s = Int(s32)
                let len = Int(c.slotLen[s])
                if d <= b { minutes += len }
                if c.hasStaticCost { soft += c.staticCost(p, s) }
                if d > 0 {
                    let q32 = cells[base + d - 1]
                    if q32 >= 0 {
                        let q = Int(q32)
                        let gap = Int(c.slotStart[s]) - Int(c.slotEnd[q])
                        let pa = c.slotPlace[q], pb = c.slotPlace[s]
                        let tr = pa < 0 || pb < 0 || pa == pb ? 0 : Int(c.travelMatrix[Int(pa) * c.nPlaces + Int(pb)])
                        if gap < max(tr, rest) { hard += 1 }
                        if c.succForbidden[Int(c.slotKind[q]) * nK + Int(c.slotKind[s])] { hard += 1 }
                    }
                }
                if len > maxDay { hard += (len - maxDay + u - 1) / u }
                if 1 > maxSD { hard += 1 - maxSD }
            }
            let r1 = Int(c.reqStart[base + d + 1])
            var r = Int(c.reqStart[base + d])
            while r < r1 {
                let kind = c.reqData[r], on = c.reqData[r + 1] == 1
                let match = s32 >= 0 && (kind == -1 || c.slotKind[Int(s32)] == kind)
                if on != match { soft += Int(c.reqData[r + 2]) }
                r += 3
            }
        }
        // weeks of a…b
        let maxWeek = Int(c.maxWeekMin[p]), maxSW = Int(c.maxShiftsWeek[p])
        var weekends = 0
        for w in (a / 7)...(b / 7) {
            var wm = 0, ws = 0
            for d in (w * 7)..<min(D, w * 7 + 7) {
                let s = cells[base + d]
                if s >= 0 { wm += Int(c.slotLen[Int(s)]); ws += 1 }
            }
            if wm > maxWeek { hard += (wm - maxWeek + u - 1) / u }
            if ws > maxSW { hard += ws - maxSW }
            if w * 7 + 5 < D && (works(w * 7 + 5) || (w * 7 + 6 < D && works(w * 7 + 6))) { weekends += 1 }
        }
        return (hard, soft, minutes, weekends)
    }

    /// Re-scores person p after days a…b changed; `windowed.oldRow[a…b]` must hold the previous slots.
    func refreshPersonRange(_ p: Int, _ a: Int, _ b: Int) {
        guard let w = windowed else { refreshPerson(p); return }
        let base = p * D
        for d in a...b { w.newRow[d] = cells[base + d]; cells[base + d] = w.oldRow[d] }
        let before = partialTerms(p, a, b)
        let gBefore = globalTerms(p, minutes: w.minutes[p], weekends: w.weekends[p])
        for d in a...b { cells[base + d] = w.newRow[d] }
        let after = partialTerms(p, a, b)
        w.log.append((p, w.minutes[p], w.weekends[p], w.kindLog.count))
        for d in a...b where w.oldRow[d] != w.newRow[d] {
            if w.oldRow[d] >= 0 { let i = p * nK + Int(c.slotKind[Int(w.oldRow[d])]); w.kinds[i] -= 1; w.kindLog.append((i, -1)) }
            if w.newRow[d] >= 0 { let i = p * nK + Int(c.slotKind[Int(w.newRow[d])]); w.kinds[i] += 1; w.kindLog.append((i, 1)) }
        }
        w.minutes[p] += after.minutes - before.minutes
        w.weekends[p] += after.weekends - before.weekends
        let gAfter = globalTerms(p, minutes: w.minutes[p], weekends: w.weekends[p])
        let dh = after.hard - before.hard + gAfter.0 - gBefore.0
        let ds = after.soft - before.soft + gAfter.1 - gBefore.1
        pHard[p] += dh; pSoft[p] += ds; hard += dh; soft += ds
    }

    /// Full re-score in windowed mode: rebuilds the aggregates too (logged for undo).
    func refreshPersonFull(_ p: Int) {
        if let w = windowed {
            w.log.append((p, w.minutes[p], w.weekends[p], w.kindLog.count))
            let old = Array(w.kinds[(p * nK)..<(p * nK + nK)])
            rebuildAggregates(p)
            for k in 0..<nK where w.kinds[p * nK + k] != old[k] { w.kindLog.append((p * nK + k, w.kinds[p * nK + k] - old[k])) }
        }
        refreshPerson(p)
    }

    func aggregatesBegin() { windowed?.log.removeAll(keepingCapacity: true); windowed?.kindLog.removeAll(keepingCapacity: true) }

    func aggregatesUndo() {
        guard let w = windowed else { return }
        var i = w.log.count - 1
        while i >= 0 {
            let (p, m, we, k0) = w.log[i]
            var j = w.kindLog.count - 1
            while j >= k0 { let (idx, delta) = w.kindLog[j]; w.kinds[idx] -= delta; j -= 1 }
            w.kindLog.removeLast(w.kindLog.count - k0)
            w.minutes[p] = m; w.weekends[p] = we
            i -= 1
        }
        w.log.removeAll(keepingCapacity: true)
    }
}
