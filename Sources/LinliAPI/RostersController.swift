import Foundation
import HTTPTypes
import Hummingbird
import LinliDomain
import LinliReminders
import LinliRostering
import LinliStorage

/// `/api/v1/communities/{code}/rosters`: a week's roster versions with their state and score, a
/// version's assignments, what changed between two versions, and publishing a draft (through
/// `ReminderPlanner`, which queues the reminders in the same transaction).
struct RostersController: Sendable {
    let store: Store

    static let notFound = LocalizedText("没有这个排班版本", "There is no such roster version")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("rosters") { request, context in try await list(request, context) }
        group.get("rosters/diff") { request, context in try await diff(request, context) }
        group.get("rosters/{id}/assignments") { request, context in try await assignments(request, context) }
        group.post("rosters/{id}/publish") { request, context in try await publish(request, context) }
    }

    /// One version of a week, as listed.
    struct Version: Encodable {
        let summary: RosterVersionSummary
        let community: Community

        enum CodingKeys: String, CodingKey {
            case id, version, state, score, assignments, pinned
            case createdAt = "created_at"
            case publishedAt = "published_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(summary.id.description, forKey: .id)
            try c.encode(summary.version, forKey: .version)
            try c.encode(summary.state, forKey: .state)
            try c.encode(summary.score.map(Score.init), forKey: .score)
            try c.encode(summary.assignments, forKey: .assignments)
            try c.encode(summary.pinned, forKey: .pinned)
            try c.encode(APITime.format(summary.createdAt, in: community), forKey: .createdAt)
            try c.encode(summary.publishedAt.map { APITime.format($0, in: community) }, forKey: .publishedAt)
        }
    }

    /// The scheduler's judgement of a version: hard-rule breaks (0 to publish), soft penalty,
    /// slots below their minimum.
    struct Score: Encodable {
        let hard: Int
        let soft: Int
        let valid: Bool
        let unfilled: Int
        let missing: Int

        init(_ score: RosterScore) {
            hard = score.hard
            soft = score.soft
            valid = score.valid
            unfilled = score.unfilled
            missing = score.missing
        }
    }

    /// A week's versions.
    struct WeekBody: Encodable {
        let week: String
        let items: [Version]
    }

    /// An assignment of a version.
    struct AssignmentBody: Encodable {
        let assignment: Assignment

        enum CodingKeys: String, CodingKey {
            case id, reason
            case slotID = "slot_id"
            case volunteerID = "volunteer_id"
            case isPinned = "is_pinned"
            case isLive = "is_live"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(assignment.id.description, forKey: .id)
            try c.encode(assignment.slotID.description, forKey: .slotID)
            try c.encode(assignment.volunteerID.description, forKey: .volunteerID)
            try c.encode(assignment.isPinned, forKey: .isPinned)
            try c.encode(assignment.isLive, forKey: .isLive)
            try c.encode(assignment.reason, forKey: .reason)
        }
    }

    /// One assignment added or removed between two versions.
    struct Change: Encodable {
        let change: RosterChange
        let community: Community

        enum CodingKeys: String, CodingKey {
            case slotID = "slot_id"
            case volunteerID = "volunteer_id"
            case volunteerName = "volunteer_name"
            case serviceCode = "service_code"
            case serviceNameZh = "service_name_zh"
            case serviceNameEn = "service_name_en"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(change.slotID.description, forKey: .slotID)
            try c.encode(change.volunteerID.description, forKey: .volunteerID)
            try c.encode(change.volunteerName, forKey: .volunteerName)
            try c.encode(change.serviceCode, forKey: .serviceCode)
            try c.encode(change.serviceNameZh, forKey: .serviceNameZh)
            try c.encode(change.serviceNameEn, forKey: .serviceNameEn)
            try c.encode(APITime.format(change.start, in: community), forKey: .startsAt)
            try c.encode(APITime.format(change.end, in: community), forKey: .endsAt)
        }
    }

    /// What changed from one version to another.
    struct DiffBody: Encodable {
        let fromVersion: Int
        let toVersion: Int
        let added: [Change]
        let removed: [Change]

        enum CodingKeys: String, CodingKey {
            case added, removed
            case fromVersion = "from_version"
            case toVersion = "to_version"
        }
    }

    /// The answer to a publish: the version now published and what it queued.
    struct Published: Encodable {
        let id: String
        let week: String
        let version: Int
        let state: RosterState
        let publishedAt: String?
        let remindersQueued: Int
        let noticesQueued: Int

        enum CodingKeys: String, CodingKey {
            case id, week, version, state
            case publishedAt = "published_at"
            case remindersQueued = "reminders_queued"
            case noticesQueued = "notices_queued"
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let week = try WeekQuery.monday(request)
        let versions = try await store.transaction(context.scope()) { tx in
            try await RosterSolving.versions(community: community.id, week: week, on: tx)
        }
        return try jsonResponse(
            WeekBody(week: week.isoWeekName, items: versions.map { Version(summary: $0, community: community) }))
    }

    func assignments(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try request.pathID(context, Roster.self, what: Self.notFound)
        var validation = Validation()
        let page = PageQuery(request, validation: &validation)
        try validation.checkParameters()
        // The cursor's name is the last row's slot, so the next page follows it even if that
        // assignment is removed meanwhile.
        let after = try page.after.map { key in
            guard let slot = ID<Slot>(uuidString: key.name) else {
                throw Problem.badRequest(
                    "invalid_cursor", field: "cursor", .init("翻页标记无效", "is not a cursor this API gave out"))
            }
            return (slot: slot, id: ID<Assignment>(key.id))
        }
        let rows = try await store.transaction(context.scope()) { tx in
            _ = try await RosterStore().roster(id, on: tx)
            return try await AssignmentStore().page(roster: id, after: after, limit: page.limit + 1, on: tx)
        }
        return try jsonResponse(
            Page(
                rows: rows, limit: page.limit, key: { ($0.slotID.description, $0.id.rawValue) }, item: AssignmentBody.init))
    }

    func diff(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let query = request.uri.queryParameters
        var validation = Validation()
        var ids: [ID<Roster>] = []
        for name in ["from", "to"] {
            if let id = query[Substring(name)].flatMap({ ID<Roster>(uuidString: String($0)) }) {
                ids.append(id)
            } else {
                validation.fail(name, "invalid_value", "须为排班版本编号（UUID）", "must be a roster version id (UUID)")
            }
        }
        try validation.checkParameters()
        let changes = try await store.transaction(context.scope()) { tx in
            try await RosterSolving.changes(from: ids[0], to: ids[1], on: tx)
        }
        return try jsonResponse(
            DiffBody(
                fromVersion: changes.fromVersion, toVersion: changes.toVersion,
                added: changes.added.map { Change(change: $0, community: community) },
                removed: changes.removed.map { Change(change: $0, community: community) }))
    }

    func publish(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Roster.self, what: Self.notFound)
        let (roster, summary) = try await store.transaction(context.scope()) { tx in
            let roster = try await RosterStore().roster(id, on: tx)
            guard roster.state == .draft else {
                throw Problem(
                    .conflict, code: "not_a_draft",
                    detail: .init(
                        "第 \(roster.version) 版已是“\(roster.state.rawValue)”状态，只能发布草稿",
                        "Version \(roster.version) is \(roster.state.rawValue); only a draft can be published"))
            }
            return try await ReminderPlanner().publish(id, on: tx)
        }
        return try jsonResponse(
            Published(
                id: roster.id.description, week: roster.weekStart.isoWeekName, version: roster.version, state: roster.state,
                publishedAt: roster.publishedAt.map { APITime.format($0, in: community) },
                remindersQueued: summary.reminders, noticesQueued: summary.changeNotices + summary.cancellationNotices))
    }
}
