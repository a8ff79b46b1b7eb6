/// Day re-assignment: re-deals one day's entries among everyone at once, holding every other day fixed.
///
/// With the other days fixed, each person's cost depends only on their own entry that day, and the cover cost
/// only on how many people each slot of that day gets. So the best re-deal of the day is a minimum-cost flow:
/// people flow to that day's slots (or to a day off) at their own cost, slots take them at the marginal cover
/// cost. It is found by cancelling negative cycles in a small graph whose nodes are the day's slots, the day
/// off and a cover node: an edge a → b is the cheapest move of one person from a to b, an edge b → cover the
/// cost of one more person on b, cover → a that of one fewer on a. A cycle through slots passes a shift along
/// several people (each moves one step: X leaves an over-staffed slot for Y's, Y takes the short one); one
/// through the cover node also changes the headcounts at its ends. Single changes and swaps only see two of
/// these steps at a time and cannot cross the rule-breaking state in between.
///
/// Written here because it is a dozen-node Bellman-Ford over costs the incremental evaluator supplies; no
/// graph library on this machine works on these tables, and the solver must stay free of dependencies.
/// Only for at most one entry per person-day (K = 1) without bookings or group rules on slots (never alone,
/// needs a leader), whose cover costs are not separable per slot.
struct DayFlow {
    /// [p * nodes + node] cost of person p's roster with that node on the day, against their current one.
    var delta: [Int] = []
    var node: [Int] = []  // [p] node each person is on now (-1: pinned, left out)
    var startNode: [Int] = []
    var count: [Int] = []
    var weight: [Int] = []  // [a * nodes + b]
    var mover: [Int] = []  // [a * nodes + b] the person the edge moves
    var dist: [Int] = []
    var parent: [Int] = []
    /// The score change the last re-deal predicted (hard units weighted); the evaluator must agree.
    var predicted = 0
    /// Re-deals tried and re-deals that changed the day (for tests and tuning).
    var calls = 0, changes = 0
    static let inf = Int.max / 4

    /// Sets `a` to `count` copies of `value`, keeping its storage (the scratch arrays are reused every re-deal).
    static func fill(_ a: inout [Int], _ value: Int, count: Int) {
        a.removeAll(keepingCapacity: true)
        a.append(contentsOf: repeatElement(value, count: count))
    }
}

extension Engine {
    /// Whether the day re-assignment applies to this problem (see `DayFlow`).
    static func dayFlowApplies(_ c: CompiledProblem) -> Bool {
        c.K == 1 && !c.hasBookings && !c.slotNeverAlone.contains(true) && !c.slotNeedsLeader.contains(true)
    }

    /// A day to re-deal: `shortShare` times in 100, one with a slot short of people (if any), else any day.
    mutating func dayFlowDay(shortShare: Int) -> Int {
        if rng.int(100) < shortShare {
            var n = 0, pick = -1
            for s in 0..<st.S where st.count[s] < c.slotReq[s] {
                n += 1
                if rng.int(n) == 0 { pick = s }
            }
            if pick >= 0 { return Int(c.slotDay[pick]) }
        }
        return rng.int(st.D)
    }

    /// Re-deals day `d` optimally (hard units count `hardWeight` each); false when the day is already optimal.
    /// The change is left open (`begin` … `touch`) for the caller to accept or undo; its score change is
    /// exactly the flow's cost.
    mutating func dayFlow(day d: Int, hardWeight: Int) -> Bool {
        let D = st.D, P = st.P
        let daySlots = c.slotsByDay[d]
        let n = daySlots.count + 2  // 0: off, 1…: the day's slots, n - 1: cover
        let cover = n - 1
        let inf = DayFlow.inf
        var f = dayFlowScratch
        dayFlowScratch = DayFlow()  // f alone holds the scratch arrays, so they are reused, not copied
        DayFlow.fill(&f.delta, inf, count: P * n)
        DayFlow.fill(&f.node, -1, count: P)
        DayFlow.fill(&f.count, 0, count: n)
        func nodeOf(_ s: Int32) -> Int {
            if s < 0 { return 0 }
            for (i, t) in daySlots.enumerated() where t == s { return i + 1 }
            preconditionFailure("slot \(s) is not on day \(d)")
        }
        // each person's cost for each entry they may take that day
        for p in 0..<P {
            let ci = p * D + d
            let cur = st.cells[ci]
            if cur >= 0 { f.count[nodeOf(cur)] += 1 }
            if st.pinnedCell[ci] { continue }
            let (h0, s0) = st.evalPerson(p)
            let here = nodeOf(cur)
            f.node[p] = here
            f.delta[p * n + here] = 0
            if cur >= 0 {
                st.cells[ci] = -1
                let (h, s) = st.evalPerson(p)
                f.delta[p * n] = (h - h0) * hardWeight + (s - s0)
            }
            for o in c.eligByPD[ci] where o != cur {
                st.cells[ci] = o
                let (h, s) = st.evalPerson(p)
                f.delta[p * n + nodeOf(o)] = (h - h0) * hardWeight + (s - s0)
            }
            st.cells[ci] = cur
        }
        f.startNode = f.node
        // the cost of a slot's cover (hard units weighted) with k people on it
        func coverCost(_ node: Int, _ k: Int) -> Int {
            if node == 0 { return 0 }
            let s = Int(daySlots[node - 1])
            let req = Int(c.slotReq[s])
            var cost = k < req ? (req - k) * Int(c.slotUnder[s]) : (k - req) * Int(c.slotOver[s])
            if k > Int(c.slotMax[s]) { cost += (k - Int(c.slotMax[s])) * hardWeight }
            return cost
        }
        f.predicted = 0
        var rounds = 0
        while rounds < P {
            rounds += 1
            DayFlow.fill(&f.weight, inf, count: n * n)
            DayFlow.fill(&f.mover, -1, count: n * n)
            for p in 0..<P {
                let a = f.node[p]
                if a < 0 { continue }
                let here = f.delta[p * n + a]
                for b in 0..<(n - 1) where b != a {
                    let there = f.delta[p * n + b]
                    if there >= inf { continue }
                    let w = there - here
                    if w < f.weight[a * n + b] { f.weight[a * n + b] = w; f.mover[a * n + b] = p }
                }
            }
            for v in 1..<(n - 1) {
                f.weight[v * n + cover] = coverCost(v, f.count[v] + 1) - coverCost(v, f.count[v])
                if f.count[v] > 0 { f.weight[cover * n + v] = coverCost(v, f.count[v] - 1) - coverCost(v, f.count[v]) }
            }
            f.weight[cover] = 0  // off → cover: one more day off costs nothing in itself
            f.weight[cover * n] = 0
            // Bellman-Ford from a virtual source joined to every node at 0
            DayFlow.fill(&f.dist, 0, count: n)
            DayFlow.fill(&f.parent, -1, count: n)
            var last = -1
            for _ in 0..<n {
                last = -1
                for a in 0..<n {
                    let da = f.dist[a]
                    for b in 0..<n where a != b {
                        let w = f.weight[a * n + b]
                        if w >= inf { continue }
                        if da + w < f.dist[b] { f.dist[b] = da + w; f.parent[b] = a; last = b }
                    }
                }
                if last < 0 { break }
            }
            if last < 0 { break }
            // walk back n steps to land on the cycle, then collect it
            var v = last
            for _ in 0..<n { v = f.parent[v] }
            var cycle: [Int] = [v]
            var u = f.parent[v]
            while u != v { cycle.append(u); u = f.parent[u] }
            cycle.reverse()  // now in flow order: cycle[i] → cycle[i + 1]
            var moves: [(p: Int, to: Int)] = []
            for i in 0..<cycle.count {
                let a = cycle[i], b = cycle[(i + 1) % cycle.count]
                f.predicted += f.weight[a * n + b]
                if a == cover || b == cover { continue }
                moves.append((f.mover[a * n + b], b))
            }
            for (p, b) in moves {
                f.count[f.node[p]] -= 1; f.count[b] += 1; f.node[p] = b
            }
        }
        var changed = false
        for p in 0..<P where f.node[p] != f.startNode[p] {
            if !changed { begin(); changed = true }
            let b = f.node[p]
            set(p, d, 0, b == 0 ? -1 : daySlots[b - 1])
            touchRange(p, d, d)
        }
        f.calls += 1
        if changed { f.changes += 1 }
        dayFlowScratch = f
        return changed
    }
}
