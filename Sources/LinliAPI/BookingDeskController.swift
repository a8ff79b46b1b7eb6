import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDatabase
import LinliDomain
import LinliReminders
import LinliRostering
import LinliStorage

/// `/api/v1/communities/{code}/bookings/proposals`: the service desk's one call — a resident, a
/// service and the windows they accept in, a concrete visit (when, and the volunteers' names)
/// out, found against the week's published roster by `BookingDesk`, or the reasons nothing fits
/// and the nearest times that would; and the second call that confirms it (booking, slot,
/// assignments and reminders in one transaction, 409 naming the clash if a volunteer was taken).
struct BookingDeskController: Sendable {
    let store: Store
    let maxBodyBytes: Int
    /// One cache of loaded weeks for the server's life (the controller is made once).
    let desk = BookingDesk(cache: WeekCache())

    func addRoutes(to group: RouterGroup<APIRequestContext>) {
        group.post("bookings/proposals") { request, context in try await propose(request, context) }
        group.post("bookings/proposals/{id}/confirm") { request, context in try await confirm(request, context) }
    }

    /// A visit as the desk sees it: times with the community's offset, volunteers by name only.
    struct Visit: Encodable {
        let startsAt: String
        let endsAt: String
        let volunteers: [Name]

        struct Name: Encodable { let name: String }

        init(_ visit: ProposedVisit, _ community: Community) {
            startsAt = APITime.format(visit.start, in: community)
            endsAt = APITime.format(visit.end, in: community)
            volunteers = visit.volunteers.map { Name(name: $0.name) }
        }

        enum CodingKeys: String, CodingKey {
            case volunteers
            case startsAt = "starts_at"
            case endsAt = "ends_at"
        }
    }

    /// A reason nothing fits, in both languages.
    struct Reason: Encodable {
        let zh: String
        let en: String
    }

    /// The answer to a proposal request.
    struct Proposal: Encodable {
        let id: String?
        let status: String
        let visit: Visit?
        let alternatives: [Visit]
        let reasons: [Reason]
        let expiresAt: String?
        let confirm: String?

        enum CodingKeys: String, CodingKey {
            case id, status, visit, alternatives, reasons, confirm
            case expiresAt = "expires_at"
        }

        /// Absent values as `null`, as the document says (the synthesized coding leaves them out).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(status, forKey: .status)
            try c.encode(visit, forKey: .visit)
            try c.encode(alternatives, forKey: .alternatives)
            try c.encode(reasons, forKey: .reasons)
            try c.encode(expiresAt, forKey: .expiresAt)
            try c.encode(confirm, forKey: .confirm)
        }
    }

    /// The answer to a confirmation: the booking, its slot and who goes.
    struct Confirmed: Encodable {
        let booking: BookingsController.Body
        let slotID: String
        let startsAt: String
        let endsAt: String
        let volunteers: [Visit.Name]
        let remindersQueued: Int

        enum CodingKeys: String, CodingKey {
            case booking, volunteers
            case slotID = "slot_id"
            case startsAt = "starts_at"
            case endsAt = "ends_at"
            case remindersQueued = "reminders_queued"
        }
    }

    func propose(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let asked = try await BookingsController.read(request, maxBytes: maxBodyBytes, minutesRequired: false)
        let ask = VisitRequest(
            communityID: community.id, residentID: asked.resident, serviceTypeID: asked.service, minutes: asked.minutes,
            windows: asked.windows, notes: asked.notes)
        let proposal = try await store.transaction(try Self.deskScope(context)) { tx in
            try await referenced(resident: asked.resident, service: asked.service, on: tx)
            return try await desk.propose(ask, on: tx)
        }
        let confirm = proposal.visit.map { _ in
            "/api/v1/communities/\(community.code)/bookings/proposals/\(proposal.id)/confirm"
        }
        let answer = Proposal(
            id: proposal.visit == nil ? nil : proposal.id.description,
            status: proposal.visit == nil ? "nothing_fits" : "proposed",
            visit: proposal.visit.map { Visit($0, community) },
            alternatives: proposal.alternatives.map { Visit($0, community) },
            reasons: proposal.reasons.map { Reason(zh: $0.zh, en: $0.en) },
            expiresAt: proposal.expiresAt.map { APITime.format($0, in: community) }, confirm: confirm)
        return try jsonResponse(answer, status: proposal.visit == nil ? .ok : .created)
    }

    /// A resident or service that does not exist is the caller's mistake (422 naming the field),
    /// not a missing path.
    func referenced(resident: ID<Resident>, service: ID<ServiceType>, on tx: Connection) async throws {
        var validation = Validation()
        if (try? await ResidentStore().resident(resident, on: tx)) == nil {
            validation.fail("resident_id", "not_found", "没有这位居民", "there is no such resident")
        }
        if (try? await ServiceTypeStore().serviceType(service, on: tx)) == nil {
            validation.fail("service_type_id", "not_found", "没有这个服务类型", "there is no such service type")
        }
        try validation.check()
    }

    func confirm(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let community = try context.requireCommunity()
        let id = try request.pathID(
            context, VisitProposal.self, what: .init("没有这个预约建议", "There is no such proposal"))
        let done: DeskBooking
        do {
            done = try await store.transaction(try Self.deskScope(context)) { tx in
                try await ReminderPlanner().confirmProposal(id, desk: desk, by: context.user?.user.id, on: tx)
            }
        } catch let error as BookingDeskError {
            throw Self.problem(error)
        }
        let location = "/api/v1/communities/\(community.code)/bookings/\(done.booking.id)"
        return try jsonResponse(
            Confirmed(
                booking: BookingsController.Body(booking: done.booking, community: community),
                slotID: done.slot.id.description, startsAt: APITime.format(done.slot.start, in: community),
                endsAt: APITime.format(done.slot.end, in: community), volunteers: done.names.map { Visit.Name(name: $0) },
                remindersQueued: done.summary.reminders),
            status: .created, headers: ETag.headers(done.booking.version, location: location))
    }

    /// The scope of a proposal and its confirmation: the community and the user (in the audit log),
    /// without the role's narrowing. The desk must weigh every volunteer's availability, limits and
    /// assignments, which desk staff may not read row by row (migration 0009); what it answers
    /// names volunteers only, as `linli_visit_volunteer_names` does.
    static func deskScope(_ context: APIRequestContext) throws -> DataScope {
        .community(try context.requireCommunity().id, user: context.user?.user.id)
    }

    /// A refused confirmation in HTTP terms.
    static func problem(_ error: BookingDeskError) -> Problem {
        let detail = LocalizedText(error.zh, error.en)
        switch error.code {
        case .notFound: return Problem(.notFound, code: "proposal_not_found", detail: detail)
        case .expired: return Problem(.gone, code: "proposal_expired", detail: detail)
        case .alreadyConfirmed: return Problem(.conflict, code: "proposal_confirmed", detail: detail)
        case .rosterChanged: return Problem(.conflict, code: "roster_changed", detail: detail)
        default: return Problem(.conflict, code: "volunteer_taken", detail: detail)
        }
    }
}
