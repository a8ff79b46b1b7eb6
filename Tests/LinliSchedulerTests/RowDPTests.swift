import Foundation
import Testing

@testable import LinliScheduler

/// The row DP (`Engine.rowDP`) re-rosters one person over a window of days with the rest of their row fixed. The
/// row it proposes must keep the person's rules where the window meets the days after it, and for a kind of shift
/// they may work only a few more times, not just inside the window's own days.
@Suite struct RowDPTests {
    /// One person over 14 days with shifts D and N (N may not be followed by D), and `cover` lines of
    /// "day,shift,requirement,under,over".
    func make(staff: String, cover: [String], worked: [Int: String]) throws -> (Engine, Problem) {
        let text = """
            SECTION_HORIZON
            14

            SECTION_SHIFTS
            D,480,
            N,480,D

            SECTION_STAFF
            \(staff)

            SECTION_DAYS_OFF

            SECTION_SHIFT_ON_REQUESTS

            SECTION_SHIFT_OFF_REQUESTS

            SECTION_COVER
            \(cover.joined(separator: "\n"))
            """
        let problem = try NRPInstance.parse(text: text).toProblem()
        let c = try CompiledProblem(problem)
        let engine = Engine(c: c, options: SolverOptions(seed: 1, timeLimitSeconds: 1))
        for d in 0..<c.D { engine.st.cells[d] = -1 }
        for (d, shift) in worked {
            engine.st.cells[d] = Int32(try #require(c.slotIndex[NRPInstance.slotID(day: d, shift: shift)]))
        }
        engine.st.recomputeAll()
        return (engine, Problem(scheduling: problem, compiled: c))
    }

    /// The week and its compiled form, to read the person's row back as shift names.
    struct Problem {
        let scheduling: SchedulingProblem
        let compiled: CompiledProblem
        var D: Int { compiled.D }
        func slot(_ day: Int, _ shift: String) throws -> Int32 {
            Int32(try #require(compiled.slotIndex[NRPInstance.slotID(day: day, shift: shift)]))
        }
    }

    func row(_ engine: Engine, _ c: Problem) -> [String] {
        (0..<c.D).map { d in
            let s = engine.st.cells[d]
            return s < 0 ? "-" : c.scheduling.slots[Int(s)].kind.rawValue
        }
    }

    @Test func aKindWithOneShiftLeftIsWorkedOnceInTheWindow() throws {
        // N at most twice; one N already on day 0, outside the window; every day wants an N.
        let cover = (0..<14).map { "\($0),N,1,100,1" }
        var (engine, c) = try make(staff: "A,D=14|N=2,6720,0,14,1,1,2", cover: cover, worked: [0: "N"])
        #expect(engine.st.pHard[0] == 0)
        let changed = engine.rowDP(person: 0, from: 7, days: 7, maxCells: 1_500_000)
        #expect(changed)
        let after = row(engine, c)
        #expect(after[7...].filter { $0 == "N" }.count == 1, "one N left to work: \(after)")
        #expect(engine.st.pHard[0] == 0, "\(after)")
        #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft))
    }

    @Test func theWindowsLastDayKeepsARunAfterItLongEnough() throws {
        // At least two days in a row; days 5–7 worked, day 7 outside the window 0–6. Day 6 wants no one, days 0–5
        // want one each: dropping day 6 would leave day 7 a run of one.
        let cover = (0..<14).map { "\($0),D,\($0 == 6 || $0 > 7 ? 0 : 1),100,1" }
        var (engine, c) = try make(
            staff: "A,D=14|N=0,6720,0,14,2,1,2", cover: cover, worked: [5: "D", 6: "D", 7: "D"])
        #expect(engine.st.pHard[0] == 0)
        _ = engine.rowDP(person: 0, from: 0, days: 7, maxCells: 1_500_000)
        let after = row(engine, c)
        #expect(after[6] == "D", "day 7 is not left alone: \(after)")
        #expect(engine.st.pHard[0] == 0, "\(after)")
        #expect(engine.fullScore() == Score(hard: engine.st.hard, soft: engine.st.soft))
    }

    @Test func theWindowsLastShiftMayPrecedeTheDayAfterIt() throws {
        // Day 7 (outside the window 0–6) is a D; day 6 wants an N, which may not be followed by a D.
        let cover = (0..<14).map { "\($0),N,\($0 == 6 ? 1 : 0),100,1" }
        var (engine, c) = try make(staff: "A,D=14|N=14,6720,0,14,1,1,2", cover: cover, worked: [7: "D"])
        #expect(engine.st.pHard[0] == 0)
        _ = engine.rowDP(person: 0, from: 0, days: 7, maxCells: 1_500_000)
        let after = row(engine, c)
        #expect(after[6] != "N", "\(after)")
        #expect(engine.st.pHard[0] == 0, "\(after)")
    }

    @Test func aStrictRowThatWouldBreakARuleIsNotProposed() throws {
        // Forced onto an N on day 6 before the D on day 7: any row breaks the succession rule.
        let cover = (0..<14).map { "\($0),N,0,100,1" }
        var (engine, c) = try make(staff: "A,D=14|N=14,6720,0,14,1,1,2", cover: cover, worked: [7: "D"])
        let n6 = try c.slot(6, "N")
        let before = row(engine, c)
        let proposed = engine.rowDP(person: 0, from: 0, days: 7, maxCells: 1_500_000, force: (6, n6), strict: true)
        #expect(!proposed)
        #expect(row(engine, c) == before)
        // without `strict` (repair) the best it can do is proposed, and it breaks the rule
        let repaired = engine.rowDP(person: 0, from: 0, days: 7, maxCells: 1_500_000, force: (6, n6))
        #expect(repaired)
        #expect(engine.st.pHard[0] > 0)
    }
}
