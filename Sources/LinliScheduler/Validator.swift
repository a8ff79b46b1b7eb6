import Foundation

/// One broken hard rule, in words.
public struct Violation: Hashable, Sendable, Codable {
    /// Machine name of the rule, e.g. `maxMinutesPerWeek`.
    public var rule: String
    public var person: PersonID?
    public var slot: SlotID?
    public var message: String
}

/// What the validator found: hard violations and the soft score with its breakdown per rule.
public struct ValidationReport: Sendable, Hashable {
    public var violations: [Violation]
    /// Soft penalty per rule: `cover.under`, `cover.over`, `requests`, `fairness`, `continuity`, `travel`, `stability`.
    public var softBreakdown: [String: Int]
    public var softTotal: Int
    public var isValid: Bool { violations.isEmpty }
}

/// Independent, straightforward checker of every hard rule of a `SchedulingProblem`, and recomputation of the soft
/// score. Deliberately shares no code with the solver's incremental scoring.
public enum ScheduleValidator {
    public static func validate(problem pr: SchedulingProblem, assignments: [Assignment]) -> ValidationReport {
        var v: [Violation] = []
        func add(_ rule: String, _ p: PersonID?, _ s: SlotID?, _ m: String) {
            v.append(Violation(rule: rule, person: p, slot: s, message: m))
        }
        var people: [PersonID: Person] = [:]
        for p in pr.people { people[p.id] = p }
        var slots: [SlotID: Slot] = [:]
        for s in pr.slots { slots[s.id] = s }
        var byPerson: [PersonID: [Slot]] = [:]
        var bySlot: [SlotID: [Person]] = [:]
        var seen = Set<Assignment>()
        for a in assignments {
            guard let p = people[a.person] else {
                add("unknownPerson", a.person, a.slot, "assignment names unknown person \(a.person)"); continue
            }
            guard let s = slots[a.slot] else {
                add("unknownSlot", a.person, a.slot, "assignment names unknown slot \(a.slot)"); continue
            }
            guard seen.insert(a).inserted else {
                add("duplicate", a.person, a.slot, "\(p.name) is assigned twice to \(s.id)"); continue
            }
            byPerson[p.id, default: []].append(s)
            bySlot[s.id, default: []].append(p)
            // static eligibility
            for sk in s.requiredSkills {
                if let g = p.skills.first(where: { $0.skill == sk }) {
                    if let e = g.expiresAt, e < s.range.end {
                        add("skillExpired", p.id, s.id, "\(p.name)'s \(sk) expires before \(s.id) ends")
                    }
                } else {
                    add("missingSkill", p.id, s.id, "\(p.name) lacks \(sk) required by \(s.id)")
                }
            }
            if let av = p.availability, !av.contains(where: { $0.start <= s.range.start && s.range.end <= $0.end }) {
                add("availability", p.id, s.id, "\(p.name) is not available for \(s.id)")
            }
            for ab in p.absences where ab.range.start < s.range.end && s.range.start < ab.range.end {
                add("absence", p.id, s.id, "\(p.name) is absent during \(s.id)")
            }
            if let sx = s.sameSex, p.sex != sx {
                add("sameSex", p.id, s.id, "\(s.id) needs a \(sx.rawValue) person, \(p.name) is not")
            }
            if p.limits.noEvening && pr.isEvening(s.range) {
                add("noEvening", p.id, s.id, "\(p.name) asked for no evening work, \(s.id) is in the evening")
            }
            if let m = p.limits.maxShiftsPerKind[s.kind], m <= 0 {
                add("maxShiftsPerKind", p.id, s.id, "\(p.name) may not work \(s.kind)")
            }
        }
        for a in pr.pinned where !seen.contains(a) {
            add("pinned", a.person, a.slot, "pinned assignment \(a.person) → \(a.slot) is missing")
        }
        // Travel minutes by (from, to), written out here rather than shared with the solver's matrix.
        var travelBy: [String: Int] = [:]
        for t in pr.travelTimes where travelBy["\(t.to)\u{1}\(t.from)"] == nil { travelBy["\(t.to)\u{1}\(t.from)"] = t.minutes }
        for t in pr.travelTimes { travelBy["\(t.from)\u{1}\(t.to)"] = t.minutes }
        let succ = Set(pr.forbiddenSuccessions.map { "\($0.first.rawValue)\u{1}\($0.then.rawValue)" })
        let H = pr.horizonDays
        func dayOf(_ s: Slot) -> Int { Int((Double(s.range.start) / Double(minutesPerDay)).rounded(.down)) }

        for p in pr.people {
            let list = (byPerson[p.id] ?? []).sorted {
                ($0.range.start, $0.range.end, $0.id) < ($1.range.start, $1.range.end, $1.id)
            }
            let L = p.limits
            // pairwise time separation
            for i in 0..<list.count {
                for j in (i + 1)..<max(i + 1, list.count) {
                    let a = list[i], b = list[j]
                    var tr = 0
                    if let pa = a.place, let pb = b.place, pa != pb { tr = travelBy["\(pa)\u{1}\(pb)"] ?? pr.travelMinutes }
                    let need = max(tr, L.minRestMinutes ?? 0)
                    if b.range.start - a.range.end < need {
                        let what =
                            b.range.start < a.range.end
                            ? "overlap" : (tr >= (L.minRestMinutes ?? 0) ? "too little travel time" : "too little rest")
                        add("separation", p.id, b.id, "\(p.name): \(a.id) and \(b.id): \(what)")
                    }
                }
            }
            // the shifts just outside the horizon: separation against each, succession with the nearest
            let before = p.edges?.lastBefore, after = p.edges?.firstAfter
            func needed(_ a: String?, _ b: String?) -> Int {
                var tr = 0
                if let a, let b, a != b { tr = travelBy["\(a)\u{1}\(b)"] ?? pr.travelMinutes }
                return max(tr, L.minRestMinutes ?? 0)
            }
            for s in list {
                if let e = before, s.range.start - e.range.end < needed(e.place, s.place) {
                    add("separation", p.id, s.id, "\(p.name): \(s.id) comes too soon after a shift before this period")
                }
                if let e = after, e.range.start - s.range.end < needed(s.place, e.place) {
                    add("separation", p.id, s.id, "\(p.name): \(s.id) ends too close to a shift after this period")
                }
            }
            if let e = before, let k = e.kind, let s = list.first, dayOf(s) - e.day <= 1,
                succ.contains("\(k.rawValue)\u{1}\(s.kind.rawValue)")
            {
                add("forbiddenSuccession", p.id, s.id, "\(p.name): \(s.kind) may not follow \(k) (the day before this period)")
            }
            if let e = after, let k = e.kind, let s = list.last, e.day - dayOf(s) <= 1,
                succ.contains("\(s.kind.rawValue)\u{1}\(k.rawValue)")
            {
                add("forbiddenSuccession", p.id, s.id, "\(p.name): \(k) after this period may not follow \(s.kind)")
            }
            // succession: consecutive assignments in time order, the second on the same or the next day
            if list.count > 1 {
                for i in 1..<list.count {
                    let a = list[i - 1], b = list[i]
                    if dayOf(b) - dayOf(a) <= 1 && succ.contains("\(a.kind.rawValue)\u{1}\(b.kind.rawValue)") {
                        add(
                            "forbiddenSuccession", p.id, b.id, "\(p.name): \(b.kind) may not follow \(a.kind) (\(a.id) → \(b.id))"
                        )
                    }
                }
            }
            var dayMinutes = [Int](repeating: 0, count: H), dayCount = [Int](repeating: 0, count: H)
            var kindCount: [ServiceKindID: Int] = [:]
            for s in list {
                let d = dayOf(s)
                guard d >= 0 && d < H else { add("horizon", p.id, s.id, "\(s.id) is outside the horizon"); continue }
                dayMinutes[d] += s.range.length; dayCount[d] += 1
                kindCount[s.kind, default: 0] += 1
            }
            let total = dayMinutes.reduce(0, +)
            for d in 0..<H {
                if let m = L.maxMinutesPerDay, dayMinutes[d] > m {
                    add("maxMinutesPerDay", p.id, nil, "\(p.name) works \(dayMinutes[d]) min on day \(d), limit \(m)")
                }
                if let m = L.maxShiftsPerDay, dayCount[d] > m {
                    add("maxShiftsPerDay", p.id, nil, "\(p.name) has \(dayCount[d]) slots on day \(d), limit \(m)")
                }
            }
            var w = 0
            while w * 7 < H {
                let r = (w * 7)..<min(H, w * 7 + 7)
                let wm = r.reduce(0) { $0 + dayMinutes[$1] }, wc = r.reduce(0) { $0 + dayCount[$1] }
                if let m = L.maxMinutesPerWeek, wm > m {
                    add("maxMinutesPerWeek", p.id, nil, "\(p.name) works \(wm) min in week \(w + 1), limit \(m)")
                }
                if let m = L.maxShiftsPerWeek, wc > m {
                    add("maxShiftsPerWeek", p.id, nil, "\(p.name) has \(wc) slots in week \(w + 1), limit \(m)")
                }
                w += 1
            }
            if let m = L.maxMinutesTotal, total > m {
                add("maxMinutesTotal", p.id, nil, "\(p.name) works \(total) min, limit \(m)")
            }
            if let m = L.minMinutesTotal, total < m {
                add("minMinutesTotal", p.id, nil, "\(p.name) works \(total) min, minimum \(m)")
            }
            for (k, c) in kindCount {
                if let m = L.maxShiftsPerKind[k], c > m {
                    add("maxShiftsPerKind", p.id, nil, "\(p.name) has \(c) × \(k), limit \(m)")
                }
            }
            // runs
            var d = 0
            while d < H {
                let working = dayCount[d] > 0
                var e = d
                while e + 1 < H && (dayCount[e + 1] > 0) == working { e += 1 }
                let len = e - d + 1, bounded = d > 0 && e < H - 1
                if working {
                    // Days worked right before or after the horizon extend a run that touches its edge;
                    // of those, no more than the limit count (a run outside alone is not this roster's).
                    var whole = len
                    if let m = L.maxConsecutiveDays, let edges = p.edges {
                        if d == 0 { whole += min(max(0, edges.daysWorkedBefore), m) }
                        if e == H - 1 { whole += min(max(0, edges.daysWorkedAfter), m) }
                    }
                    if let m = L.maxConsecutiveDays, whole > m {
                        add("maxConsecutiveDays", p.id, nil, "\(p.name) works \(whole) days in a row from day \(d), limit \(m)")
                    }
                    if let m = L.minConsecutiveDays, bounded && len < m {
                        add(
                            "minConsecutiveDays", p.id, nil,
                            "\(p.name) works only \(len) days in a row from day \(d), minimum \(m)")
                    }
                } else if let m = L.minConsecutiveDaysOff, bounded && len < m {
                    add("minConsecutiveDaysOff", p.id, nil, "\(p.name) has only \(len) days off from day \(d), minimum \(m)")
                }
                d = e + 1
            }
            if let m = L.maxWeekends {
                var n = 0, wk = 0
                while wk * 7 < H {
                    if (wk * 7 + 5 < H && dayCount[wk * 7 + 5] > 0) || (wk * 7 + 6 < H && dayCount[wk * 7 + 6] > 0) { n += 1 }
                    wk += 1
                }
                if n > m { add("maxWeekends", p.id, nil, "\(p.name) works \(n) weekends, limit \(m)") }
            }
        }
        // slot rules
        var under = 0, over = 0
        for s in pr.slots {
            let staff = bySlot[s.id] ?? []
            let n = staff.count
            if let m = s.maxHeadcount, n > m { add("maxHeadcount", nil, s.id, "\(s.id) has \(n) people, maximum \(m)") }
            if s.neverAlone && n == 1 { add("neverAlone", nil, s.id, "\(s.id) has one person alone") }
            if s.needsLeader && n > 0 && !staff.contains(where: { $0.isLeader }) {
                add("needsLeader", nil, s.id, "\(s.id) has no leader")
            }
            if s.booking != nil { continue }
            if n < s.required { under += (s.required - n) * s.underWeight }
            if n > s.required { over += (n - s.required) * s.overWeight }
        }
        // Bookings with alternative times: one staffed alternative at most; the first alternative's
        // headcount and weights count the people on all of them.
        var bookingOrder: [String] = []
        var alternatives: [String: [Slot]] = [:]
        for s in pr.slots {
            guard let b = s.booking else { continue }
            if alternatives[b] == nil { bookingOrder.append(b) }
            alternatives[b, default: []].append(s)
        }
        for b in bookingOrder {
            let alts = alternatives[b] ?? []
            guard let first = alts.first else { continue }
            let staffed = alts.filter { !(bySlot[$0.id] ?? []).isEmpty }
            if staffed.count > 1 {
                add(
                    "booking", nil, staffed[1].id,
                    "booking \(b) is staffed at \(staffed.count) different times: \(staffed.map(\.id.rawValue).joined(separator: ", "))"
                )
            }
            let n = alts.reduce(0) { $0 + (bySlot[$1.id] ?? []).count }
            if n < first.required { under += (first.required - n) * first.underWeight }
            if n > first.required { over += (n - first.required) * first.overWeight }
        }
        // soft rules
        var req = 0
        for r in pr.requests {
            let worked = (byPerson[r.person] ?? []).contains { dayOf($0) == r.day && (r.kind == nil || $0.kind == r.kind) }
            if worked != r.wantsOn { req += r.weight }
        }
        let W = pr.weights
        var fair = 0, cont = 0, trav = 0
        for p in pr.people {
            let list = byPerson[p.id] ?? []
            if let t = p.targetMinutes, W.fairnessPerHour > 0 {
                fair += abs(list.reduce(0) { $0 + $1.range.length } - t) * W.fairnessPerHour / 60
            }
            for s in list where !s.preferredPeople.isEmpty && !s.preferredPeople.contains(p.id) { cont += W.continuity }
            var placesByDay: [Int: Set<String>] = [:]
            for s in list { if let pl = s.place { placesByDay[dayOf(s), default: []].insert(pl) } }
            for (_, set) in placesByDay where set.count > 1 { trav += (set.count - 1) * W.travelPerChange }
        }
        var stab = 0
        if W.stability != 0 {
            let prev = Set(pr.previous.filter { people[$0.person] != nil && slots[$0.slot] != nil })
            let cur = seen
            stab = (prev.subtracting(cur).count + cur.subtracting(prev).count) * W.stability
            if prev.isEmpty { stab = 0 }
        }
        let breakdown = [
            "cover.under": under, "cover.over": over, "requests": req, "fairness": fair,
            "continuity": cont, "travel": trav, "stability": stab,
        ]
        return ValidationReport(violations: v, softBreakdown: breakdown, softTotal: breakdown.values.reduce(0, +))
    }
}
