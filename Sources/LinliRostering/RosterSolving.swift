import Foundation
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliScheduler
import LinliStorage
import Logging

/// Solves a community's stored week with the scheduler and keeps the result as a draft roster
/// version: as a `roster.solve` job in the worker, or in-process for `linli roster solve`, both
/// through one run record (`roster_solve_runs`) with progress and cancellation. Also re-plans a
/// published week after a volunteer drops out, explains unfilled slots, and publishes.
public struct RosterSolving: Sendable {
    /// The job kind the worker runs solves under.
    public static let jobKind = "roster.solve"

    /// What an interrupted solve (its task cancelled) leaves behind.
    public enum Interruption: Sendable, Hashable {
        /// The run ends as cancelled (the command line was stopped).
        case cancel
        /// The run goes back to queued and the solve rethrows `CancellationError`, so the job
        /// that was given back at shutdown runs it again.
        case requeue
    }

    public let store: Store
    public let loader: WeekProblemLoader
    public let logger: Logger

    public init(store: Store, loader: WeekProblemLoader = WeekProblemLoader(), logger: Logger = Logger(label: "linli.rostering"))
    {
        self.store = store
        self.loader = loader
        self.logger = logger
    }

    struct JobPayload: Codable {
        var run: ID<SolveRun>
        var community: ID<Community>
    }

    // MARK: - Runs

    /// Records a run to be solved in-process (no job): `linli roster solve` calls this, then `solve(run:…)`.
    public static func createRun(
        community: ID<Community>, week: LocalDate, seconds: Double = 30, seed: UInt64 = 1, requestedBy: ID<User>? = nil,
        on tx: Connection
    ) async throws -> SolveRun {
        guard week.isoWeekday == 1 else {
            throw RosteringError(
                code: .invalidValue, zh: "\(week) 不是星期一（一周从星期一开始）", en: "\(week) is not a Monday (weeks start on Monday)")
        }
        guard seconds > 0, seconds <= 3600 else {
            throw RosteringError(
                code: .invalidValue, zh: "求解时限须在 0 到 3600 秒之间", en: "the time limit must be between 0 and 3600 seconds")
        }
        guard seed <= UInt64(Int64.max) else {
            throw RosteringError(code: .invalidValue, zh: "随机种子太大", en: "the seed must be at most \(Int64.max)")
        }
        return try await RosteringQueries.insertRun(
            community: community, week: week, seconds: seconds, seed: seed, requestedBy: requestedBy, on: tx)
    }

    /// Records a run and enqueues its `roster.solve` job in the caller's transaction: both exist
    /// only if it commits. The worker solves it and stores the result as a new draft version.
    public static func enqueueSolve(
        community: ID<Community>, week: LocalDate, seconds: Double = 30, seed: UInt64 = 1, requestedBy: ID<User>? = nil,
        on tx: Connection
    ) async throws -> SolveRun {
        var run = try await createRun(
            community: community, week: week, seconds: seconds, seed: seed, requestedBy: requestedBy, on: tx)
        let job = try NewJob(
            kind: jobKind, payload: JobPayload(run: run.id, community: community), uniqueKey: "\(jobKind):\(run.id)",
            communityID: community, priority: 5, maxAttempts: 3, subject: "solve-run:\(run.id)")
        run.jobID = try await JobQueue.enqueue(job, on: tx)
        try await RosteringQueries.setJob(run: run.id, job: run.jobID, on: tx)
        return run
    }

    /// Asks a run to stop. A queued run (and its job) is cancelled at once; a running one stops
    /// within about half a second and ends as cancelled. A finished run is returned unchanged.
    @discardableResult
    public static func cancel(run id: ID<SolveRun>, on tx: Connection) async throws -> SolveRun {
        if let run = try await RosteringQueries.requestCancel(id, on: tx) {
            if run.state == .cancelled { try await JobQueue.cancelPending(subject: "solve-run:\(id)", on: tx) }
            return run
        }
        guard let run = try await RosteringQueries.run(id, on: tx) else { throw RosteringError.noRun(id) }
        return run
    }

    /// The run with its progress so far (best score and unfilled slots over time).
    public static func progress(run id: ID<SolveRun>, on tx: Connection) async throws -> SolveRun {
        guard let run = try await RosteringQueries.run(id, on: tx) else { throw RosteringError.noRun(id) }
        return run
    }

    /// A community's runs, newest first (of one week when given).
    public static func runs(
        community: ID<Community>, week: LocalDate? = nil, limit: Int = 20, on tx: Connection
    ) async throws -> [SolveRun] {
        try await RosteringQueries.runs(community: community, week: week, limit: limit, on: tx)
    }

    /// Solves a queued run: loads the week, runs the scheduler for the run's time limit (writing
    /// progress at most once a second and polling `cancel_requested` every half second), and
    /// stores the best roster as a new draft version with its score. Returns the finished run
    /// (succeeded, failed with a reason, or cancelled); a run that had already finished is
    /// returned as it is. `onProgress` sees every progress point (for a live display).
    @discardableResult
    public func solve(
        run id: ID<SolveRun>, community: ID<Community>, interruption: Interruption = .cancel,
        onProgress: (@Sendable (SolveProgressPoint) -> Void)? = nil
    ) async throws -> SolveRun {
        let scope = DataScope.community(community)
        let store = self.store, logger = self.logger
        guard let run = try await store.transaction(scope, { tx in try await RosteringQueries.claim(id, on: tx) }) else {
            return try await store.transaction(scope) { tx in try await Self.progress(run: id, on: tx) }
        }
        guard run.state == .running else { return run }
        let flag = StopFlag()
        // Bookkeeping after an interruption must not itself be cancelled: it runs in a task of its own.
        func finish(_ state: SolveRunState, error: String?) async throws {
            try await Task {
                try await store.transaction(scope) { tx in
                    try await RosteringQueries.finish(
                        id, state: state, best: nil, unfilled: nil, result: nil, error: error, on: tx)
                }
            }.value
        }
        do {
            let week = try await store.transaction(scope) { tx in
                try await loader.load(community: community, week: run.week, on: tx)
            }
            for pin in week.droppedPins {
                logger.notice(
                    "a pin is left out of the solve",
                    metadata: [
                        "run": "\(id)", "slot": "\(pin.slotID)", "volunteer": "\(pin.volunteerID)", "reason": "\(pin.reason)",
                    ])
            }
            let solution = try await schedule(
                week, seconds: run.secondsLimit, seed: run.seed, flag: flag,
                pollCancel: {
                    (try? await store.transaction(scope) { tx in try await RosteringQueries.cancelRequested(id, on: tx) })
                        ?? false
                },
                record: { point in
                    // In a task of its own: the last point is written even when the solve was interrupted.
                    let written = await Task {
                        try await store.transaction(scope) { tx in try await RosteringQueries.appendProgress(id, point, on: tx) }
                    }.result
                    if case .failure(let error) = written {
                        logger.warning("cannot record solve progress", metadata: ["run": "\(id)", "error": "\(error)"])
                    }
                }, onProgress: onProgress)
            switch flag.reason {
            case .requested:
                try await finish(.cancelled, error: nil)
            case .interrupted:
                throw CancellationError()
            case .none:
                guard solution.isValid else { throw Self.infeasible(solution) }
                let score = Self.score(week, solution, run: id)
                try await store.transaction(.community(community, user: run.requestedBy)) { tx in
                    let draft = try await Self.writeDraft(
                        week, solution.assignments, score: score, createdBy: run.requestedBy, on: tx)
                    try await RosteringQueries.finish(
                        id, state: .succeeded, best: solution.score, unfilled: score.unfilled, result: draft.id, error: nil,
                        on: tx)
                }
                logger.info(
                    "solved a roster week",
                    metadata: [
                        "run": "\(id)", "week": "\(run.week)", "score": "\(solution.score)", "unfilled": "\(score.unfilled)",
                    ])
            }
        } catch is CancellationError {
            switch interruption {
            case .requeue:
                try await Task { try await store.transaction(scope) { tx in try await RosteringQueries.requeue(id, on: tx) } }
                    .value
                throw CancellationError()
            case .cancel:
                try await finish(.cancelled, error: "求解被中断 / interrupted before it finished")
            }
        } catch let error as StorageError where error.code == .unavailable && interruption == .requeue {
            throw error  // the job is retried and claims the run again
        } catch {
            logger.warning("roster solve failed", metadata: ["run": "\(id)", "error": "\(error)"])
            try await finish(.failed, error: Self.describe(error))
        }
        return try await Task { try await store.transaction(scope) { tx in try await Self.progress(run: id, on: tx) } }.value
    }

    /// The `roster.solve` job handler: solves the run named in the payload. A run that fails for
    /// a reason in the data ends as failed and the job succeeds (retrying would not help); when
    /// the database is unreachable the job fails and is retried.
    public func handler() -> JobHandler {
        { job in
            let payload = try job.payload(as: JobPayload.self)
            try await solve(run: payload.run, community: payload.community, interruption: .requeue)
        }
    }

    /// The job handlers of this module, keyed by kind, for the worker (LinliWorker).
    public var handlers: [String: JobHandler] { [Self.jobKind: handler()] }

    // MARK: - Versions

    /// The versions of a week, oldest first, with their scores.
    public static func versions(
        community: ID<Community>, week: LocalDate, on tx: Connection
    ) async throws -> [RosterVersionSummary] {
        try await RosteringQueries.versionSummaries(community: community, week: week, on: tx)
    }

    /// Version `number` of a week.
    public static func roster(
        community: ID<Community>, week: LocalDate, version number: Int, on tx: Connection
    ) async throws -> Roster {
        guard let id = try await RosteringQueries.rosterVersion(community: community, week: week, version: number, on: tx)
        else { throw RosteringError.noVersion(number, week: week) }
        return try await RosterStore().roster(id, on: tx)
    }

    /// What changed from one version to another, with slot times, services and names.
    public static func changes(from old: ID<Roster>, to new: ID<Roster>, on tx: Connection) async throws -> RosterChanges {
        let rosters = RosterStore()
        let from = try await rosters.roster(old, on: tx), to = try await rosters.roster(new, on: tx)
        let diff = try await rosters.diff(from: old, to: new, on: tx)
        return RosterChanges(
            fromVersion: from.version, toVersion: to.version, added: try await RosteringQueries.describe(diff.added, on: tx),
            removed: try await RosteringQueries.describe(diff.removed, on: tx))
    }

    /// Every slot `roster` leaves below its minimum headcount, with the scheduler's reasons in
    /// Chinese and English, judged against the community's data as it is now.
    public func explain(
        roster id: ID<Roster>, only slots: Set<ID<LinliDomain.Slot>>? = nil, on tx: Connection
    ) async throws -> [UnfilledSlot] {
        let (week, stored) = try await loadVersion(id, on: tx)
        let assignments = WeekProblem.schedulerAssignments(stored)
        let only = slots.map { Set($0.map(WeekProblem.slotID)) }
        let zh = Explainer.explainUnfilled(
            problem: week.problem(in: .zh), assignments: assignments, language: .zh, only: only)
        var en: [SlotID: UnfilledExplanation] = [:]
        for e in Explainer.explainUnfilled(
            problem: week.problem(in: .en), assignments: assignments, language: .en, only: only)
        {
            en[e.slot] = e
        }
        let slots = Dictionary(uniqueKeysWithValues: week.problem.slots.map { ($0.id, $0) })
        let english = week.problem(in: .en)
        return zh.compactMap { e in
            guard let slot = slots[e.slot], let slotID = WeekProblem.slotID(e.slot) else { return nil }
            return UnfilledSlot(
                slotID: slotID, serviceCode: slot.kind.rawValue,
                serviceNameZh: week.problem.kinds.first { $0.id == slot.kind }?.name ?? slot.kind.rawValue,
                serviceNameEn: english.kinds.first { $0.id == slot.kind }?.name ?? slot.kind.rawValue,
                start: week.horizonStart.addingTimeInterval(Double(slot.range.start) * 60),
                end: week.horizonStart.addingTimeInterval(Double(slot.range.end) * 60), missing: e.missing, textZh: e.text,
                textEn: en[e.slot]?.text ?? e.text, couldTake: e.couldTake.map(\.name))
        }
    }

    // MARK: - Re-planning

    /// A volunteer drops out (falls ill…) from `from` until `until` (default: the end of the
    /// week): records the absence, then solves a new draft from the published version with the
    /// scheduler's re-plan (the published roster is the warm start and every change costs
    /// stability), keeping pinned assignments. A published assignment moves only when that fills
    /// a gap of a clearly higher priority (its under-staffing weight exceeds the moved slot's by
    /// more than two changes' stability). Returns the draft and exactly what changed.
    public func replan(
        community: ID<Community>, week: LocalDate, unavailable volunteer: ID<Volunteer>, from: Date, until: Date? = nil,
        reason: AbsenceReason = .ill, note: String? = nil, requestedBy: ID<User>? = nil, seconds: Double = 5,
        seed: UInt64 = 1
    ) async throws -> ReplanResult {
        let scope = DataScope.community(community, user: requestedBy)
        let loaded = try await store.transaction(scope) { tx in
            guard try await RosterStore().published(community: community, week: week, on: tx) != nil else {
                throw RosteringError(
                    code: .noPublishedRoster,
                    zh: "\(week.isoWeekName) 周还没有已发布的排班：请先求解并发布（linli roster solve --publish）",
                    en:
                        "week \(week.isoWeekName) has no published roster: solve and publish one first (linli roster solve --publish)"
                )
            }
            _ = try await VolunteerStore().volunteer(volunteer, on: tx)
            let zone = TimeZone(identifier: try await OrganisationStore().community(community, on: tx).timeZone) ?? .shanghai
            let end = until ?? week.adding(days: 7).startOfDay(in: zone)
            guard end > from else {
                throw RosteringError(code: .invalidValue, zh: "缺勤结束时间须晚于开始时间", en: "the absence must end after it starts")
            }
            try await VolunteerStore().addAbsence(
                LinliDomain.Absence(volunteerID: volunteer, start: from, end: end, reason: reason, note: note),
                communityID: community, on: tx)
            return try await loader.load(community: community, week: week, pins: .published, on: tx)
        }
        guard let published = loaded.published else { throw RosteringError.noVersion(1, week: week) }
        let flag = StopFlag()
        let solution = try await schedule(
            loaded, seconds: seconds, seed: seed, flag: flag, pollCancel: nil, record: nil, onProgress: nil)
        if flag.isSet { throw CancellationError() }
        guard solution.isValid else { throw Self.infeasible(solution) }
        let score = Self.score(loaded, solution, run: nil)
        return try await store.transaction(scope) { tx in
            let draft = try await Self.writeDraft(loaded, solution.assignments, score: score, createdBy: requestedBy, on: tx)
            return ReplanResult(
                draft: draft, published: published, score: score,
                changes: try await Self.changes(from: published.id, to: draft.id, on: tx))
        }
    }

    // MARK: - Internals

    /// Runs the scheduler on its own thread; feeds progress to `onProgress` and, at most once a
    /// second, to `record`; polls `pollCancel` every half second. The flag says why it stopped early.
    func schedule(
        _ week: WeekProblem, seconds: Double, seed: UInt64, flag: StopFlag, pollCancel: (@Sendable () async -> Bool)?,
        record: (@Sendable (SolveProgressPoint) async -> Void)?, onProgress: (@Sendable (SolveProgressPoint) -> Void)?
    ) async throws -> Solution {
        let (stream, continuation) = AsyncStream.makeStream(of: SolveProgressPoint.self, bufferingPolicy: .bufferingNewest(1))
        var settings = SolverOptions(seed: seed, timeLimitSeconds: seconds, progressIntervalSeconds: 0.25)
        settings.progress = { p in
            continuation.yield(
                SolveProgressPoint(elapsedMs: Int((p.elapsedSeconds * 1000).rounded()), score: p.best, unfilled: p.unfilled))
        }
        settings.shouldCancel = { flag.isSet }
        settings.workers = 1
        let options = settings
        let problem = week.problem
        let done = StopFlag()
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Solution?.self) { group in
                group.addTask {
                    defer { continuation.finish() }
                    return try await SolverThread.solve(problem, options: options)
                }
                group.addTask {
                    let clock = ContinuousClock()
                    var last: ContinuousClock.Instant?
                    var pending: SolveProgressPoint?
                    for await point in stream {
                        onProgress?(point)
                        guard let record else { continue }
                        if let last, last.duration(to: clock.now) < .seconds(1) {
                            pending = point
                            continue
                        }
                        await record(point)
                        last = clock.now
                        pending = nil
                    }
                    if let record, let pending { await record(pending) }
                    return nil
                }
                if let pollCancel {
                    group.addTask {
                        while !flag.isSet && !done.isSet {
                            for _ in 0..<5 where !done.isSet { try await Task.sleep(for: .milliseconds(100)) }
                            if !done.isSet, await pollCancel() { flag.stop(.requested) }
                        }
                        return nil
                    }
                }
                var solution: Solution?
                while let result = try await group.next() {
                    if let result {
                        solution = result
                        done.stop(.requested)
                    }
                }
                guard let solution else { throw CancellationError() }
                return solution
            }
        } onCancel: {
            flag.stop(.interrupted)
        }
    }

    static func score(_ week: WeekProblem, _ solution: Solution, run: ID<SolveRun>?) -> RosterScore {
        let report = ScheduleValidator.validate(problem: week.problem, assignments: solution.assignments)
        let unfilled = week.unfilled(solution.assignments)
        return RosterScore(
            hard: solution.score.hard, soft: solution.score.soft, valid: solution.isValid && report.isValid,
            unfilled: unfilled.slots, missing: unfilled.people, breakdown: report.softBreakdown,
            seconds: solution.stats.seconds, firstValidSeconds: solution.stats.secondsToFirstFeasible,
            seed: solution.stats.seed, iterations: solution.stats.iterations, run: run)
    }

    /// Stores `assignments` as a new draft version: pinned ones keep their pin and reason,
    /// assignments of slots that had started are copied unchanged, the published roster's
    /// assignments on slots made since the week was loaded are carried over, the score goes with it.
    static func writeDraft(
        _ week: WeekProblem, _ assignments: [LinliScheduler.Assignment], score: RosterScore, createdBy: ID<User>?,
        on tx: Connection
    ) async throws -> Roster {
        let draft = try await RosterStore().createDraft(
            community: week.communityID, week: week.week, copyingPublished: false, createdBy: createdBy, on: tx)
        let store = AssignmentStore()
        let pinned = Set(week.problem.pinned)
        for a in assignments {
            guard let slot = WeekProblem.slotID(a.slot), let volunteer = WeekProblem.volunteerID(a.person),
                !week.frozenSlots.contains(slot)
            else { continue }
            try await store.assign(
                LinliDomain.Assignment(
                    rosterID: draft.id, slotID: slot, volunteerID: volunteer, isPinned: pinned.contains(a),
                    reason: pinned.contains(a) ? week.pinReasons[a] : nil), createdBy: createdBy, on: tx)
        }
        for a in week.frozenAssignments {
            try await store.assign(
                LinliDomain.Assignment(
                    rosterID: draft.id, slotID: a.slotID, volunteerID: a.volunteerID, isPinned: a.isPinned, reason: a.reason),
                createdBy: createdBy, on: tx)
        }
        // Desk visits confirmed into the published roster after the week was loaded (while
        // the solve ran) are on slots the week never saw: keep them.
        if let published = try await RosterStore().published(community: week.communityID, week: week.week, on: tx) {
            let known = week.problem.slots.compactMap { WeekProblem.slotID($0.id) } + week.frozenSlots
            try await store.carryOver(.allExcept(known), from: published.id, into: draft.id, createdBy: createdBy, on: tx)
        }
        try await RosteringQueries.setScore(
            roster: draft.id, score: score, basedOn: week.published?.id ?? week.base?.id, on: tx)
        return draft
    }

    static func infeasible(_ solution: Solution) -> RosteringError {
        let rules = solution.violations.prefix(5).joined(separator: "; ")
        return RosteringError(
            code: .infeasible, zh: "找到的最佳排班仍违反硬性规则（多为相互冲突的固定安排，请取消固定或修改后重试）：\(rules)",
            en: "the best roster found still breaks hard rules (usually conflicting pins: unpin or fix them and retry): \(rules)")
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let e as RosteringError: return e.message
        case let e as StorageError: return e.message
        case let e as SchedulerError:
            return "排班问题无效 / the week cannot be scheduled as stored: \(e.description)"
        default: return String(describing: error)
        }
    }
}
