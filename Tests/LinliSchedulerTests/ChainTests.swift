import Foundation
import Testing

@testable import LinliScheduler

/// The ejection chain (`Engine.moveChainDP`): a short slot is given to someone whose row the DP re-rosters around
/// it, and each slot that row gives up and leaves short goes on to the next person.
@Suite struct ChainTests {
    @Test(arguments: UInt64(1)...4)
    func chainsKeepPinsAndScoreExactly(seed: UInt64) throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        var problem = ins.toProblem()
        // B (index 1) is pinned to day 0 and day 1 (B asked to work both).
        let pins = [0, 1].map { Assignment(person: problem.people[1].id, slot: NRPInstance.slotID(day: $0, shift: "D")) }
        problem.pinned = pins
        let c = try CompiledProblem(problem)
        var o = SolverOptions(seed: seed, timeLimitSeconds: 30, maxIterations: 2_000)
        o.tuning = ["chainEvery": 0, "dayFlowEvery": 0]
        var engine = Engine(c: c, options: o)
        _ = engine.run()
        let roster = engine.st.snapshot()
        let validBefore = (0..<c.P).filter { engine.st.pHard[$0] == 0 }
        var keptValid = 0
        var chains = 0, coveredTheGap = 0
        for _ in 0..<60 {
            engine.st.restore(roster)
            let shortBefore = (0..<c.S).filter { engine.st.count[$0] < c.slotReq[$0] }
            if !engine.moveChainDP(window: 7, depth: 3) { continue }
            chains += 1
            #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft))
            #expect(engine.st.cells[1 * c.D] == Int32(c.slotIndex[pins[0].slot]!))
            #expect(engine.st.cells[1 * c.D + 1] == Int32(c.slotIndex[pins[1].slot]!))
            // at most `depth` people's rows changed
            let changedPeople = (0..<c.P).filter { p in
                (0..<c.D).contains { engine.st.cells[p * c.D + $0] != roster[p * c.D + $0] }
            }
            #expect(!changedPeople.isEmpty && changedPeople.count <= 3)
            // each link's row keeps its person's rules, also where the window meets the rest of the row
            for p in changedPeople where validBefore.contains(p) {
                #expect(engine.st.pHard[p] == 0, "person \(p) broke a rule")
                keptValid += 1
            }
            // the first link staffs a slot that was short (a later link may, rarely, take someone off it again)
            if shortBefore.contains(where: { engine.st.count[$0] > 0 && engine.st.count[$0] > Int32(countIn(roster, $0)) }) {
                coveredTheGap += 1
            }
        }
        #expect(chains > 0, "60 tries from a roster with short slots make some chain")
        #expect(keptValid > 0, "some chain re-rostered a person who broke no rule")
        #expect(coveredTheGap * 2 > chains, "chains start by staffing a short slot")
    }

    /// How many people `roster` puts on slot `s`.
    func countIn(_ roster: [Int32], _ s: Int) -> Int { roster.filter { $0 == Int32(s) }.count }
}
