import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliStorage

/// `/api/v1/communities/{code}/bookings`: home-visit bookings made at the service desk — list by
/// resident or state, read one, book, and cancel with a reason (through `ReminderPlanner`, so the
/// visit's reminders go with it).
struct BookingsController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    let bookings = BookingStore()

    static let notFound = LocalizedText("没有这个预约", "There is no such booking")

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.get("bookings") { request, context in try await list(request, context) }
        group.post("bookings") { request, context in try await create(request, context) }
        group.get("bookings/{id}") { request, context in try await read(request, context) }
        group.post("bookings/{id}/cancel") { request, context in try await cancel(request, context) }
    }

    /// A booking as the API shows it, times with the community's offset.
    struct Body: Encodable {
        let booking: Booking
        let community: Community
        /// The names of the volunteers of its visit; names only, whatever the role.
        var visitVolunteers: [String] = []

        enum CodingKeys: String, CodingKey {
            case id, minutes, windows, notes, state, version
            case residentID = "resident_id"
            case serviceTypeID = "service_type_id"
            case stateReason = "state_reason"
            case slotID = "slot_id"
            case bookedAt = "booked_at"
            case visitVolunteers = "visit_volunteers"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            let b = booking
            try c.encode(b.id.description, forKey: .id)
            try c.encode(b.residentID.description, forKey: .residentID)
            try c.encode(b.serviceTypeID.description, forKey: .serviceTypeID)
            try c.encode(b.minutes, forKey: .minutes)
            try c.encode(
                b.windows.map {
                    Window(start: APITime.format($0.start, in: community), end: APITime.format($0.end, in: community))
                },
                forKey: .windows)
            try c.encode(b.notes, forKey: .notes)
            try c.encode(b.state, forKey: .state)
            try c.encode(b.stateReason, forKey: .stateReason)
            try c.encode(b.slotID?.description, forKey: .slotID)
            try c.encode(b.bookedAt.map { APITime.format($0, in: community) }, forKey: .bookedAt)
            try c.encode(b.version, forKey: .version)
            try c.encode(visitVolunteers, forKey: .visitVolunteers)
        }
    }

    /// A time window as sent and shown.
    struct Window: Codable, KnownFields {
        let start: String
        let end: String
        static var fieldNames: Set<String> { ["start", "end"] }
    }

    /// The body of POST, and of a desk proposal (where `minutes` may be left to the service).
    struct Create: KnownFields {
        let residentID: String
        let serviceTypeID: String
        let minutes: Int?
        let windows: [Window]
        let notes: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case minutes, windows, notes
            case residentID = "resident_id"
            case serviceTypeID = "service_type_id"
        }
        static var fieldNames: Set<String> { Set(CodingKeys.allCases.map(\.rawValue)) }
        static var nestedFields: [String: any KnownFields.Type] { ["windows": Window.self] }
    }

    /// A booking or desk proposal as asked for, checked.
    struct Asked {
        let resident: ID<Resident>
        let service: ID<ServiceType>
        let minutes: Int?
        let windows: [TimeWindow]
        let notes: String?
    }

    /// A list is of one resident's bookings, or of one state's (the desk's queue: `requested`
    /// when neither is given), or of both at once.
    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let query = request.uri.queryParameters
        var validation = Validation()
        let resident = query["resident"].map(String.init)
        let residentID = resident.flatMap { ID<Resident>(uuidString: $0) }
        if resident != nil && residentID == nil {
            validation.fail("resident", "invalid_value", "须为居民编号（UUID）", "must be a resident id (UUID)")
        }
        let stateText = query["state"].map(String.init)
        let state = stateText.flatMap(BookingState.init(rawValue:))
        if stateText != nil && state == nil {
            let all = BookingState.allCases.map(\.rawValue).joined(separator: ", ")
            validation.fail("state", "invalid_value", "须为 \(all) 之一", "must be one of \(all)")
        }
        let page = PageQuery(request, validation: &validation)
        try validation.checkParameters()
        let (rows, items) = try await store.transaction(context.scope()) { tx in
            let rows = try await bookings.page(
                resident: residentID, state: state, after: page.after.map { ID($0.id) }, limit: page.limit + 1, on: tx)
            var items: [Body] = []
            for booking in rows.prefix(page.limit) {
                items.append(Body(booking: booking, community: community, visitVolunteers: try await names(booking, on: tx)))
            }
            return (rows, items)
        }
        let next =
            rows.count > page.limit ? rows.prefix(page.limit).last.map { Cursor.encode(name: "", id: $0.id.rawValue) } : nil
        return try jsonResponse(Page(items: items, nextCursor: next))
    }

    /// The names of the volunteers of a booking's visit (none before it is scheduled).
    func names(_ booking: Booking, on tx: Connection) async throws -> [String] {
        guard let slot = booking.slotID, booking.state == .scheduled || booking.state == .done else { return [] }
        return try await bookings.visitVolunteerNames(slot: slot, on: tx)
    }

    func read(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Booking.self, what: Self.notFound)
        let body = try await store.transaction(context.scope()) { tx in
            let booking = try await bookings.booking(id, on: tx)
            return Body(booking: booking, community: community, visitVolunteers: try await names(booking, on: tx))
        }
        return try jsonResponse(body, headers: ETag.headers(body.booking.version))
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let asked = try await Self.read(request, maxBytes: maxBodyBytes, minutesRequired: true)
        let booking = Booking(
            communityID: community.id, residentID: asked.resident, serviceTypeID: asked.service,
            minutes: asked.minutes ?? 0, windows: asked.windows, notes: asked.notes, bookedBy: context.user?.user.id)
        let stored = try await store.transaction(context.scope()) { tx in
            try await bookings.create(booking, on: tx)
            return try await bookings.booking(booking.id, on: tx)
        }
        let location = "/api/v1/communities/\(community.code)/bookings/\(stored.id)"
        return try jsonResponse(
            Body(booking: stored, community: community), status: .created,
            headers: ETag.headers(stored.version, location: location))
    }

    /// Reads and checks what a booking or a desk proposal asks for: the resident's and service's
    /// ids, the length (required for a booking), the notes and the windows (at least one, each
    /// ending after it starts).
    static func read(_ request: Request, maxBytes: Int, minutesRequired: Bool) async throws -> Asked {
        let body = try await JSONBody.read(Create.self, from: request, maxBytes: maxBytes)
        if minutesRequired && body.minutes == nil {
            // As the decoder answers a missing field.
            let message = LocalizedText("必填", "This field is required")
            throw Problem(
                .badRequest, code: "required", detail: .init("字段 minutes：必填", "Field minutes: This field is required"),
                errors: [FieldProblem(field: "minutes", code: "required", message: message)])
        }
        var validation = Validation()
        let resident = ID<Resident>(uuidString: body.residentID)
        if resident == nil { validation.fail("resident_id", "invalid_value", "须为居民编号（UUID）", "must be a resident id (UUID)") }
        let service = ID<ServiceType>(uuidString: body.serviceTypeID)
        if service == nil {
            validation.fail("service_type_id", "invalid_value", "须为服务类型编号（UUID）", "must be a service type id (UUID)")
        }
        validation.range("minutes", body.minutes, 5...720)
        validation.text("notes", body.notes, max: 500)
        if body.windows.isEmpty {
            validation.fail("windows", "empty", "至少需要一个时间段", "needs at least one time window")
        }
        var windows: [TimeWindow] = []
        for (index, window) in body.windows.enumerated() {
            let start = validation.time("windows[\(index)].start", window.start)
            let end = validation.time("windows[\(index)].end", window.end)
            guard let start, let end else { continue }
            if end <= start {
                validation.fail("windows[\(index)].end", "before_start", "结束时间须晚于开始时间", "must be after start")
            }
            windows.append(TimeWindow(start: start, end: end))
        }
        try validation.check()
        guard let resident, let service else { throw Problem.internalError }
        return Asked(resident: resident, service: service, minutes: body.minutes, windows: windows, notes: body.notes)
    }

    func cancel(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(context, Booking.self, what: Self.notFound)
        let reason = try await SlotsController.Cancel.read(request, maxBytes: maxBodyBytes)
        let cancelled = try await store.transaction(context.scope()) { tx in
            let booking = try await bookings.booking(id, on: tx)
            if let header = request.headers[.ifMatch], !header.isEmpty {
                try ETag.require(request, current: booking.version)
            }
            guard booking.state == .requested || booking.state == .scheduled else {
                throw Problem(
                    .conflict, code: "not_cancellable",
                    detail: .init(
                        "该预约已是“\(booking.state.rawValue)”状态，不能取消",
                        "The booking is \(booking.state.rawValue) and cannot be cancelled"))
            }
            return try await ReminderPlanner().cancelBooking(id, reason: reason, on: tx).0
        }
        return try jsonResponse(
            Body(booking: cancelled, community: community), headers: ETag.headers(cancelled.version))
    }
}
