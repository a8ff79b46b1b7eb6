import Foundation
import HTTPTypes
import Hummingbird
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliStorage

/// `/api/v1/communities/{code}/slots`: a week's slots, one slot with its ETag, moving or
/// resizing it under If-Match, and cancelling it with a reason. Moves and cancellations go
/// through `ReminderPlanner` in the same transaction, so reminders follow the change.
struct SlotsController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    let slots = SlotStore()
    let planner = ReminderPlanner()

    static let notFound = LocalizedText("没有这个班次", "There is no such slot")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("slots") { request, context in try await list(request, context) }
        group.post("slots") { request, context in try await create(request, context) }
        group.get("slots/{id}") { request, context in try await read(request, context) }
        group.patch("slots/{id}") { request, context in try await update(request, context) }
        group.post("slots/{id}/cancel") { request, context in try await cancel(request, context) }
    }

    /// A slot as the API shows it, times with the community's offset.
    struct Body: Encodable {
        let slot: Slot
        let community: Community

        enum CodingKeys: String, CodingKey {
            case id, status, note, version
            case serviceTypeID = "service_type_id"
            case placeID = "place_id"
            case teamID = "team_id"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case headcountMin = "headcount_min"
            case headcountMax = "headcount_max"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(slot.id.description, forKey: .id)
            try c.encode(slot.serviceTypeID.description, forKey: .serviceTypeID)
            try c.encode(slot.placeID?.description, forKey: .placeID)
            try c.encode(slot.teamID?.description, forKey: .teamID)
            try c.encode(APITime.format(slot.start, in: community), forKey: .startsAt)
            try c.encode(APITime.format(slot.end, in: community), forKey: .endsAt)
            try c.encode(slot.headcountMin, forKey: .headcountMin)
            try c.encode(slot.headcountMax, forKey: .headcountMax)
            try c.encode(slot.status, forKey: .status)
            try c.encode(slot.note, forKey: .note)
            try c.encode(slot.version, forKey: .version)
        }
    }

    /// A week's slots.
    struct WeekBody: Encodable {
        let week: String
        let items: [Body]
    }

    /// The body of PATCH: a JSON merge patch of the slot's time, headcount and note.
    struct Patch: KnownFields {
        let startsAt: PatchField<String>
        let endsAt: PatchField<String>
        let headcountMin: PatchField<Int>
        let headcountMax: PatchField<Int>
        let note: PatchField<String>

        enum CodingKeys: String, CodingKey, CaseIterable {
            case note
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case headcountMin = "headcount_min"
            case headcountMax = "headcount_max"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            startsAt = try c.patchField(.startsAt)
            endsAt = try c.patchField(.endsAt)
            headcountMin = try c.patchField(.headcountMin)
            headcountMax = try c.patchField(.headcountMax)
            note = try c.patchField(.note)
        }
    }

    /// The body of `POST slots`: a one-off slot (not from a template).
    struct Create: KnownFields {
        let serviceTypeID: String
        let startsAt: String
        let endsAt: String
        let headcountMin: Int
        let headcountMax: Int
        let placeID: String?
        let teamID: String?
        let note: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case note
            case serviceTypeID = "service_type_id"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case headcountMin = "headcount_min"
            case headcountMax = "headcount_max"
            case placeID = "place_id"
            case teamID = "team_id"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
    }

    /// The body of a cancellation (of a slot or a booking): why.
    struct Cancel: KnownFields {
        let reason: String
        static var fieldNames: Set<String> { ["reason"] }

        /// Reads and checks the body: a reason of 1–200 characters.
        static func read(_ request: Request, maxBytes: Int) async throws -> String {
            let body = try await JSONBody.read(Cancel.self, from: request, maxBytes: maxBytes)
            var validation = Validation()
            validation.name("reason", body.reason, max: 200)
            try validation.check()
            return body.reason
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let week = try WeekQuery.monday(request)
        let rows = try await store.transaction(context.scope()) { tx in
            try await slots.slots(week: week, on: tx)
        }
        return try jsonResponse(
            WeekBody(week: week.isoWeekName, items: rows.map { Body(slot: $0, community: community) }))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBodyBytes)
        var validation = Validation()
        let service = validation.id("service_type_id", body.serviceTypeID, ServiceType.self)
        let place = body.placeID.flatMap { validation.id("place_id", $0, Place.self) }
        let team = body.teamID.flatMap { validation.id("team_id", $0, PatrolTeam.self) }
        let start = validation.time("starts_at", body.startsAt)
        let end = validation.time("ends_at", body.endsAt)
        validation.range("headcount_min", body.headcountMin, 1...100)
        validation.range("headcount_max", body.headcountMax, 1...100)
        validation.text("note", body.note, max: 200)
        if let start, let end, end > start, end.timeIntervalSince(start) > 24 * 3600 {
            validation.fail("ends_at", "too_long", "一个班次最长 24 小时", "a slot lasts at most 24 hours")
        }
        try validation.check()
        guard let service, let start, let end else { throw Problem.internalError }
        let slot = Slot(
            communityID: community.id, serviceTypeID: service, placeID: place, teamID: team, start: start, end: end,
            headcountMin: body.headcountMin, headcountMax: body.headcountMax, note: body.note)
        try Self.check(slot)
        let stored = try await Problem.naming(duplicate: "starts_at") {
            try await store.transaction(context.scope()) { tx in
                try await slots.create(slot, on: tx)
                return try await slots.slot(slot.id, on: tx)
            }
        }
        let location = "/api/v1/communities/\(community.code)/slots/\(stored.id)"
        return try jsonResponse(
            Body(slot: stored, community: community), status: .created,
            headers: ETag.headers(stored.version, location: location))
    }

    func read(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Slot.self, what: Self.notFound)
        let slot = try await store.transaction(context.scope()) { tx in try await slots.slot(id, on: tx) }
        return try jsonResponse(Body(slot: slot, community: community), headers: ETag.headers(slot.version))
    }

    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Slot.self, what: Self.notFound)
        let patch = try await JSONBody.read(Patch.self, from: request, maxBytes: maxBodyBytes, mergePatch: true)
        var validation = Validation()
        validation.notNull("starts_at", patch.startsAt)
        validation.notNull("ends_at", patch.endsAt)
        validation.notNull("headcount_min", patch.headcountMin)
        validation.notNull("headcount_max", patch.headcountMax)
        let start: Date?, end: Date?
        if case .value(let text) = patch.startsAt { start = validation.time("starts_at", text) } else { start = nil }
        if case .value(let text) = patch.endsAt { end = validation.time("ends_at", text) } else { end = nil }
        if case .value(let n) = patch.headcountMin { validation.range("headcount_min", n, 0...100) }
        if case .value(let n) = patch.headcountMax { validation.range("headcount_max", n, 1...100) }
        if case .value(let note) = patch.note { validation.text("note", note, max: 200) }
        try validation.check()
        let moved: Slot
        do {
            moved = try await store.transaction(context.scope()) { tx in
                var slot = try await slots.slot(id, on: tx)
                try ETag.require(request, current: slot.version)
                if let start { slot.start = start }
                if let end { slot.end = end }
                patch.headcountMin.apply(to: &slot.headcountMin)
                patch.headcountMax.apply(to: &slot.headcountMax)
                patch.note.apply(to: &slot.note)
                try Self.check(slot)
                do {
                    return try await planner.moveSlot(slot, on: tx).0
                } catch let error as DatabaseError where StorageError(error).code == .doubleBooking {
                    // The store lets the database's error through; `Store.transaction` classifies it.
                    throw RefusedMove(slot: slot, error: StorageError(error))
                }
            }
        } catch let refused as RefusedMove {
            throw try await clash(refused.slot, community: community, scope: context.scope(), error: refused.error)
        }
        return try jsonResponse(Body(slot: moved, community: community), headers: ETag.headers(moved.version))
    }

    /// A move the database refused as a double booking, with the times it was refused for.
    struct RefusedMove: Error {
        let slot: Slot
        let error: StorageError
    }

    /// The rules of a slot's shape, each naming its field: it ends after it starts, and its
    /// maximum is not below its minimum.
    static func check(_ slot: Slot) throws {
        var validation = Validation()
        if slot.end <= slot.start {
            validation.fail("ends_at", "before_start", "结束时间须晚于开始时间", "must be after starts_at")
        }
        if slot.headcountMax < slot.headcountMin {
            validation.fail("headcount_max", "below_minimum", "不能少于最少人数", "may not be below headcount_min")
        }
        try validation.check()
    }

    /// A refused move as a 409 naming the volunteers and the assignments it would overlap.
    func clash(_ slot: Slot, community: Community, scope: DataScope, error: StorageError) async throws -> Problem {
        let clashes = try await store.transaction(scope) { tx in
            try await AssignmentStore().clashes(slot: slot.id, start: slot.start, end: slot.end, on: tx)
        }
        guard !clashes.isEmpty else { return Problem.storage(error) }
        let errors = clashes.map { c in
            let from = APITime.format(c.start, in: community), to = APITime.format(c.end, in: community)
            return FieldProblem(
                field: "starts_at", code: "double_booking",
                message: .init(
                    "\(c.volunteerName) 在 \(from)–\(to) 已有安排（班次 \(c.slotID)）",
                    "\(c.volunteerName) is already on slot \(c.slotID) from \(from) to \(to)"))
        }
        let names = clashes.map(\.volunteerName).joined(separator: ", ")
        return Problem(
            .conflict, code: "double_booking",
            detail: .init("改期后与志愿者已有的安排冲突：\(names)", "The new time clashes with other assignments of: \(names)"),
            errors: errors)
    }

    func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Slot.self, what: Self.notFound)
        let reason = try await Cancel.read(request, maxBytes: maxBodyBytes)
        let cancelled = try await store.transaction(context.scope()) { tx in
            let slot = try await slots.slot(id, on: tx)
            if let header = request.headers[.ifMatch], !header.isEmpty { try ETag.require(request, current: slot.version) }
            guard slot.status != .cancelled else {
                throw Problem(
                    .conflict, code: "already_cancelled", detail: .init("该班次已取消", "The slot is already cancelled"))
            }
            return try await planner.cancelSlot(id, note: reason, on: tx).0
        }
        return try jsonResponse(Body(slot: cancelled, community: community), headers: ETag.headers(cancelled.version))
    }
}
