import Foundation
import LinliScheduler
import Synchronization

/// Why a solve stopped before its time limit.
enum StopReason: Int, Sendable {
    case none = 0
    /// Someone set `cancel_requested` on the run.
    case requested = 1
    /// The task running the solve was cancelled (Ctrl-C, worker shutdown).
    case interrupted = 2
}

/// Shared between the async side and the solver's thread: the first stop reason wins.
final class StopFlag: Sendable {
    private let state = Atomic<Int>(0)
    func stop(_ reason: StopReason) {
        _ = state.compareExchange(expected: 0, desired: reason.rawValue, ordering: .relaxed)
    }
    var reason: StopReason { StopReason(rawValue: state.load(ordering: .relaxed)) ?? .none }
    var isSet: Bool { state.load(ordering: .relaxed) != 0 }
}

enum SolverThread {
    /// Runs the scheduler on a thread of its own: `Solver.solve` is synchronous CPU work for up
    /// to its time limit, and on a two-core machine it must not hold one of the few threads of
    /// Swift's cooperative pool (the job runner's heartbeats and the progress writes run there).
    static func solve(_ problem: SchedulingProblem, options: SolverOptions) async throws -> Solution {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try Solver.solve(problem, options: options) })
            }
            thread.name = "linli-solver"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
