import Foundation
import Testing

@testable import LinliScheduler

/// The day re-assignment (`DayFlow`): an exact, never-worsening re-deal of one day among everyone.
@Suite struct DayFlowTests {
    /// Score of the engine's current roster with hard units weighted as the search weighs them.
    func weighted(_ e: Engine, _ hardWeight: Int) -> Int { e.st.hard * hardWeight + e.st.soft }

    @Test func passesAShiftAlongTwoPeopleInOneStep() throws {
        // Day 0: the bath needs a nurse and has none; Y, the only nurse, is on the duty; X is free but cannot bathe.
        // The best day moves Y to the bath and X to the duty. No single change does that without leaving one of
        // the two slots short on the way.
        let bath = Slot(
            id: "bath", kind: "bath", range: MinuteRange(start: at(0, 9), end: at(0, 11)), requiredSkills: ["nurse"])
        let duty = Slot(id: "duty", kind: "duty", range: MinuteRange(start: at(0, 9), end: at(0, 11)))
        let oneADay = PersonLimits(maxShiftsPerDay: 1)
        let x = Person(id: "x", name: "X", limits: oneADay)
        let y = Person(id: "y", name: "Y", skills: [SkillGrant(skill: "nurse")], limits: oneADay)
        let c = try CompiledProblem(tiny(people: [x, y], slots: [bath, duty]))
        var engine = Engine(c: c, options: SolverOptions())
        #expect(Engine.dayFlowApplies(c))
        let dutyIndex = Int32(c.slotIndex["duty"]!), bathIndex = Int32(c.slotIndex["bath"]!)
        engine.st.setCell(1, 0, 0, dutyIndex)
        engine.st.recomputeAll()
        let before = weighted(engine, 1000)

        let moved = engine.dayFlow(day: 0, hardWeight: 1000)
        #expect(moved)
        #expect(engine.st.cells[0] == dutyIndex)
        #expect(engine.st.cells[1 * c.D] == bathIndex)
        #expect(weighted(engine, 1000) - before == engine.dayFlowScratch.predicted)
        #expect(engine.dayFlowScratch.predicted < 0)
        #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft))
        // The day is now as good as it gets: a second re-deal finds nothing.
        let again = engine.dayFlow(day: 0, hardWeight: 1000)
        #expect(!again)
    }

    @Test func neverWorsensAndPredictsTheScoreExactly() throws {
        // Instance1 after a short search, then every day re-dealt in turn: each re-deal's score change is the one
        // the flow predicted, is never positive, and leaves that day with nothing more to gain.
        let ins = try NRPInstance.parse(text: instance1Text)
        let c = try CompiledProblem(ins.toProblem())
        var totalChanged = 0
        for seed in UInt64(1)...4 {
            var o = SolverOptions(seed: seed, timeLimitSeconds: 30, maxIterations: 500)
            o.tuning = ["dayFlowEvery": 0]
            var engine = Engine(c: c, options: o)
            _ = engine.run()
            var changed = 0
            for d in 0..<c.D {
                let before = weighted(engine, 1000)
                if engine.dayFlow(day: d, hardWeight: 1000) {
                    changed += 1
                    let after = weighted(engine, 1000)
                    #expect(after - before == engine.dayFlowScratch.predicted, "seed \(seed) day \(d)")
                    #expect(after < before, "seed \(seed) day \(d)")
                    let again = engine.dayFlow(day: d, hardWeight: 1000)
                    #expect(!again, "seed \(seed) day \(d) is not optimal")
                }
                #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft))
            }
            #expect(engine.dayFlowScratch.calls == c.D + changed)
            totalChanged += changed
        }
        #expect(totalChanged > 0, "500 moves leave some day to improve")
    }

    @Test(arguments: UInt64(1)...6)
    func exactOnGeneratedWeeks(seed: UInt64) throws {
        // Generated community weeks made re-dealable (one entry per person-day, no bookings, no group rules on
        // slots): skills, availability, absences, travel, minute and kind limits all enter the people's costs.
        // From a random roster, every re-deal predicts its score change exactly and keeps the incremental score
        // equal to a full recomputation.
        var problem = WeekGenerator.make(seed: seed)
        for i in problem.people.indices { problem.people[i].limits.maxShiftsPerDay = 1 }
        problem.slots.removeAll { $0.booking != nil }
        for i in problem.slots.indices {
            problem.slots[i].neverAlone = false; problem.slots[i].needsLeader = false
        }
        let c = try CompiledProblem(problem)
        try #require(Engine.dayFlowApplies(c))
        // a random roster, most likely breaking rules: the re-deal repairs what it can, hard units weighed
        var engine = Engine(c: c, options: SolverOptions(seed: seed))
        var r = Rng(seed: seed &* 11)
        for p in 0..<c.P {
            for d in 0..<c.D where !engine.st.pinnedCell[p * c.D + d] {
                let opts = c.eligByPD[p * c.D + d]
                if !opts.isEmpty && r.int(2) == 0 { engine.st.setCell(p, d, 0, opts[r.int(opts.count)]) }
            }
        }
        engine.st.recomputeAll()
        for d in 0..<c.D {
            let before = weighted(engine, 1000)
            if engine.dayFlow(day: d, hardWeight: 1000) {
                #expect(weighted(engine, 1000) - before == engine.dayFlowScratch.predicted, "day \(d)")
                #expect(weighted(engine, 1000) < before, "day \(d)")
            }
            #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft), "day \(d)")
        }
        #expect(engine.dayFlowScratch.changes > 0, "a random roster has some day to improve")
    }

    @Test func leavesPinnedEntriesAndGroupRulesAlone() throws {
        // A pinned entry is never re-dealt; a problem with never-alone slots is not re-dealt at all (its cover
        // cost is not one slot at a time).
        // First a roster in which some re-deal takes a person off a shift; then the same roster with that
        // person pinned to that shift: the re-deal of that day keeps them there.
        let ins = try NRPInstance.parse(text: instance1Text)
        var problem = ins.toProblem()
        let free = try CompiledProblem(problem)
        var o = SolverOptions(seed: 2, timeLimitSeconds: 30, maxIterations: 3_000)
        o.tuning = ["dayFlowEvery": 0]
        var first = Engine(c: free, options: o)
        _ = first.run()
        let roster = first.st.snapshot()
        var found: (p: Int, d: Int)?
        search: for d in 0..<free.D {
            first.st.restore(roster)
            guard first.dayFlow(day: d, hardWeight: 1000) else { continue }
            for p in 0..<free.P where roster[p * free.D + d] >= 0 && first.st.cells[p * free.D + d] != roster[p * free.D + d] {
                found = (p, d)
                break search
            }
        }
        let (p, d) = try #require(found)
        let slot = problem.slots[Int(roster[p * free.D + d])].id
        problem.pinned = [Assignment(person: problem.people[p].id, slot: slot)]
        let c = try CompiledProblem(problem)
        var engine = Engine(c: c, options: o)
        engine.st.restore(roster)
        _ = engine.dayFlow(day: d, hardWeight: 1000)
        #expect(engine.st.cells[p * c.D + d] == roster[p * c.D + d])
        #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft))

        let patrol = Slot(
            id: "p", kind: "patrol", range: MinuteRange(start: at(0, 8), end: at(0, 10)), required: 2, neverAlone: true)
        let grouped = try CompiledProblem(
            tiny(people: [Person(id: "a", name: "A"), Person(id: "b", name: "B")], slots: [patrol]))
        #expect(!Engine.dayFlowApplies(grouped))
    }
}
