import Foundation

/// Why one person cannot (or would not) take a slot.
public struct PersonBlock: Sendable, Hashable {
    public var person: PersonID
    public var name: String
    /// Machine names of the blocking rules (`missingSkill`, `maxMinutesPerWeek`, …); empty if the person could take it.
    public var rules: [String]
    /// The reasons in words, in the requested language.
    public var reasons: [String]
}

/// The explanation of one slot left (partly) unfilled.
public struct UnfilledExplanation: Sendable, Hashable {
    public var slot: SlotID
    public var missing: Int
    /// People holding the required skills (or everybody, if none are required), with what blocks each.
    public var blocked: [PersonBlock]
    /// People who could legally take it but were not assigned (the roster judged the cost higher).
    public var couldTake: [PersonBlock]
    /// Number of people without the required skills.
    public var withoutSkill: Int
    /// One sentence for a coordinator.
    public var text: String
}

/// A candidate to fill a slot, with what it would cost.
public struct Suggestion: Sendable, Hashable {
    public var person: PersonID
    public var name: String
    /// Change of hard-rule units if this person were added (0 = allowed).
    public var hardDelta: Int
    /// Change of the soft score if this person were added (negative = better).
    public var softDelta: Int
    /// The hard rules it would break, in words (empty when allowed).
    public var wouldBreak: [String]
}

/// Explanations of unfilled slots and ranked replacement suggestions, built from the actual blocking rules.
public enum Explainer {
    /// Explains every slot whose headcount is below its requirement in `assignments` (of `only`,
    /// when given: a page showing part of the week explains that part).
    public static func explainUnfilled(
        problem: SchedulingProblem, assignments: [Assignment], language: Language = .zh, only: Set<SlotID>? = nil
    ) -> [UnfilledExplanation] {
        var count: [SlotID: Int] = [:]
        for a in assignments { count[a.slot, default: 0] += 1 }
        // A booking with alternative times is explained once, at its first alternative, by its total.
        var booked: [String: Int] = [:]
        var first: [String: SlotID] = [:]
        for s in problem.slots {
            guard let b = s.booking else { continue }
            booked[b, default: 0] += count[s.id] ?? 0
            if first[b] == nil { first[b] = s.id }
        }
        return problem.slots.compactMap { s in
            if let b = s.booking, first[b] != s.id { return nil }
            if let only, !only.contains(s.id) { return nil }
            let n = s.booking.map { booked[$0] ?? 0 } ?? (count[s.id] ?? 0)
            guard n < s.required else { return nil }
            return explain(problem: problem, assignments: assignments, slot: s, missing: s.required - n, language: language)
        }
    }

    /// Ranked people who could take `slot` in the roster `assignments`: allowed ones first, cheapest first.
    public static func suggest(
        problem: SchedulingProblem, assignments: [Assignment], slot: SlotID, limit: Int = 10
    ) throws -> [Suggestion] {
        try suggestEach(problem: problem, assignments: assignments, slots: [slot], limit: limit)[slot] ?? []
    }

    /// `suggest` for several slots of one problem, compiled once: what the booking desk asks of
    /// many candidate times at once. With `allowedOnly`, people who would break a hard rule and
    /// people whose day is full (taking the slot would replace one of their shifts) are left out,
    /// and nothing is spent on wording what they would break.
    public static func suggestEach(
        problem: SchedulingProblem, assignments: [Assignment], slots: [SlotID], limit: Int = 10, allowedOnly: Bool = false
    ) throws -> [SlotID: [Suggestion]] {
        let c = try CompiledProblem(problem)
        let st = SearchState(c)
        load(st, c, assignments)
        var result: [SlotID: [Suggestion]] = [:]
        for slot in slots {
            guard let si = c.slotIndex[slot] else { throw SchedulerError.invalidProblem("unknown slot \(slot)") }
            let d = Int(c.slotDay[si])
            var out: [Suggestion] = []
            for p in 0..<c.P where c.eligible[p * c.S + si] {
                let base = (p * c.D + d) * c.K
                var k = -1
                var already = false
                for kk in 0..<c.K {
                    if st.cells[base + kk] == Int32(si) { already = true }; if k < 0 && st.cells[base + kk] < 0 { k = kk }
                }
                if already || (allowedOnly && k < 0) { continue }
                let h0 = st.hard, s0 = st.soft
                var replaced: Int32 = -1
                if k < 0 { k = 0; replaced = st.cells[base] }  // day full: would replace the first entry
                if st.pinnedCell[base + k] { continue }
                st.setCell(p, d, k, Int32(si)); st.refreshPerson(p)
                let dh = st.hard - h0, ds = st.soft - s0
                st.setCell(p, d, k, replaced); st.refreshPerson(p)
                if allowedOnly && dh > 0 { continue }
                let person = problem.people[p]
                let breaks =
                    dh > 0
                    ? personViolations(problem: problem, assignments: assignments, person: person, adding: problem.slots[si])
                        .map(\.message) : []
                out.append(
                    Suggestion(person: person.id, name: person.name, hardDelta: max(0, dh), softDelta: ds, wouldBreak: breaks))
            }
            out.sort { ($0.hardDelta, $0.softDelta, $0.person) < ($1.hardDelta, $1.softDelta, $1.person) }
            result[slot] = Array(out.prefix(limit))
        }
        return result
    }

    /// Why `slot` cannot be filled by anyone not yet on it in `assignments`, in `language`: the
    /// explanation `explainUnfilled` gives, for one slot whether or not it is short.
    public static func explain(
        problem: SchedulingProblem, assignments: [Assignment], slot: SlotID, language: Language = .zh
    ) throws -> UnfilledExplanation {
        guard let s = problem.slots.first(where: { $0.id == slot }) else {
            throw SchedulerError.invalidProblem("unknown slot \(slot)")
        }
        let n = assignments.filter { $0.slot == slot }.count
        return explain(problem: problem, assignments: assignments, slot: s, missing: max(1, s.required - n), language: language)
    }

    /// The hard rules `person` would break by also taking `slot` in `assignments` (person rules
    /// only: availability, skills, same sex, limits, rest, clashes), with the validator's messages.
    public static func violations(
        problem: SchedulingProblem, assignments: [Assignment], person: PersonID, adding slot: SlotID
    ) -> [Violation] {
        guard let p = problem.people.first(where: { $0.id == person }),
            let s = problem.slots.first(where: { $0.id == slot })
        else { return [] }
        return personViolations(problem: problem, assignments: assignments, person: p, adding: s)
    }

    // MARK: - internals

    static func load(_ st: SearchState, _ c: CompiledProblem, _ assignments: [Assignment]) {
        for a in assignments {
            guard let p = c.personIndex[a.person], let s = c.slotIndex[a.slot] else { continue }
            let d = Int(c.slotDay[s])
            let base = (p * c.D + d) * c.K
            var placed = false
            for k in 0..<c.K where st.cells[base + k] == Int32(s) { placed = true }
            if placed { continue }
            for k in 0..<c.K where st.cells[base + k] < 0 { st.cells[base + k] = Int32(s); break }
        }
        st.recomputeAll()
    }

    /// Person-level hard violations that adding `slot` would create (slot-level rules excluded).
    static func personViolations(
        problem: SchedulingProblem, assignments: [Assignment], person: Person, adding slot: Slot
    ) -> [Violation] {
        let mine = assignments.filter { $0.person == person.id }
        let ids = Set(mine.map(\.slot)).union([slot.id])
        var sub = problem
        sub.people = [person]
        sub.slots = problem.slots.filter { ids.contains($0.id) }
        sub.pinned = []; sub.requests = []; sub.previous = []
        let slotRules: Set<String> = [
            "maxHeadcount", "neverAlone", "needsLeader", "pinned", "minMinutesTotal", "minConsecutiveDays",
        ]
        let before = Set(
            ScheduleValidator.validate(problem: sub, assignments: mine).violations.filter { !slotRules.contains($0.rule) }.map(
                \.rule))
        return ScheduleValidator.validate(problem: sub, assignments: mine + [Assignment(person: person.id, slot: slot.id)])
            .violations
            .filter { !slotRules.contains($0.rule) && !before.contains($0.rule) }
    }

    /// Why `person` could not take `slot` in the roster `assignments` (rules and reasons in
    /// words, both empty when they could): a coordinator assigning by hand sees this.
    public static func whyNot(
        problem: SchedulingProblem, assignments: [Assignment], slot: SlotID, person: PersonID, language: Language = .zh
    ) throws -> PersonBlock {
        guard let s = problem.slots.first(where: { $0.id == slot }) else {
            throw SchedulerError.invalidProblem("unknown slot \(slot)")
        }
        guard let p = problem.people.first(where: { $0.id == person }) else {
            throw SchedulerError.invalidProblem("unknown person \(person)")
        }
        let others = assignments.filter { !($0.person == person && $0.slot == slot) }
        if let b = block(person: p, slot: s, problem: problem, assignments: others, language: language) { return b }
        let missing = Eligibility.reasons(person: p, slot: s, problem: problem)
        return PersonBlock(
            person: p.id, name: p.name, rules: missing.map(ruleName),
            reasons: missing.map { Phrase.staticReason($0, person: p, problem: problem, language: language) })
    }

    /// What blocks `p` from `s`: nil when they lack a required skill (counted, not listed, in
    /// explanations), else the rules and reasons (both empty when they could take it).
    static func block(
        person p: Person, slot s: Slot, problem pr: SchedulingProblem, assignments: [Assignment], language lang: Language
    ) -> PersonBlock? {
        let stat = Eligibility.reasons(person: p, slot: s, problem: pr)
        if stat.contains(where: {
            if case .missingSkill = $0 { return true }; return false
        }) {
            return nil
        }
        var rules: [String] = [], words: [String] = []
        for r in stat {
            rules.append(ruleName(r))
            words.append(Phrase.staticReason(r, person: p, problem: pr, language: lang))
        }
        if stat.isEmpty {
            for v in personViolations(problem: pr, assignments: assignments, person: p, adding: s) {
                if rules.contains(v.rule) { continue }
                rules.append(v.rule)
                words.append(
                    Phrase.limitReason(v.rule, person: p, slot: s, problem: pr, assignments: assignments, language: lang))
            }
        }
        if let m = p.limits.maxShiftsPerKind[s.kind], m <= 0, !rules.contains("maxShiftsPerKind") {
            rules.append("maxShiftsPerKind")
            words.append(
                Phrase.limitReason("maxShiftsPerKind", person: p, slot: s, problem: pr, assignments: assignments, language: lang))
        }
        return PersonBlock(person: p.id, name: p.name, rules: rules, reasons: words)
    }

    static func explain(
        problem pr: SchedulingProblem, assignments: [Assignment], slot s: Slot, missing: Int, language lang: Language
    ) -> UnfilledExplanation {
        let assigned = Set(assignments.filter { $0.slot == s.id }.map(\.person))
        var blocked: [PersonBlock] = [], could: [PersonBlock] = []
        var withoutSkill = 0
        for p in pr.people where !assigned.contains(p.id) {
            guard let b = block(person: p, slot: s, problem: pr, assignments: assignments, language: lang) else {
                withoutSkill += 1
                continue
            }
            if b.rules.isEmpty { could.append(b) } else { blocked.append(b) }
        }
        let text = Phrase.sentence(
            slot: s, problem: pr, missing: missing, blocked: blocked, could: could, withoutSkill: withoutSkill, language: lang)
        return UnfilledExplanation(
            slot: s.id, missing: missing, blocked: blocked, couldTake: could, withoutSkill: withoutSkill, text: text)
    }

    static func ruleName(_ r: Eligibility.Reason) -> String {
        switch r {
        case .missingSkill: return "missingSkill"
        case .expiredSkill: return "skillExpired"
        case .unavailable: return "availability"
        case .absent: return "absence"
        case .wrongSex: return "sameSex"
        case .noEvening: return "noEvening"
        }
    }
}

/// Wording of reasons in zh-CN and English.
enum Phrase {
    static func skillName(_ id: SkillID, _ pr: SchedulingProblem) -> String {
        pr.skills.first { $0.id == id }?.name ?? id.rawValue
    }
    static func kindName(_ id: ServiceKindID, _ pr: SchedulingProblem) -> String {
        pr.kinds.first { $0.id == id }?.name ?? id.rawValue
    }

    /// "11-24" when the start date is known, else "day 5" / "第5天".
    static func date(_ minute: Minute, _ pr: SchedulingProblem, _ lang: Language) -> String {
        let day = minute >= 0 ? minute / minutesPerDay : (minute - minutesPerDay + 1) / minutesPerDay
        if let sd = pr.startDate {
            let parts = sd.split(separator: "-").compactMap { Int($0) }
            if parts.count == 3 {
                var cal = Calendar(identifier: .gregorian)
                cal.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
                if let start = cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
                    let d = cal.date(byAdding: .day, value: day, to: start)
                {
                    let c = cal.dateComponents([.month, .day], from: d)
                    let m = c.month ?? 0, dd = c.day ?? 0
                    return "\(m < 10 ? "0" : "")\(m)-\(dd < 10 ? "0" : "")\(dd)"
                }
            }
        }
        return lang == .zh ? "第\(day + 1)天" : "day \(day + 1)"
    }

    static func possessive(_ p: Person) -> String { p.sex == .female ? "her" : (p.sex == .male ? "his" : "their") }

    static func hours(_ m: Int) -> String { m % 60 == 0 ? "\(m / 60)" : String(format: "%.1f", Double(m) / 60) }

    static func staticReason(
        _ r: Eligibility.Reason, person p: Person, problem pr: SchedulingProblem, language lang: Language
    ) -> String {
        switch (r, lang) {
        case let (.missingSkill(s), .en): return "\(p.name) lacks \(skillName(s, pr))"
        case let (.missingSkill(s), .zh): return "\(p.name) 没有\(skillName(s, pr))"
        case let (.expiredSkill(s, at), .en): return "\(p.name)'s \(skillName(s, pr)) expires \(date(at, pr, .en))"
        case let (.expiredSkill(s, at), .zh): return "\(p.name) 的\(skillName(s, pr))于 \(date(at, pr, .zh)) 过期"
        case (.unavailable, .en): return "\(p.name) is not available then"
        case (.unavailable, .zh): return "\(p.name) 该时段没有空"
        case let (.absent(a), .en):
            return "\(p.name) is away \(date(a.range.start, pr, .en)) to \(date(a.range.end - 1, pr, .en))"
        case let (.absent(a), .zh): return "\(p.name) \(date(a.range.start, pr, .zh)) 至 \(date(a.range.end - 1, pr, .zh)) 不在"
        case let (.wrongSex(sx), .en): return "\(p.name) is not \(sx == .female ? "a woman" : "a man") (same sex as the resident)"
        case let (.wrongSex(sx), .zh): return "\(p.name) 非\(sx == .female ? "女性" : "男性")（需与老人同性别）"
        case (.noEvening, .en): return "\(p.name) asked for no evening work"
        case (.noEvening, .zh): return "\(p.name) 不排晚间班"
        }
    }

    static func limitReason(
        _ rule: String, person p: Person, slot s: Slot, problem pr: SchedulingProblem, assignments: [Assignment],
        language lang: Language
    ) -> String {
        let L = p.limits, n = p.name, his = possessive(p), en = lang == .en
        switch rule {
        case "maxMinutesPerWeek":
            let h = hours(L.maxMinutesPerWeek ?? 0)
            return en ? "\(n) is at \(his) limit of \(h) h/week" : "\(n) 已达每周 \(h) 小时上限"
        case "maxMinutesPerDay":
            let h = hours(L.maxMinutesPerDay ?? 0)
            return en ? "\(n) is at \(his) limit of \(h) h/day" : "\(n) 已达每天 \(h) 小时上限"
        case "maxMinutesTotal":
            let h = hours(L.maxMinutesTotal ?? 0)
            return en ? "\(n) is at \(his) limit of \(h) h for the period" : "\(n) 已达本期 \(h) 小时上限"
        case "maxShiftsPerDay":
            let k = L.maxShiftsPerDay ?? 0
            return en ? "\(n) is at \(his) limit of \(k) shift\(k == 1 ? "" : "s")/day" : "\(n) 已达每天 \(k) 班上限"
        case "maxShiftsPerWeek":
            let k = L.maxShiftsPerWeek ?? 0
            return en ? "\(n) is at \(his) limit of \(k) shifts/week" : "\(n) 已达每周 \(k) 班上限"
        case "maxShiftsPerKind":
            let k = L.maxShiftsPerKind[s.kind] ?? 0, kn = kindName(s.kind, pr)
            return en ? "\(n) may do at most \(k) × \(kn)" : "\(n) 的\(kn)最多 \(k) 次"
        case "maxConsecutiveDays":
            let k = L.maxConsecutiveDays ?? 0
            return en ? "\(n) would work more than \(k) days in a row" : "\(n) 将连续工作超过 \(k) 天"
        case "minConsecutiveDaysOff":
            let k = L.minConsecutiveDaysOff ?? 0
            return en ? "\(n) would get fewer than \(k) days off in a row" : "\(n) 连续休息将少于 \(k) 天"
        case "maxWeekends":
            let k = L.maxWeekends ?? 0
            return en ? "\(n) is at \(his) limit of \(k) weekend\(k == 1 ? "" : "s")" : "\(n) 已达 \(k) 个周末上限"
        case "separation":
            let busy = assignments.filter { $0.person == p.id }.compactMap { a in pr.slots.first { $0.id == a.slot } }
                .filter { abs($0.range.start - s.range.start) < minutesPerDay }
                .min { abs($0.range.start - s.range.start) < abs($1.range.start - s.range.start) }
            let what =
                busy.map { "\(kindName($0.kind, pr)) \(TimeText.clock($0.range.start))–\(TimeText.clock($0.range.end))" } ?? ""
            return en ? "\(n) is busy with \(what) (counting travel and rest)" : "\(n) 已安排\(what)（含路程和休息）"
        case "forbiddenSuccession":
            return en
                ? "\(n) cannot do \(kindName(s.kind, pr)) next to \(his) other shift" : "\(n) 不能在相邻班次后接\(kindName(s.kind, pr))"
        default:
            return en ? "\(n) is blocked by rule \(rule)" : "\(n) 受规则 \(rule) 限制"
        }
    }

    static func sentence(
        slot s: Slot, problem pr: SchedulingProblem, missing: Int, blocked: [PersonBlock], could: [PersonBlock],
        withoutSkill: Int, language lang: Language
    ) -> String {
        let when = TimeText.slotTime(s.range, horizonDays: pr.horizonDays, language: lang)
        let kind = kindName(s.kind, pr)
        let skills = s.requiredSkills.map { skillName($0, pr) }
        let shown = blocked.prefix(5).map { $0.reasons.joined(separator: lang == .en ? " and " : "，且") }
        let more = blocked.count > 5 ? (lang == .en ? ", and \(blocked.count - 5) more" : "，另有 \(blocked.count - 5) 人") : ""
        var out: String
        if lang == .en {
            let who =
                skills.isEmpty ? "no available volunteer" : "no available volunteer with \(skills.joined(separator: " and "))"
            out = "\(who) for \(kind) on \(when) (\(missing) of \(s.required) unfilled)"
            if !skills.isEmpty {
                out += "; \(blocked.count + could.count) \(blocked.count + could.count == 1 ? "is" : "are") certified"
            }
            if !shown.isEmpty { out += ": " + shown.joined(separator: ", ") + more }
            if !could.isEmpty {
                out +=
                    "; \(could.count) could take it but \(could.count == 1 ? "was" : "were") left out because the roster is better without: "
                    + could.prefix(5).map(\.name).joined(separator: ", ")
            }
            if s.neverAlone && could.count + blocked.count > 0 && could.count < 2 { out += "; it needs at least two people" }
        } else {
            let who = skills.isEmpty ? "没有可用的志愿者" : "没有可用的持\(skills.joined(separator: "、"))的志愿者"
            out = "\(when) \(kind)缺 \(missing) 人：\(who)"
            if !skills.isEmpty { out += "；持证 \(blocked.count + could.count) 人" }
            if !shown.isEmpty { out += "：" + shown.joined(separator: "；") + more }
            if !could.isEmpty { out += "；\(could.prefix(5).map(\.name).joined(separator: "、")) 可以排，但排上后总体更差，未安排" }
            if s.neverAlone && could.count + blocked.count > 0 && could.count < 2 { out += "；该班至少需要两人" }
        }
        return out
    }
}

/// One soft rule's part in an assignment: the points it saves (positive) or costs (negative), in words.
public struct Contribution: Sendable, Hashable {
    /// Machine name of the rule: `cover.under`, `cover.over`, `continuity`, `requests`, `fairness`, `travel`, `stability`.
    public var rule: String
    /// Soft points this assignment saves (positive) or costs (negative).
    public var points: Int
    public var text: String
}

/// Why one person holds one assignment: the score contributions, so a coordinator sees the reasons.
public struct AssignmentExplanation: Sendable, Hashable {
    public var person: PersonID
    public var slot: SlotID
    /// Non-zero contributions, largest saving first.
    public var contributions: [Contribution]
    /// Sum of `contributions[].points`.
    public var net: Int
    /// One sentence for a coordinator.
    public var text: String
}

extension Explainer {
    /// Why `person` holds `slot` in `assignments`: each soft rule's contribution, measured by scoring
    /// the person's roster (with the slot's other assignees) with and without this assignment through
    /// the independent validator. Continuity and stability are stated against another, non-preferred or
    /// newly placed, volunteer (that is how the solver weighs them). Throws for an unknown person or
    /// slot or an assignment that is not in `assignments`.
    public static func whyAssigned(
        problem pr: SchedulingProblem, assignments: [Assignment], person: PersonID, slot: SlotID,
        language lang: Language = .zh
    ) throws -> AssignmentExplanation {
        guard let p = pr.people.first(where: { $0.id == person }) else {
            throw SchedulerError.invalidProblem("unknown person \(person)")
        }
        guard let s = pr.slots.first(where: { $0.id == slot }) else {
            throw SchedulerError.invalidProblem("unknown slot \(slot)")
        }
        let this = Assignment(person: person, slot: slot)
        guard assignments.contains(this) else {
            throw SchedulerError.invalidProblem("\(person) is not assigned to \(slot)")
        }
        // The person's roster plus the slot's other assignees (for its headcount): every soft rule of
        // this assignment lives inside it.
        let mine = assignments.filter { $0.person == person }
        let others = assignments.filter { $0.slot == slot && $0.person != person }
        let slotIDs = Set(mine.map(\.slot))
        let otherIDs = Set(others.map(\.person))
        var sub = pr
        sub.people = pr.people.filter { $0.id == person || otherIDs.contains($0.id) }
        sub.slots = pr.slots.filter { slotIDs.contains($0.id) }
        sub.requests = pr.requests.filter { $0.person == person }
        sub.pinned = []; sub.previous = []
        let with = ScheduleValidator.validate(problem: sub, assignments: mine + others).softBreakdown
        let without = ScheduleValidator.validate(problem: sub, assignments: mine.filter { $0 != this } + others)
            .softBreakdown
        var parts: [Contribution] = []
        func add(_ rule: String, _ points: Int, _ en: String, _ zh: String) {
            guard points != 0 else { return }
            let mark =
                points > 0
                ? (lang == .en ? "saves \(points)" : "省 \(points) 分") : (lang == .en ? "costs \(-points)" : "扣 \(-points) 分")
            let text = lang == .en ? "\(en) (\(mark))" : "\(zh)（\(mark)）"
            parts.append(Contribution(rule: rule, points: points, text: text))
        }
        let n = p.name, his = Phrase.possessive(p), W = pr.weights
        let staffed = others.count + 1
        let under = (without["cover.under"] ?? 0) - (with["cover.under"] ?? 0)
        add(
            "cover.under", under,
            s.required == 1 ? "fills the one place it needs" : "fills one of the \(s.required) places it needs",
            "补上所需 \(s.required) 人中的一个名额")
        let over = (without["cover.over"] ?? 0) - (with["cover.over"] ?? 0)
        add(
            "cover.over", over, "makes it \(staffed) people where \(s.required) are wanted",
            "使人数达 \(staffed) 人（需要 \(s.required) 人）")
        if W.continuity != 0 && !s.preferredPeople.isEmpty {
            let who = s.resident ?? (lang == .en ? "the resident" : "服务对象")
            if s.preferredPeople.contains(person) {
                add(
                    "continuity", W.continuity, "\(n) is one of \(who)'s preferred or recent volunteers",
                    "\(n) 是\(who)熟悉或指定的志愿者")
            } else {
                add(
                    "continuity", -W.continuity, "\(n) is not one of \(who)'s preferred volunteers",
                    "\(n) 不是\(who)熟悉或指定的志愿者")
            }
        }
        let day = TimeText.weekday(day: s.day, language: lang)
        let req = (without["requests"] ?? 0) - (with["requests"] ?? 0)
        add(
            "requests", req, req > 0 ? "\(n) asked to work on \(day)" : "\(n) asked for \(day) off",
            req > 0 ? "\(n) 希望\(day)上班" : "\(n) 申请\(day)休息")
        let fair = (without["fairness"] ?? 0) - (with["fairness"] ?? 0)
        let target = Phrase.hours(p.targetMinutes ?? 0)
        add(
            "fairness", fair,
            fair > 0
                ? "brings \(n) closer to \(his) target of \(target) h" : "takes \(n) further past \(his) target of \(target) h",
            fair > 0 ? "让\(n) 更接近目标时长 \(target) 小时" : "让\(n) 更偏离目标时长 \(target) 小时")
        let travel = (without["travel"] ?? 0) - (with["travel"] ?? 0)
        add("travel", travel, "\(n) changes grid that day", "\(n) 当天需换网格")
        if W.stability != 0 && !pr.previous.isEmpty {
            if pr.previous.contains(this) {
                add("stability", W.stability, "\(n) already had it in the published roster", "已发布的排班里本就是\(n)")
            } else {
                add("stability", -W.stability, "it is a change to the published roster", "这是对已发布排班的改动")
            }
        }
        parts.sort { ($0.points, $0.rule) > ($1.points, $1.rule) }
        let net = parts.reduce(0) { $0 + $1.points }
        let when = TimeText.slotTime(s.range, horizonDays: pr.horizonDays, language: lang)
        let kind = Phrase.kindName(s.kind, pr)
        let head = lang == .en ? "Why \(n) for \(kind) on \(when)" : "为什么由\(n) 做\(when) \(kind)"
        let body: String
        if parts.isEmpty {
            body =
                lang == .en
                ? "\(n) may take it under every rule, and no one else would score better" : "\(n) 符合所有规则，换其他人得分不会更好"
        } else {
            body = parts.map(\.text).joined(separator: lang == .en ? "; " : "；")
        }
        return AssignmentExplanation(
            person: person, slot: slot, contributions: parts, net: net, text: head + (lang == .en ? ": " : "：") + body)
    }
}
