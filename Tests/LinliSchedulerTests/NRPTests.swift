import Foundation
import Testing

@testable import LinliScheduler

/// Byte-for-byte content of Instance1.txt (Curtois & Qu), with CRLF line ends restored at use.
let instance1Text = """
    # This is a comment. Comments start with #
    SECTION_HORIZON
    # All instances start on a Monday
    # The horizon length in days:
    14

    SECTION_SHIFTS
    # ShiftID, Length in mins, Shifts which cannot follow this shift | separated
    D,480,

    SECTION_STAFF
    # ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends
    A,D=14,4320,3360,5,2,2,1
    B,D=14,4320,3360,5,2,2,1
    C,D=14,4320,3360,5,2,2,1
    D,D=14,4320,3360,5,2,2,1
    E,D=14,4320,3360,5,2,2,1
    F,D=14,4320,3360,5,2,2,1
    G,D=14,4320,3360,5,2,2,1
    H,D=14,4320,3360,5,2,2,1

    SECTION_DAYS_OFF
    # EmployeeID, DayIndexes (start at zero)
    A,0
    B,5
    C,8
    D,2
    E,9
    F,5
    G,1
    H,7

    SECTION_SHIFT_ON_REQUESTS
    # EmployeeID, Day, ShiftID, Weight
    A,2,D,2
    A,3,D,2
    B,0,D,3
    B,1,D,3
    B,2,D,3
    B,3,D,3
    B,4,D,3
    C,0,D,1
    C,1,D,1
    C,2,D,1
    C,3,D,1
    C,4,D,1
    D,8,D,2
    D,9,D,2
    F,0,D,2
    F,1,D,2
    H,9,D,1
    H,10,D,1
    H,11,D,1
    H,12,D,1
    H,13,D,1

    SECTION_SHIFT_OFF_REQUESTS
    # EmployeeID, Day, ShiftID, Weight
    C,12,D,1
    C,13,D,1
    F,8,D,3
    H,2,D,3
    H,3,D,3

    SECTION_COVER
    # Day, ShiftID, Requirement, Weight for under, Weight for over
    0,D,5,100,1
    1,D,7,100,1
    2,D,6,100,1
    3,D,4,100,1
    4,D,5,100,1
    5,D,5,100,1
    6,D,5,100,1
    7,D,6,100,1
    8,D,7,100,1
    9,D,4,100,1
    10,D,2,100,1
    11,D,5,100,1
    12,D,6,100,1
    13,D,4,100,1
    """

let instance1Optimal = """
    A - D D D D - - D D - - D D D
    B D D D D D - - - D D - - D D
    C D D D - - D D D - - D D - -
    D D D - - - D D D D D - - - -
    E - D D D D - - D D - - D D -
    F D D D - - - - D D D - - D D
    G - - D D D - - D D - - D D D
    H D D - - D D D - - D D D - -
    """

func parseRoster(_ text: String) -> [[String?]] {
    text.split(separator: "\n").map { line in
        line.split(separator: " ").dropFirst().map { $0 == "-" ? nil : String($0) }
    }
}

@Suite struct NRPTests {
    @Test func parsesInstance1WithCRLF() throws {
        let crlf = instance1Text.replacingOccurrences(of: "\n", with: "\r\n")
        let ins = try NRPInstance.parse(text: crlf)
        #expect(ins.horizonDays == 14)
        #expect(ins.shifts.map(\.id) == ["D"])
        #expect(ins.shifts[0].minutes == 480)
        #expect(ins.staff.count == 8)
        #expect(ins.staff[0].maxShifts == ["D": 14])
        #expect(ins.staff[0].minTotalMinutes == 3360)
        #expect(ins.staff[0].maxWeekends == 1)
        #expect(ins.daysOff["B"] == [5])
        #expect(ins.onRequests.count == 21)
        #expect(ins.offRequests.count == 5)
        #expect(ins.cover.count == 14)
        #expect(ins.cover[1].requirement == 7)
    }

    @Test func parseErrorsNameTheLine() {
        let bad = instance1Text.replacingOccurrences(of: "A,D=14,4320,3360,5,2,2,1", with: "A,D=14,43x0,3360,5,2,2,1")
        #expect(throws: SchedulerError.self) { try NRPInstance.parse(text: bad) }
        do { _ = try NRPInstance.parse(text: bad); Issue.record("expected an error") } catch let e as SchedulerError {
            guard case let .parse(line, message) = e else { Issue.record("wrong error \(e)"); return }
            #expect(line == 13)
            #expect(message.contains("MaxTotalMinutes"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: SchedulerError.self) {
            try NRPInstance.parse(text: "SECTION_HORIZON\n14\nSECTION_SHIFTS\nD,480,X\nSECTION_STAFF\nA,D=14,1,1,1,1,1,1\n")
        }
        #expect(throws: SchedulerError.self) { try NRPInstance.parse(text: "14\n") }
    }

    @Test func validatorAcceptsTheOptimumAndRecomputes607() throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        let roster = parseRoster(instance1Optimal)
        let r = NRPValidator.validate(instance: ins, roster: roster)
        #expect(r.violations == [])
        #expect(r.objective == 607)
        // The text writer round-trips.
        #expect(RosterTextWriter.write(instance: ins, roster: roster) == instance1Optimal + "\n")
    }

    @Test func validatorCatchesEachBrokenRule() throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        var roster = parseRoster(instance1Optimal)
        roster[0][0] = "D"  // A works on day 0, a day off; also 5 in a row is fine, but weekend count stays 1
        roster[0][5] = "D"; roster[0][6] = "D"  // A: weekend 1 worked too, and 7 in a row
        let r = NRPValidator.validate(instance: ins, roster: roster)
        #expect(r.violations.contains { $0.contains("day off") })
        #expect(r.violations.contains { $0.contains("consecutive shifts >") })
        #expect(r.violations.contains { $0.contains("weekends") })
        #expect(r.violations.contains { $0.contains("minutes > max") })
    }

    @Test func modelScoreEqualsBenchmarkObjective() throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        let problem = ins.toProblem()
        let roster = parseRoster(instance1Optimal)
        var assignments: [Assignment] = []
        for (i, row) in roster.enumerated() {
            for (d, s) in row.enumerated() {
                if let s {
                    assignments.append(Assignment(person: PersonID(ins.staff[i].id), slot: NRPInstance.slotID(day: d, shift: s)))
                }
            }
        }
        let rep = ScheduleValidator.validate(problem: problem, assignments: assignments)
        #expect(rep.violations.isEmpty)
        #expect(rep.softTotal == 607)
    }

    @Test func solverReachesTheOptimumOnInstance1() throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        // The target stops the search at 607 (about 10 s in a debug build on a quiet machine);
        // the time limit is only a guard, wide because CI runs many tests at once on 2 cores.
        // Seeds 3 to 8 reach 607 within the 2 M moves, 1 and 2 end at 608 (before the request-directed swap, 2 or 3
        // of seeds 1–6 reached it); the move budget keeps the run the same on every machine.
        let sol = try Solver.solve(
            ins.toProblem(), options: SolverOptions(seed: 3, timeLimitSeconds: 120, maxIterations: 2_000_000, targetSoft: 607))
        #expect(sol.isValid)
        let rep = NRPValidator.validate(instance: ins, roster: ins.roster(from: sol.assignments))
        #expect(rep.isFeasible)
        #expect(rep.objective == sol.score.soft)
        #expect(rep.objective == 607)
    }

    @Test func jsonRoundTripWithVersion() throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        let p = ins.toProblem()
        let data = try p.encodeJSON()
        let back = try SchedulingProblem.decode(json: data)
        #expect(back == p)
        var v2 = p; v2.version = 99
        #expect(throws: SchedulerError.unsupportedVersion(99)) { try SchedulingProblem.decode(json: try v2.encodeJSON()) }
    }
}

@Suite struct IncrementalScoreTests {
    /// After every few moves, the incremental score equals a full recomputation — with and without the windowed
    /// evaluation used for long horizons.
    @Test(arguments: [0, 1000])
    func incrementalEqualsFull(windowedMinDays: Int) throws {
        let ins = try NRPInstance.parse(text: instance1Text)
        var o = SolverOptions(seed: 3, timeLimitSeconds: 30, maxIterations: 40_000)
        o.tuning = ["verify": 7, "windowedMinDays": Double(windowedMinDays)]
        var engine = Engine(c: try CompiledProblem(ins.toProblem()), options: o)
        #expect((engine.st.windowed != nil) == (windowedMinDays == 0))
        let r = engine.run()
        #expect(r.verifyMismatches == 0)
        #expect(engine.fullScore() == r.score)
    }
}
