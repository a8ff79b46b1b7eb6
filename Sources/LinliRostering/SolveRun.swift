import Foundation
import LinliDomain
import LinliScheduler

/// Where a solve run is in its life.
public enum SolveRunState: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// The run will not change any more.
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// One point of a run's progress: the best roster's score and unfilled slots so far.
public struct SolveProgressPoint: Sendable, Codable, Hashable {
    public var elapsedMs: Int
    public var score: Score
    /// Slots below their minimum headcount in the best roster so far.
    public var unfilled: Int
    public init(elapsedMs: Int, score: Score, unfilled: Int) {
        self.elapsedMs = elapsedMs
        self.score = score
        self.unfilled = unfilled
    }
}

/// A request to solve one community's week, its progress and its outcome (`roster_solve_runs`),
/// shared by the worker's `roster.solve` job and `linli roster solve`.
public struct SolveRun: Sendable, Codable, Hashable {
    public var id: ID<SolveRun>
    public var communityID: ID<Community>
    public var week: LocalDate
    public var requestedBy: ID<User>?
    /// The `roster.solve` job, when the worker runs it.
    public var jobID: Int64?
    public var state: SolveRunState
    public var secondsLimit: Double
    public var seed: UInt64
    public var cancelRequested: Bool
    /// Best score over time, oldest first, written at most about once a second.
    public var progress: [SolveProgressPoint]
    public var bestScore: Score?
    public var unfilled: Int?
    /// The draft roster the run stored (when it succeeded).
    public var resultRosterID: ID<Roster>?
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
}

/// The score stored with a solved roster version (`rosters.score`).
public struct RosterScore: Sendable, Codable, Hashable {
    public var hard: Int
    public var soft: Int
    /// The independent validator found no broken hard rule.
    public var valid: Bool
    /// Slots below their minimum headcount.
    public var unfilled: Int
    /// People missing over all unfilled slots.
    public var missing: Int
    /// Soft penalty per rule (`cover.under`, `fairness`, `continuity`, `stability` …).
    public var breakdown: [String: Int]
    public var seconds: Double
    /// When the search first held a roster breaking no hard rule.
    public var firstValidSeconds: Double?
    public var seed: UInt64
    public var iterations: Int
    /// The run that produced it, when there was one (re-plans run without).
    public var run: ID<SolveRun>?

    public init(
        hard: Int, soft: Int, valid: Bool, unfilled: Int, missing: Int, breakdown: [String: Int], seconds: Double,
        firstValidSeconds: Double?, seed: UInt64, iterations: Int, run: ID<SolveRun>?
    ) {
        self.hard = hard
        self.soft = soft
        self.valid = valid
        self.unfilled = unfilled
        self.missing = missing
        self.breakdown = breakdown
        self.seconds = seconds
        self.firstValidSeconds = firstValidSeconds
        self.seed = seed
        self.iterations = iterations
        self.run = run
    }
}

/// One version of a week's roster as `linli roster list` shows it.
public struct RosterVersionSummary: Sendable, Codable, Hashable {
    public var id: ID<Roster>
    public var version: Int
    public var state: RosterState
    public var score: RosterScore?
    public var assignments: Int
    public var pinned: Int
    public var createdAt: Date
    public var publishedAt: Date?
}

/// One assignment added or removed between two versions, with what a coordinator needs to read it.
public struct RosterChange: Sendable, Codable, Hashable {
    public var slotID: ID<LinliDomain.Slot>
    public var volunteerID: ID<Volunteer>
    public var volunteerName: String
    public var serviceCode: String
    public var serviceNameZh: String
    public var serviceNameEn: String
    public var start: Date
    public var end: Date
}

/// What changed from one version to another, by slot start time.
public struct RosterChanges: Sendable, Codable, Hashable {
    public var fromVersion: Int
    public var toVersion: Int
    public var added: [RosterChange]
    public var removed: [RosterChange]
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
}

/// A slot a roster leaves below its minimum headcount, with the scheduler's reasons in both languages.
public struct UnfilledSlot: Sendable, Codable, Hashable {
    public var slotID: ID<LinliDomain.Slot>
    public var serviceCode: String
    public var serviceNameZh: String
    public var serviceNameEn: String
    public var start: Date
    public var end: Date
    public var missing: Int
    public var textZh: String
    public var textEn: String
    /// Volunteers who could legally take it (the roster judged it better without them).
    public var couldTake: [String]
}

/// A re-plan's outcome: the new draft and exactly what it changes against the published version.
public struct ReplanResult: Sendable, Codable, Hashable {
    public var draft: Roster
    public var published: Roster
    public var score: RosterScore
    public var changes: RosterChanges
}
