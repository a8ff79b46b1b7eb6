import Foundation
import Testing

@testable import LinliScheduler

@Suite struct PreparedProblemTests {
    /// A week, and the same week after one person falls ill and one slot moves a day later.
    static func weekAndChange(seed: UInt64) -> (SchedulingProblem, SchedulingProblem) {
        let week = WeekGenerator.make(seed: seed)
        var changed = week
        changed.people[0].absences.append(Absence(range: .days(0, 6), reason: "ill"))
        changed.people[1].skills = []
        if let i = changed.slots.firstIndex(where: { $0.kind == "duty" && $0.day < 6 }) {
            changed.slots[i].range = MinuteRange(
                start: changed.slots[i].range.start + minutesPerDay, end: changed.slots[i].range.end + minutesPerDay)
        }
        changed.previous = [Assignment(person: week.people[2].id, slot: week.slots[0].id)]
        return (week, changed)
    }

    @Test(arguments: [UInt64(2), 5, 13])
    func updatedCompileEqualsAFreshOne(seed: UInt64) throws {
        let (week, changed) = Self.weekAndChange(seed: seed)
        let patched = try PreparedProblem(week).updated(to: changed).compiled
        let fresh = try CompiledProblem(changed)
        #expect(patched.eligible == fresh.eligible)
        #expect(patched.eligByPD == fresh.eligByPD)
        #expect(patched.eligPeople == fresh.eligPeople)
        #expect(patched.K == fresh.K)
        for p in 0..<fresh.P {
            for s in 0..<fresh.S { #expect(patched.staticCost(p, s) == fresh.staticCost(p, s)) }
        }
        // Same compiled tables, same seed and budget: the same roster.
        let o = SolverOptions(seed: 3, timeLimitSeconds: 30, maxIterations: 5_000)
        #expect(
            try Solver.solve(try PreparedProblem(week).updated(to: changed), options: o).assignments
                == Solver.solve(changed, options: o).assignments)
    }

    @Test func reusesNothingWhenPeopleChange() throws {
        let (week, _) = Self.weekAndChange(seed: 4)
        var fewer = week
        fewer.people.removeLast()
        fewer.pinned = fewer.pinned.filter { $0.person != week.people.last?.id }
        #expect(!CompiledProblem.canReuse(week, for: fewer))
        let patched = try PreparedProblem(week).updated(to: fewer).compiled
        #expect(patched.eligible == (try CompiledProblem(fewer)).eligible)
    }

    @Test func replanRemovesTheCancelledPersonAndStopsWhenSettled() throws {
        let week = WeekGenerator.make(seed: 9)
        let prepared = try PreparedProblem(week)
        let first = try Solver.solve(prepared, options: SolverOptions(seed: 1, maxIterations: 15_000))
        var counts: [PersonID: Int] = [:]
        for a in first.assignments { counts[a.person, default: 0] += 1 }
        let gone = try #require(counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key)
        var changed = week
        if let i = changed.people.firstIndex(where: { $0.id == gone }) {
            changed.people[i].absences.append(Absence(range: .days(0, 6), reason: "ill"))
        }
        let result = try Solver.replan(
            changed, published: first.assignments, from: prepared, options: SolverOptions(seed: 1, timeLimitSeconds: 30))
        #expect(result.solution.isValid)
        #expect(!result.solution.assignments.contains { $0.person == gone })
        #expect(result.removed.filter { $0.person == gone }.count == counts[gone])
        #expect(result.solution.stats.seconds < 10, "stopped after moves without improvement, not at the time limit")
        #expect(result.prepared.problem.previous == first.assignments)
    }
}

@Suite struct WhyThisPersonTests {
    /// 王芳 is the resident's preferred volunteer, asked to work Tuesday, is below her 4 h target, and
    /// had the visit in the published roster; 李强 has a second visit in another grid the same day.
    static func problem() -> SchedulingProblem {
        let visit = Slot(
            id: "visit", kind: "bath", range: MinuteRange(start: at(1, 9), end: at(1, 11)), place: "G1", required: 1,
            underWeight: 200, resident: "张奶奶", preferredPeople: ["wang"])
        let other = Slot(id: "other", kind: "duty", range: MinuteRange(start: at(1, 14), end: at(1, 15)), place: "G2")
        let wang = Person(id: "wang", name: "王芳", sex: .female, targetMinutes: 240)
        let li = Person(id: "li", name: "李强", sex: .male)
        var p = tiny(people: [wang, li], slots: [visit, other], travel: 10)
        p.weights = SoftWeights(fairnessPerHour: 2, continuity: 20, travelPerChange: 3, stability: 50)
        p.requests = [ShiftRequest(person: "wang", day: 1, kind: nil, wantsOn: true, weight: 7)]
        p.previous = [Assignment(person: "wang", slot: "visit")]
        return p
    }

    @Test func explainsEachContributionInEnglishAndChinese() throws {
        let pr = Self.problem()
        let roster = [Assignment(person: "wang", slot: "visit"), Assignment(person: "li", slot: "other")]
        let en = try Explainer.whyAssigned(problem: pr, assignments: roster, person: "wang", slot: "visit", language: .en)
        #expect(en.contributions.map(\.rule) == ["cover.under", "stability", "continuity", "requests", "fairness"])
        #expect(en.contributions.map(\.points) == [200, 50, 20, 7, 4])
        #expect(en.net == 281)
        #expect(en.text.hasPrefix("Why 王芳 for 助浴 on Tue 09:00–11:00: fills the one place it needs (saves 200)"), "\(en.text)")
        #expect(en.text.contains("王芳 already had it in the published roster (saves 50)"), "\(en.text)")
        #expect(en.text.contains("王芳 is one of 张奶奶's preferred or recent volunteers (saves 20)"), "\(en.text)")
        #expect(en.text.contains("王芳 asked to work on Tue (saves 7)"), "\(en.text)")
        #expect(en.text.contains("brings 王芳 closer to her target of 4 h (saves 4)"), "\(en.text)")
        let zh = try Explainer.whyAssigned(problem: pr, assignments: roster, person: "wang", slot: "visit", language: .zh)
        #expect(zh.text.hasPrefix("为什么由王芳 做周二 09:00–11:00 助浴：补上所需 1 人中的一个名额（省 200 分）"), "\(zh.text)")
        #expect(zh.text.contains("王芳 是张奶奶熟悉或指定的志愿者"), "\(zh.text)")
        #expect(zh.text.contains("王芳 希望周二上班（省 7 分）"), "\(zh.text)")
    }

    @Test func costsAreNegativeContributions() throws {
        var pr = Self.problem()
        // 李强 takes both slots on Tuesday: a grid change, not the preferred volunteer, a change to the published roster.
        pr.requests = [ShiftRequest(person: "li", day: 1, kind: nil, wantsOn: false, weight: 5)]
        let roster = [Assignment(person: "li", slot: "visit"), Assignment(person: "li", slot: "other")]
        let en = try Explainer.whyAssigned(problem: pr, assignments: roster, person: "li", slot: "visit", language: .en)
        let byRule = Dictionary(uniqueKeysWithValues: en.contributions.map { ($0.rule, $0.points) })
        #expect(byRule["cover.under"] == 200)
        #expect(byRule["travel"] == -3)
        #expect(byRule["continuity"] == -20)
        #expect(byRule["stability"] == -50)
        #expect(byRule["requests"] == nil, "the day off was already lost to the other slot")
        #expect(en.text.contains("李强 changes grid that day (costs 3)"), "\(en.text)")
        #expect(en.text.contains("李强 is not one of 张奶奶's preferred volunteers (costs 20)"), "\(en.text)")
        #expect(en.text.contains("it is a change to the published roster (costs 50)"), "\(en.text)")
        #expect(throws: SchedulerError.self) {
            try Explainer.whyAssigned(problem: pr, assignments: roster, person: "wang", slot: "visit")
        }
    }
}

@Suite struct TravelMatrixTests {
    static let g1 = Slot(id: "v1", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 10)), place: "G1")
    static func second(gap: Int, place: String) -> Slot {
        Slot(id: "v2", kind: "duty", range: MinuteRange(start: at(0, 10) + gap, end: at(0, 11) + gap), place: place)
    }

    @Test func matrixEntriesApplyBothWaysAndTheDefaultElsewhere() throws {
        let a = Person(id: "a", name: "A")
        func count(_ slots: [Slot], _ times: [TravelTime], travel: Int = 5) throws -> Int {
            var p = tiny(people: [a], slots: slots, travel: travel)
            p.travelTimes = times
            return try solveTiny(p).assignments.count
        }
        let far = [TravelTime(from: "G1", to: "G2", minutes: 30)]
        #expect(try count([Self.g1, Self.second(gap: 20, place: "G2")], far) == 1)
        #expect(try count([Self.g1, Self.second(gap: 30, place: "G2")], far) == 2)
        // The entry G1 → G2 also holds G2 → G1 …
        let back = Slot(id: "v0", kind: "duty", range: MinuteRange(start: at(0, 7, 40), end: at(0, 8, 40)), place: "G2")
        #expect(try count([back, Self.g1], far) == 1)
        // … unless the reverse has its own entry.
        #expect(try count([back, Self.g1], far + [TravelTime(from: "G2", to: "G1", minutes: 10)]) == 2)
        // Places not in the matrix use travelMinutes.
        #expect(try count([Self.g1, Self.second(gap: 20, place: "G3")], far, travel: 25) == 1)
        #expect(try count([Self.g1, Self.second(gap: 20, place: "G3")], far, travel: 15) == 2)
    }

    @Test func validatorCatchesTooLittleTravelTime() {
        var p = tiny(people: [Person(id: "a", name: "A")], slots: [Self.g1, Self.second(gap: 20, place: "G2")])
        p.travelTimes = [TravelTime(from: "G2", to: "G1", minutes: 45)]
        let roster = [Assignment(person: "a", slot: "v1"), Assignment(person: "a", slot: "v2")]
        let report = ScheduleValidator.validate(problem: p, assignments: roster)
        #expect(report.violations.map(\.rule) == ["separation"])
        #expect(report.violations.first?.message.contains("too little travel time") == true)
    }

    @Test func oldFilesWithoutTheMatrixStillDecodeAndNewOnesRoundTrip() throws {
        var p = tiny(people: [Person(id: "a", name: "A")], slots: [Self.g1])
        let old = try SchedulingProblem.decode(json: try p.encodeJSON())
        #expect(old.travelTimes.isEmpty)
        var dict = try #require(try JSONSerialization.jsonObject(with: p.encodeJSON()) as? [String: Any])
        dict.removeValue(forKey: "travelTimes")
        #expect(try SchedulingProblem.decode(json: JSONSerialization.data(withJSONObject: dict)).travelTimes.isEmpty)
        p.travelTimes = [TravelTime(from: "G1", to: "G2", minutes: 12)]
        #expect(try SchedulingProblem.decode(json: p.encodeJSON()) == p)
        p.travelTimes = [TravelTime(from: "G1", to: "G2", minutes: 1_400)]
        #expect(throws: SchedulerError.self) { try Solver.solve(p) }
    }
}

@Suite struct BookingWindowTests {
    static let visit = Slot(
        id: "bath", kind: "bath", range: MinuteRange(start: at(1, 9), end: at(1, 10)), underWeight: 200, overWeight: 30)
    static let windows = [MinuteRange(start: at(1, 9), end: at(1, 10)), MinuteRange(start: at(1, 14), end: at(1, 15))]

    @Test func alternativesStartEveryStepInsideEachWindow() {
        let alts = Self.visit.alternatives(startingIn: Self.windows, step: 30)
        #expect(
            alts.map(\.id.rawValue) == ["bath@\(at(1, 9))", "bath@\(at(1, 9, 30))", "bath@\(at(1, 14))", "bath@\(at(1, 14, 30))"])
        #expect(alts.allSatisfy { $0.booking == "bath" && $0.range.length == 60 })
    }

    @Test func theSolverPicksAStartThePeopleCanMake() throws {
        let alts = Self.visit.alternatives(startingIn: Self.windows, step: 30)
        // 王芳 is free 13:00–15:00 on Tuesday: only the 14:00 start fits.
        let wang = Person(id: "wang", name: "王芳", availability: [MinuteRange(start: at(1, 13), end: at(1, 15))])
        let alone = try solveTiny(tiny(people: [wang], slots: alts))
        #expect(alone.assignments == [Assignment(person: "wang", slot: SlotID("bath@\(at(1, 14))"))])
        #expect(alone.score.soft == 0)
        // Two people wanted: both go to the same start; the other starts stay empty.
        var two = alts
        for i in two.indices { two[i].required = 2 }
        let both = try solveTiny(tiny(people: [wang, Person(id: "li", name: "李强")], slots: two))
        #expect(Set(both.assignments.map(\.slot)) == [SlotID("bath@\(at(1, 14))")])
        #expect(both.assignments.count == 2)
    }

    @Test func validatorAllowsOneStartOnlyAndCountsTheBooking() {
        let alts = Self.visit.alternatives(startingIn: Self.windows, step: 60)
        let p = tiny(people: [Person(id: "a", name: "A"), Person(id: "b", name: "B")], slots: alts)
        let split = [Assignment(person: "a", slot: alts[0].id), Assignment(person: "b", slot: alts[1].id)]
        let report = ScheduleValidator.validate(problem: p, assignments: split)
        #expect(report.violations.map(\.rule) == ["booking"])
        #expect(report.softBreakdown["cover.over"] == 30)
        #expect(report.softBreakdown["cover.under"] == 0)
        let none = ScheduleValidator.validate(problem: p, assignments: [])
        #expect(none.softBreakdown["cover.under"] == 200)
        // Explained once, at its first start.
        let why = Explainer.explainUnfilled(problem: p, assignments: [], language: .en)
        #expect(why.map(\.slot) == [alts[0].id])
        #expect(Explainer.explainUnfilled(problem: p, assignments: [split[1]]).isEmpty)
    }

    @Test func bookingsRoundTripInJSON() throws {
        let p = tiny(people: [], slots: Self.visit.alternatives(startingIn: Self.windows, step: 60))
        let back = try SchedulingProblem.decode(json: try p.encodeJSON())
        #expect(back == p)
        #expect(back.slots.map(\.booking) == ["bath", "bath"])
    }
}
