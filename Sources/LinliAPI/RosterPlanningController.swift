import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliRostering
import LinliScheduler
import LinliStorage

/// The coordinator's work on a week's roster over `/api/v1/communities/{code}/rosters`: start a
/// solve (the worker runs it) and follow its progress or cancel it, read why slots stay
/// unfilled, rank replacements for one slot, assign / unassign / pin by hand on a draft, and
/// re-plan a published week after a volunteer drops out. The scheduler judges every hand-made
/// assignment, so one that breaks a hard rule is a 409 with the reasons.
struct RosterPlanningController: Sendable {
    let store: Store
    let maxBodyBytes: Int

    static let noRun = LocalizedText("没有这个求解任务", "There is no such solve run")
    static let noAssignment = LocalizedText("没有这个排班安排", "There is no such assignment")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("rosters/solve") { request, context in try await solve(request, context) }
        group.get("rosters/runs") { request, context in try await runs(request, context) }
        group.get("rosters/runs/{id}") { request, context in try await run(request, context) }
        group.post("rosters/runs/{id}/cancel") { request, context in try await run(request, context, cancel: true) }
        group.get("rosters/{id}/unfilled") { request, context in try await unfilled(request, context) }
        group.get("rosters/{id}/suggestions") { request, context in try await suggestions(request, context) }
        group.post("rosters/{id}/assignments") { request, context in try await assign(request, context) }
        group.delete("rosters/{id}/assignments/{assignment}") { request, context in try await unassign(request, context) }
        group.post("rosters/{id}/assignments/{assignment}/pin") { request, context in
            try await pin(request, context, pinned: true)
        }
        group.post("rosters/{id}/assignments/{assignment}/unpin") { request, context in
            try await pin(request, context, pinned: false)
        }
        group.post("rosters/replan") { request, context in try await replan(request, context) }
    }

    // MARK: Bodies

    /// `POST rosters/solve`: the week, and optionally the time limit and seed.
    struct SolveRequest: KnownFields {
        let week: String
        let seconds: Double?
        let seed: Int?
        static var fieldNames: Set<String> { ["week", "seconds", "seed"] }
    }

    /// A solve run with its progress, as the board polls it.
    struct RunBody: Encodable {
        let run: SolveRun
        let community: Community

        enum CodingKeys: String, CodingKey {
            case id, week, state, seed, progress, unfilled, error
            case secondsLimit = "seconds_limit"
            case cancelRequested = "cancel_requested"
            case bestScore = "best_score"
            case resultRosterID = "result_roster_id"
            case createdAt = "created_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }

        struct Point: Encodable {
            let elapsedMs: Int
            let hard: Int
            let soft: Int
            let unfilled: Int
            enum CodingKeys: String, CodingKey {
                case hard, soft, unfilled
                case elapsedMs = "elapsed_ms"
            }
        }

        struct ScoreBody: Encodable {
            let hard: Int
            let soft: Int
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(run.id.description, forKey: .id)
            try c.encode(run.week.isoWeekName, forKey: .week)
            try c.encode(run.state, forKey: .state)
            try c.encode(run.secondsLimit, forKey: .secondsLimit)
            try c.encode(Int(clamping: run.seed), forKey: .seed)
            try c.encode(run.cancelRequested, forKey: .cancelRequested)
            try c.encode(
                run.progress.map {
                    Point(elapsedMs: $0.elapsedMs, hard: $0.score.hard, soft: $0.score.soft, unfilled: $0.unfilled)
                }, forKey: .progress)
            try c.encode(run.bestScore.map { ScoreBody(hard: $0.hard, soft: $0.soft) }, forKey: .bestScore)
            try c.encode(run.unfilled, forKey: .unfilled)
            try c.encode(run.resultRosterID?.description, forKey: .resultRosterID)
            try c.encode(run.error, forKey: .error)
            try c.encode(APITime.format(run.createdAt, in: community), forKey: .createdAt)
            try c.encode(run.startedAt.map { APITime.format($0, in: community) }, forKey: .startedAt)
            try c.encode(run.finishedAt.map { APITime.format($0, in: community) }, forKey: .finishedAt)
        }
    }

    /// A slot left below its minimum, with the scheduler's reasons in both languages.
    struct UnfilledBody: Encodable {
        let slot: UnfilledSlot
        let community: Community

        enum CodingKeys: String, CodingKey {
            case missing
            case slotID = "slot_id"
            case serviceCode = "service_code"
            case serviceNameZh = "service_name_zh"
            case serviceNameEn = "service_name_en"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case reasonZh = "reason_zh"
            case reasonEn = "reason_en"
            case couldTake = "could_take"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(slot.slotID.description, forKey: .slotID)
            try c.encode(slot.serviceCode, forKey: .serviceCode)
            try c.encode(slot.serviceNameZh, forKey: .serviceNameZh)
            try c.encode(slot.serviceNameEn, forKey: .serviceNameEn)
            try c.encode(APITime.format(slot.start, in: community), forKey: .startsAt)
            try c.encode(APITime.format(slot.end, in: community), forKey: .endsAt)
            try c.encode(slot.missing, forKey: .missing)
            try c.encode(slot.textZh, forKey: .reasonZh)
            try c.encode(slot.textEn, forKey: .reasonEn)
            try c.encode(slot.couldTake, forKey: .couldTake)
        }
    }

    /// One ranked candidate for a slot.
    struct SuggestionBody: Encodable {
        let volunteerID: String
        let name: String
        let allowed: Bool
        let softDelta: Int
        let wouldBreak: [String]
        enum CodingKeys: String, CodingKey {
            case name, allowed
            case volunteerID = "volunteer_id"
            case softDelta = "soft_delta"
            case wouldBreak = "would_break"
        }
    }

    /// `POST rosters/{id}/assignments`: who on which slot, pinned when a reason is given.
    struct AssignRequest: KnownFields {
        let slotID: String
        let volunteerID: String
        let pinReason: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case slotID = "slot_id"
            case volunteerID = "volunteer_id"
            case pinReason = "pin_reason"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// `POST …/pin`: why the scheduler must keep it.
    struct PinRequest: KnownFields {
        let reason: String
        static var fieldNames: Set<String> { ["reason"] }
    }

    /// `POST rosters/replan`: who dropped out of which week, from when.
    struct ReplanRequest: KnownFields {
        let week: String
        let volunteerID: String
        let from: String
        let until: String?
        let reason: String?
        let note: String?
        let seconds: Double?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case week, from, until, reason, note, seconds
            case volunteerID = "volunteer_id"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The version a change made.
    struct DraftBody: Encodable {
        let id: String
        let week: String
        let version: Int
        let state: RosterState
    }

    /// A re-plan's new draft and what it changes against the published version.
    struct ReplanBody: Encodable {
        let draft: DraftBody
        let publishedVersion: Int
        let score: RostersController.Score
        let added: [RostersController.Change]
        let removed: [RostersController.Change]
        enum CodingKeys: String, CodingKey {
            case draft, score, added, removed
            case publishedVersion = "published_version"
        }
    }

    // MARK: Handlers

    func solve(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(SolveRequest.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let week = validation.week("week", body.week)
        if let seconds = body.seconds, !(seconds >= 1 && seconds <= 600) {
            validation.fail("seconds", "out_of_range", "须在 1 到 600 秒之间", "must be between 1 and 600 seconds")
        }
        if let seed = body.seed { validation.range("seed", seed, 0...Int(Int32.max)) }
        try validation.check()
        guard let week else { throw Problem.internalError }
        let run = try await store.transaction(context.scope()) { tx in
            try await RosterSolving.enqueueSolve(
                community: community.id, week: week, seconds: body.seconds ?? 30, seed: UInt64(body.seed ?? 1),
                requestedBy: context.userID, on: tx)
        }
        var headers = HTTPFields()
        headers[.location] = "/api/v1/communities/\(community.code)/rosters/runs/\(run.id)"
        return try jsonResponse(RunBody(run: run, community: community), status: .accepted, headers: headers)
    }

    func runs(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let week = request.uri.queryParameters["week"] == nil ? nil : try WeekQuery.monday(request)
        let runs = try await store.transaction(context.scope()) { tx in
            try await RosterSolving.runs(community: community.id, week: week, on: tx)
        }
        return try jsonResponse(Items(items: runs.map { RunBody(run: $0, community: community) }))
    }

    /// One run as it is, or after asking it to stop.
    func run(_ request: Request, _ context: APIRequestContext, cancel: Bool = false) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, SolveRun.self, what: Self.noRun)
        let run = try await store.transaction(context.scope()) { tx in
            cancel ? try await RosterSolving.cancel(run: id, on: tx) : try await RosterSolving.progress(run: id, on: tx)
        }
        return try jsonResponse(RunBody(run: run, community: community))
    }

    func unfilled(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Roster.self, what: RostersController.notFound)
        let slots = try await store.transaction(context.scope()) { tx in
            try await RosterSolving(store: store).explain(roster: id, on: tx)
        }
        return try jsonResponse(Items(items: slots.map { UnfilledBody(slot: $0, community: community) }))
    }

    func suggestions(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Roster.self, what: RostersController.notFound)
        let query = request.uri.queryParameters
        var validation = Validation()
        let slot = query["slot"].flatMap { ID<LinliDomain.Slot>(uuidString: String($0)) }
        if slot == nil { validation.fail("slot", "invalid_value", "须为班次编号（UUID）", "must be a slot id (UUID)") }
        var limit = 10
        if let raw = query["limit"] {
            if let n = Int(raw), (1...50).contains(n) {
                limit = n
            } else {
                validation.fail("limit", "out_of_range", "须在 1 到 50 之间", "must be between 1 and 50")
            }
        }
        try validation.checkParameters()
        guard let slot else { throw Problem.internalError }
        let ranked = try await store.transaction(context.scope()) { tx in
            try await RosterSolving(store: store).suggest(roster: id, slot: slot, limit: limit, on: tx)
        }
        return try jsonResponse(
            Items(
                items: ranked.map {
                    SuggestionBody(
                        volunteerID: $0.volunteerID.description, name: $0.name, allowed: $0.allowed, softDelta: $0.softDelta,
                        wouldBreak: $0.wouldBreak)
                }))
    }

    func assign(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Roster.self, what: RostersController.notFound)
        let body = try await JSONBody.read(AssignRequest.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let slot = ID<LinliDomain.Slot>(uuidString: body.slotID)
        if slot == nil { validation.fail("slot_id", "invalid_value", "须为班次编号（UUID）", "must be a slot id (UUID)") }
        let volunteer = ID<Volunteer>(uuidString: body.volunteerID)
        if volunteer == nil {
            validation.fail("volunteer_id", "invalid_value", "须为志愿者编号（UUID）", "must be a volunteer id (UUID)")
        }
        if let reason = body.pinReason { validation.text("pin_reason", reason, max: 200) }
        try validation.check()
        guard let slot, let volunteer else { throw Problem.internalError }
        let assignment = try await store.transaction(context.scope()) { tx in
            try await RosterSolving(store: store).assign(
                roster: id, slot: slot, volunteer: volunteer, pinReason: body.pinReason, by: context.userID, on: tx)
        }
        var headers = HTTPFields()
        headers[.location] = "/api/v1/communities/\(community.code)/rosters/\(id)/assignments/\(assignment.id)"
        return try jsonResponse(RostersController.AssignmentBody(assignment: assignment), status: .created, headers: headers)
    }

    func unassign(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Roster.self, what: RostersController.notFound)
        let assignment = try request.pathID(
            context, LinliDomain.Assignment.self, parameter: "assignment", what: Self.noAssignment)
        try await store.transaction(context.scope()) { tx in
            try await RosterSolving(store: store).unassign(assignment, roster: id, on: tx)
        }
        return Response(status: .noContent)
    }

    func pin(_ request: Request, _ context: APIRequestContext, pinned: Bool) async throws -> Response {
        let id = try request.pathID(context, Roster.self, what: RostersController.notFound)
        let assignment = try request.pathID(
            context, LinliDomain.Assignment.self, parameter: "assignment", what: Self.noAssignment)
        var reason: String?
        if pinned {
            let body = try await JSONBody.read(PinRequest.self, from: request, maxBytes: maxBodyBytes)
            var validation = Validation()
            validation.name("reason", body.reason, max: 200)
            try validation.check()
            reason = body.reason
        }
        let changed = try await store.transaction(context.scope()) { tx in
            try await RosterSolving(store: store).setPinned(assignment, roster: id, reason: reason, on: tx)
        }
        return try jsonResponse(RostersController.AssignmentBody(assignment: changed))
    }

    func replan(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(ReplanRequest.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let week = validation.week("week", body.week)
        let volunteer = ID<Volunteer>(uuidString: body.volunteerID)
        if volunteer == nil {
            validation.fail("volunteer_id", "invalid_value", "须为志愿者编号（UUID）", "must be a volunteer id (UUID)")
        }
        let from = validation.time("from", body.from)
        let until = body.until.flatMap { validation.time("until", $0) }
        if let from, let until, until <= from {
            validation.fail("until", "before_start", "须晚于开始时间", "must be after from")
        }
        var reason = AbsenceReason.ill
        if let raw = body.reason {
            if let r = AbsenceReason(rawValue: raw) {
                reason = r
            } else {
                let known = AbsenceReason.allCases.map(\.rawValue).joined(separator: ", ")
                validation.fail("reason", "invalid_value", "须为以下之一：\(known)", "must be one of: \(known)")
            }
        }
        validation.text("note", body.note, max: 200)
        if let seconds = body.seconds, !(seconds >= 1 && seconds <= 60) {
            validation.fail("seconds", "out_of_range", "须在 1 到 60 秒之间", "must be between 1 and 60 seconds")
        }
        try validation.check()
        guard let week, let volunteer, let from else { throw Problem.internalError }
        let result = try await RosterSolving(store: store).replan(
            community: community.id, week: week, unavailable: volunteer, from: from, until: until, reason: reason,
            note: body.note, requestedBy: context.userID, seconds: body.seconds ?? 5)
        let draft = result.draft
        var headers = HTTPFields()
        headers[.location] = "/api/v1/communities/\(community.code)/rosters/\(draft.id)/assignments"
        return try jsonResponse(
            ReplanBody(
                draft: DraftBody(
                    id: draft.id.description, week: draft.weekStart.isoWeekName, version: draft.version, state: draft.state),
                publishedVersion: result.published.version, score: RostersController.Score(result.score),
                added: result.changes.added.map { RostersController.Change(change: $0, community: community) },
                removed: result.changes.removed.map { RostersController.Change(change: $0, community: community) }),
            status: .created, headers: headers)
    }
}

extension Validation {
    /// A week given as an ISO week ("2026-W48") or a date in it; its Monday.
    mutating func week(_ field: String, _ text: String) -> LocalDate? {
        guard let week = LocalDate(isoWeek: text) else {
            fail(
                field, "invalid_value", "须为 ISO 周（2026-W48）或日期（2026-11-23）",
                "must be an ISO week (2026-W48) or a date (2026-11-23)")
            return nil
        }
        return week
    }
}

extension APIRequestContext {
    /// The signed-in user's id, for the audit log and `requested_by`.
    var userID: ID<User>? { user?.user.id }
}
