import Foundation
import Testing

@testable import LinliScheduler

/// Minute of day `d` at `h:m`.
func at(_ d: Int, _ h: Int, _ m: Int = 0) -> Minute { d * minutesPerDay + h * 60 + m }

func tiny(
    people: [Person], slots: [Slot], travel: Int = 0, pinned: [Assignment] = [],
    succ: [ForbiddenSuccession] = []
) -> SchedulingProblem {
    SchedulingProblem(
        name: "tiny", horizonDays: 7, startDate: "2026-11-23",
        skills: [Skill(id: "nurse", name: "护理员证")],
        kinds: [
            ServiceKind(id: "bath", name: "助浴"), ServiceKind(id: "patrol", name: "巡逻"),
            ServiceKind(id: "duty", name: "值班"), ServiceKind(id: "am", name: "早巡"), ServiceKind(id: "pm", name: "晚巡"),
        ],
        people: people, slots: slots, pinned: pinned, forbiddenSuccessions: succ, travelMinutes: travel,
        weights: .none)
}

func solveTiny(_ p: SchedulingProblem) throws -> Solution {
    let s = try Solver.solve(p, options: SolverOptions(seed: 7, timeLimitSeconds: 20, maxIterations: 4_000))
    #expect(s.isValid, "\(s.violations)")
    return s
}

func staffed(_ s: Solution, _ slot: SlotID) -> Int { s.assignments.filter { $0.slot == slot }.count }

@Suite struct RuleTests {
    @Test func neverAloneAndLeader() throws {
        let patrol = Slot(
            id: "p", kind: "patrol", range: MinuteRange(start: at(0, 8), end: at(0, 10)), required: 2, neverAlone: true,
            needsLeader: true)
        // Only one person: a patrol is never walked alone.
        #expect(staffed(try solveTiny(tiny(people: [Person(id: "a", name: "A", isLeader: true)], slots: [patrol])), "p") == 0)
        // Two people but no leader.
        #expect(
            staffed(try solveTiny(tiny(people: [Person(id: "a", name: "A"), Person(id: "b", name: "B")], slots: [patrol])), "p")
                == 0)
        // A leader and a member.
        #expect(
            staffed(
                try solveTiny(
                    tiny(people: [Person(id: "a", name: "A", isLeader: true), Person(id: "b", name: "B")], slots: [patrol])), "p")
                == 2)
    }

    @Test func weeklyMinutesLimit() throws {
        let slots = [
            Slot(id: "d1", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 11))),
            Slot(id: "d2", kind: "duty", range: MinuteRange(start: at(2, 9), end: at(2, 11))),
        ]
        let p = Person(id: "a", name: "A", limits: PersonLimits(maxMinutesPerWeek: 180))
        #expect(try solveTiny(tiny(people: [p], slots: slots)).assignments.count == 1)
    }

    @Test func forbiddenSuccessionAndTravel() throws {
        let pm = Slot(id: "pm", kind: "pm", range: MinuteRange(start: at(0, 19), end: at(0, 21)))
        let am = Slot(id: "am", kind: "am", range: MinuteRange(start: at(1, 8), end: at(1, 10)))
        let a = Person(id: "a", name: "A")
        #expect(
            try solveTiny(tiny(people: [a], slots: [pm, am], succ: [ForbiddenSuccession(first: "pm", then: "am")])).assignments
                .count == 1)
        #expect(try solveTiny(tiny(people: [a], slots: [pm, am])).assignments.count == 2)
        let v1 = Slot(id: "v1", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 10)), place: "G1")
        let v2 = Slot(id: "v2", kind: "duty", range: MinuteRange(start: at(0, 10, 10), end: at(0, 11)), place: "G2")
        #expect(try solveTiny(tiny(people: [a], slots: [v1, v2], travel: 20)).assignments.count == 1)
        #expect(try solveTiny(tiny(people: [a], slots: [v1, v2], travel: 5)).assignments.count == 2)
    }

    @Test("shifts just outside the week: rest, travel and succession against them, and runs of days across the edges")
    func horizonEdges() throws {
        let mondayAM = Slot(id: "am0", kind: "am", range: MinuteRange(start: at(0, 7), end: at(0, 9)), place: "G1")
        let sundayPM = Slot(id: "pm6", kind: "pm", range: MinuteRange(start: at(6, 19), end: at(6, 22)), place: "G1")
        // Sunday's evening patrol of the week before ends at 22:00 on day -1.
        let lastSunday = EdgeShift(range: MinuteRange(start: at(-1, 19), end: at(-1, 22)), kind: "pm", place: "G1")
        let succ = [ForbiddenSuccession(first: "pm", then: "am")]
        func staffedWith(_ edges: HorizonEdges?, _ limits: PersonLimits = PersonLimits(), slots: [Slot]) throws -> Int {
            let p = Person(id: "a", name: "A", limits: limits, edges: edges)
            let problem = tiny(people: [p], slots: slots, travel: 30, succ: succ)
            let solution = try solveTiny(problem)
            #expect(ScheduleValidator.validate(problem: problem, assignments: solution.assignments).isValid)
            return solution.assignments.count
        }
        // A forbidden succession across Sunday night, and back into the week after.
        #expect(try staffedWith(HorizonEdges(lastBefore: lastSunday), slots: [mondayAM]) == 0)
        #expect(try staffedWith(nil, slots: [mondayAM]) == 1)
        let nextMonday = EdgeShift(range: MinuteRange(start: at(7, 7), end: at(7, 9)), kind: "am", place: "G1")
        #expect(try staffedWith(HorizonEdges(firstAfter: nextMonday), slots: [sundayPM]) == 0)
        // Rest: 10 hours after a duty that ended at 22:00 the evening before.
        let lateDuty = EdgeShift(range: MinuteRange(start: at(-1, 18), end: at(-1, 22)), kind: "duty", place: "G1")
        let rested = PersonLimits(minRestMinutes: 10 * 60)
        #expect(try staffedWith(HorizonEdges(lastBefore: lateDuty), rested, slots: [mondayAM]) == 0)
        #expect(try staffedWith(HorizonEdges(lastBefore: lateDuty), slots: [mondayAM]) == 1)
        // Travel: a shift elsewhere ending 20 minutes before, with 30 minutes between grids.
        let elsewhere = EdgeShift(range: MinuteRange(start: at(-1, 23), end: at(0, 6, 40)), kind: "duty", place: "G2")
        #expect(try staffedWith(HorizonEdges(lastBefore: elsewhere), slots: [mondayAM]) == 0)
        // Consecutive days: 5 worked before Monday, at most 6 in a row — Monday yes, Tuesday not as well.
        let week = (0..<2).map { d in Slot(id: SlotID("d\(d)"), kind: "duty", range: MinuteRange(start: at(d, 9), end: at(d, 11)))
        }
        let six = PersonLimits(maxConsecutiveDays: 6)
        #expect(try staffedWith(HorizonEdges(daysWorkedBefore: 5), six, slots: week) == 1)
        #expect(try staffedWith(HorizonEdges(daysWorkedBefore: 3), six, slots: week) == 2)
        // A run outside the week that is already too long does not make the week unsolvable, but
        // nothing may be added to it.
        #expect(try staffedWith(HorizonEdges(daysWorkedBefore: 9), six, slots: week) == 1)
        let end = (5..<7).map { d in Slot(id: SlotID("e\(d)"), kind: "duty", range: MinuteRange(start: at(d, 9), end: at(d, 11)))
        }
        #expect(try staffedWith(HorizonEdges(daysWorkedAfter: 5), six, slots: end) == 1)
        // The validator sees the same: Monday and Tuesday after five days is a run of seven.
        let p = Person(id: "a", name: "A", limits: six, edges: HorizonEdges(daysWorkedBefore: 5))
        let report = ScheduleValidator.validate(
            problem: tiny(people: [p], slots: week), assignments: week.map { Assignment(person: "a", slot: $0.id) })
        #expect(report.violations.map(\.rule) == ["maxConsecutiveDays"])
    }

    @Test func skillsSexEveningAndPins() throws {
        let bath = Slot(
            id: "b", kind: "bath", range: MinuteRange(start: at(1, 9), end: at(1, 11)), requiredSkills: ["nurse"],
            sameSex: .female)
        let man = Person(id: "m", name: "M", sex: .male, skills: [SkillGrant(skill: "nurse")])
        let expired = Person(id: "e", name: "E", sex: .female, skills: [SkillGrant(skill: "nurse", expiresAt: at(1, 10))])
        let noSkill = Person(id: "n", name: "N", sex: .female)
        #expect(staffed(try solveTiny(tiny(people: [man, expired, noSkill], slots: [bath])), "b") == 0)
        let ok = Person(id: "w", name: "W", sex: .female, skills: [SkillGrant(skill: "nurse", expiresAt: at(1, 11))])
        #expect(try solveTiny(tiny(people: [man, ok], slots: [bath])).assignments == [Assignment(person: "w", slot: "b")])
        let evening = Slot(id: "ev", kind: "duty", range: MinuteRange(start: at(0, 18), end: at(0, 20)))
        let early = Person(id: "x", name: "X", limits: PersonLimits(noEvening: true))
        #expect(staffed(try solveTiny(tiny(people: [early], slots: [evening])), "ev") == 0)
        // Pins stay even when they over-staff the slot.
        let duty = Slot(id: "d", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 10)), required: 1, overWeight: 50)
        let pins = [Assignment(person: "m", slot: "d"), Assignment(person: "w", slot: "d")]
        #expect(try solveTiny(tiny(people: [man, ok], slots: [duty], pinned: pins)).assignments == pins.sorted())
    }

    @Test func explainsAnUnfilledVisitInBothLanguages() throws {
        let bath = Slot(
            id: "bath-tue", kind: "bath", range: MinuteRange(start: at(1, 9), end: at(1, 11)), requiredSkills: ["nurse"],
            priority: 2)
        let duties = [0, 2, 3].map {
            Slot(id: SlotID("duty\($0)"), kind: "duty", range: MinuteRange(start: at($0, 9), end: at($0, 11)), required: 0)
        }
        let wang = Person(
            id: "wang", name: "王芳", sex: .female, skills: [SkillGrant(skill: "nurse")],
            limits: PersonLimits(maxMinutesPerWeek: 360))
        let li = Person(
            id: "li", name: "李强", sex: .male, skills: [SkillGrant(skill: "nurse")],
            absences: [Absence(range: .days(1, 3), reason: "sick")])
        let zhang = Person(id: "zhang", name: "张伟", sex: .male)
        let pins = duties.map { Assignment(person: "wang", slot: $0.id) }
        let problem = tiny(people: [wang, li, zhang], slots: [bath] + duties, pinned: pins)
        let sol = try solveTiny(problem)
        #expect(staffed(sol, "bath-tue") == 0)
        let en = Explainer.explainUnfilled(problem: problem, assignments: sol.assignments, language: .en)
        #expect(en.count == 1)
        let t = en.first?.text ?? ""
        #expect(t.contains("no available volunteer with 护理员证 for 助浴 on Tue 09:00–11:00"), "\(t)")
        #expect(t.contains("2 are certified"), "\(t)")
        #expect(t.contains("王芳 is at her limit of 6 h/week"), "\(t)")
        #expect(t.contains("李强 is away 11-24 to 11-26"), "\(t)")
        #expect(en.first?.withoutSkill == 1)
        let zh = Explainer.explainUnfilled(problem: problem, assignments: sol.assignments, language: .zh).first?.text ?? ""
        #expect(zh.contains("周二 09:00–11:00"), "\(zh)")
        #expect(zh.contains("没有可用的持护理员证的志愿者"), "\(zh)")
        #expect(zh.contains("王芳 已达每周 6 小时上限"), "\(zh)")
        #expect(zh.contains("李强 11-24 至 11-26 不在"), "\(zh)")
    }

    @Test func suggestRanksAllowedCandidatesFirst() throws {
        let duty = Slot(id: "d", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 11)), required: 1)
        let other = Slot(id: "o", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 11)), required: 1)
        let a = Person(id: "a", name: "A"), b = Person(id: "b", name: "B")
        let problem = tiny(people: [a, b], slots: [duty, other])
        // A is busy with "o" at the same time, B is free.
        let s = try Explainer.suggest(problem: problem, assignments: [Assignment(person: "a", slot: "o")], slot: "d")
        #expect(s.map(\.person) == ["b", "a"])
        #expect(s.first?.hardDelta == 0)
        #expect(s.first?.softDelta == -100)
        #expect((s.last?.hardDelta ?? 0) > 0)
        #expect(s.last?.wouldBreak.isEmpty == false)
    }
}

@Suite struct JSONFormatTests {
    @Test func minimalHandWrittenProblemDecodesWithDefaults() throws {
        let json = """
            {
              "version": 1,
              "name": "安宁社区 第47周",
              "horizonDays": 7,
              "startDate": "2026-11-16",
              "skills": [{"id": "nurse", "name": "护理员证"}],
              "kinds": [{"id": "bath", "name": "助浴"}, {"id": "patrol", "name": "巡逻"}],
              "people": [
                {"id": "wang", "name": "王芳", "sex": "female", "skills": [{"skill": "nurse", "expiresAt": 20000}],
                 "limits": {"maxMinutesPerWeek": 360, "maxShiftsPerKind": {"patrol": 2}}},
                {"id": "li", "name": "李强", "isLeader": true}
              ],
              "slots": [
                {"id": "bath-tue", "kind": "bath", "range": {"start": 1980, "end": 2100}, "requiredSkills": ["nurse"], "sameSex": "female"},
                {"id": "patrol-mon", "kind": "patrol", "range": {"start": 480, "end": 600}, "required": 2, "neverAlone": true}
              ]
            }
            """
        let p = try SchedulingProblem.decode(json: Data(json.utf8))
        #expect(p.people[0].limits.maxShiftsPerKind == [ServiceKindID("patrol"): 2])
        #expect(p.slots[0].required == 1 && p.slots[0].underWeight == 100)
        #expect(p.weights == SoftWeights())
        let sol = try Solver.solve(p, options: SolverOptions(seed: 1, maxIterations: 2_000))
        #expect(sol.isValid)
        #expect(
            sol.assignments == [
                Assignment(person: "li", slot: "patrol-mon"), Assignment(person: "wang", slot: "bath-tue"),
                Assignment(person: "wang", slot: "patrol-mon"),
            ])
        // Re-encoding keeps dictionaries as JSON objects.
        let text = String(decoding: try p.encodeJSON(), as: UTF8.self)
        #expect(text.contains("\"maxShiftsPerKind\" : {"))
        let back = try Solution.decode(json: try sol.encodeJSON())
        #expect(back == sol)
    }
}

@Suite struct EdgeCaseTests {
    @Test func emptyProblemsSolveInstantly() throws {
        let noPeople = tiny(people: [], slots: [Slot(id: "d", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 10)))])
        let s1 = try Solver.solve(noPeople, options: SolverOptions(maxIterations: 100))
        #expect(s1.isValid && s1.assignments.isEmpty && s1.score.soft == 100)
        let noSlots = tiny(people: [Person(id: "a", name: "A")], slots: [])
        #expect(try Solver.solve(noSlots, options: SolverOptions(maxIterations: 100)).isValid)
    }

    @Test func invalidProblemsAreRejectedWithAReason() {
        let dup = tiny(people: [Person(id: "a", name: "A"), Person(id: "a", name: "A2")], slots: [])
        #expect(throws: SchedulerError.invalidProblem("person a appears twice")) { try Solver.solve(dup) }
        let badPin = tiny(people: [Person(id: "a", name: "A")], slots: [], pinned: [Assignment(person: "a", slot: "zz")])
        #expect(throws: SchedulerError.self) { try Solver.solve(badPin) }
    }

    @Test func cancellationReturnsTheBestSoFar() throws {
        let problem = WeekGenerator.make(seed: 5)
        let sol = try Solver.solve(problem, options: SolverOptions(timeLimitSeconds: 30, shouldCancel: { true }))
        #expect(sol.stats.cancelled)
        #expect(sol.stats.seconds < 5)
        #expect(sol.isValid)
    }
}

@Suite struct ReplanTests {
    @Test func replanAfterACancellationKeepsMostOfTheRoster() throws {
        let problem = WeekGenerator.make(seed: 9)
        let first = try Solver.solve(problem, options: SolverOptions(seed: 1, maxIterations: 15_000))
        #expect(first.isValid)
        var counts: [PersonID: Int] = [:]
        for a in first.assignments { counts[a.person, default: 0] += 1 }
        guard let gone = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else { return }
        var re = problem
        if let i = re.people.firstIndex(where: { $0.id == gone }) {
            re.people[i].absences.append(Absence(range: .days(0, 6), reason: "ill"))
        }
        re.previous = first.assignments
        let second = try Solver.solve(re, options: SolverOptions(seed: 1, maxIterations: 15_000))
        #expect(second.isValid)
        #expect(!second.assignments.contains { $0.person == gone })
        let diff = Solution.changes(from: first.assignments, to: second.assignments)
        // Everything the cancelled person had is removed; the rest of the roster mostly stays.
        #expect(diff.removed.filter { $0.person == gone }.count == counts[gone])
        #expect(diff.removed.count - (counts[gone] ?? 0) <= first.assignments.count / 4, "\(diff)")
    }
}

/// A volunteer who may work once a day on both of Monday's patrols, each with a partner only that
/// patrol can have: taking them out of either leaves the partner alone, so the only valid rosters
/// leave one patrol empty. Seen in a community week, where the roster stayed broken for a whole solve.
@Suite struct PatrolRepairTests {
    static func twoPatrols(partnerWants: Bool) -> SchedulingProblem {
        let morning = MinuteRange(start: at(0, 7), end: at(0, 11)), evening = MinuteRange(start: at(0, 18), end: at(0, 22))
        var problem = tiny(
            people: [
                Person(id: "a", name: "A", limits: PersonLimits(maxShiftsPerDay: 1)),
                Person(id: "b", name: "B", skills: [SkillGrant(skill: "nurse")], availability: [morning]),
                Person(id: "c", name: "C", availability: [evening]),
            ],
            slots: [
                Slot(id: "am", kind: "am", range: MinuteRange(start: at(0, 8), end: at(0, 10)), required: 2, neverAlone: true),
                Slot(id: "pm", kind: "pm", range: MinuteRange(start: at(0, 19), end: at(0, 21)), required: 2, neverAlone: true),
                // B's second slot of the day: the solver then keeps room for two entries a day.
                Slot(
                    id: "bath", kind: "bath", range: MinuteRange(start: at(0, 10), end: at(0, 11)), requiredSkills: ["nurse"]),
            ])
        // C would like the evening patrol: a pair whose cover gain equals one hard unit tips over.
        if partnerWants { problem.requests = [ShiftRequest(person: "c", day: 0, kind: "pm", wantsOn: true, weight: 5)] }
        return problem
    }

    static func expectOnePatrolWalked(_ problem: SchedulingProblem, _ assignments: [Assignment], _ score: Score) {
        let report = ScheduleValidator.validate(problem: problem, assignments: assignments)
        #expect(report.isValid, "\(report.violations)")
        #expect(score.hard == 0)
        let patrols = assignments.filter { $0.slot != "bath" }
        #expect(Set(patrols.map(\.slot)).count == 1 && patrols.count == 2, "\(assignments)")
    }

    /// The search, started from the broken roster, takes the whole of one patrol out in one move.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func theSearchUntanglesIt(seed: UInt64) throws {
        let problem = Self.twoPatrols(partnerWants: false)
        let c = try CompiledProblem(problem)
        try #require(c.K >= 2)
        var cells = [Int32](repeating: -1, count: c.P * c.D * c.K)
        func put(_ p: Int, _ k: Int, _ s: Int) { cells[(p * c.D + 0) * c.K + k] = Int32(s) }
        put(0, 0, 0); put(0, 1, 1); put(1, 0, 0); put(1, 1, 2); put(2, 0, 1)
        var engine = Engine(c: c, options: SolverOptions(seed: seed, timeLimitSeconds: 30, maxIterations: 20_000))
        engine.st.restore(cells)
        #expect(engine.st.hard == 1)
        let result = engine.run()
        let assignments = result.pairs.map { Assignment(person: problem.people[$0.0].id, slot: problem.slots[$0.1].id) }
        Self.expectOnePatrolWalked(problem, assignments, result.score)
    }

    /// A's wish to do the bath is worth more than one hard unit, but A already has the day's one shift
    /// (pinned): the first roster gives the bath to B. (`maxIterations: 0` stops at the first check, after
    /// the construction and at most 256 moves, which cannot lose a valid best.)
    @Test func aWishDoesNotOutweighALimit() throws {
        var problem = tiny(
            people: [Person(id: "a", name: "A", limits: PersonLimits(maxShiftsPerDay: 1)), Person(id: "b", name: "B")],
            slots: [
                Slot(id: "duty", kind: "duty", range: MinuteRange(start: at(0, 8), end: at(0, 9))),
                Slot(id: "visit", kind: "bath", range: MinuteRange(start: at(0, 14), end: at(0, 15))),
            ],
            pinned: [Assignment(person: "a", slot: "duty")])
        problem.requests = [ShiftRequest(person: "a", day: 0, kind: "bath", wantsOn: true, weight: 5_000)]
        let first = try Solver.solve(problem, options: SolverOptions(seed: 1, timeLimitSeconds: 30, maxIterations: 0))
        #expect(first.isValid, "\(first.violations)")
        #expect(first.assignments.contains(Assignment(person: "b", slot: "visit")))
    }

    /// The first roster of generated weeks (patrols, visits with continuity, duties) breaks no rule.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func generatedWeeksStartValid(seed: UInt64) throws {
        for week in [CommunityGenerator.week(volunteers: 40 + 20 * Int(seed), seed: seed), WeekGenerator.make(seed: seed)] {
            let first = try Solver.solve(week, options: SolverOptions(seed: seed, timeLimitSeconds: 30, maxIterations: 0))
            #expect(first.isValid && first.score.hard == 0, "\(first.violations)")
            #expect(!first.assignments.isEmpty)
        }
    }

    /// The first roster does not staff a patrol by breaking a rule.
    @Test func theFirstRosterBreaksNoRule() throws {
        let problem = Self.twoPatrols(partnerWants: true)
        let first = try Solver.solve(problem, options: SolverOptions(seed: 1, timeLimitSeconds: 30, maxIterations: 0))
        Self.expectOnePatrolWalked(problem, first.assignments, first.score)
        let searched = try Solver.solve(problem, options: SolverOptions(seed: 1, timeLimitSeconds: 30, maxIterations: 20_000))
        Self.expectOnePatrolWalked(problem, searched.assignments, searched.score)
    }
}
