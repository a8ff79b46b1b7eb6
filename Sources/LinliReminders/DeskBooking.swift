import Foundation
import LinliDatabase
import LinliDomain
import LinliRostering
import LinliStorage

/// What confirming a desk proposal wrote.
public struct DeskBooking: Sendable {
    public var booking: Booking
    public var slot: Slot
    public var assignments: [Assignment]
    /// The volunteers' names, in the order of `assignments`.
    public var names: [String]
    public var summary: PlanSummary
}

extension ReminderPlanner {
    /// Confirms a booking-desk proposal in the caller's transaction: the booking (scheduled, with
    /// the windows asked for), its slot at the proposed time at the resident's place, and the
    /// proposed volunteers on it in the week's published roster (pinned, so a re-solve keeps the
    /// visit the resident was told about) and in the week's drafts, then the slot's reminders. Refuses with
    /// `BookingDeskError.taken`, naming the clash or the rule, when a volunteer was taken
    /// meanwhile; the caller's transaction then rolls everything back.
    public func confirmProposal(
        _ id: ID<VisitProposal>, desk: BookingDesk = BookingDesk(), by user: ID<User>? = nil, on tx: Connection
    ) async throws -> DeskBooking {
        let proposal = try await desk.lockForConfirmation(id, on: tx)
        let community = try await OrganisationStore().community(proposal.communityID, on: tx)
        let zone = TimeZone(identifier: community.timeZone) ?? .shanghai
        let week = LocalDate(proposal.start, in: zone).weekStart
        guard let roster = try await RosterStore().published(community: proposal.communityID, week: week, on: tx) else {
            throw BookingDeskError(
                code: .rosterChanged, zh: "\(week.isoWeekName) 周已没有已发布的排班，请重新查询",
                en: "week \(week.isoWeekName) no longer has a published roster; ask for a new proposal")
        }
        let volunteers = VolunteerStore()
        var names: [String] = []
        for volunteer in proposal.volunteerIDs {
            let name = try await volunteers.volunteer(volunteer, on: tx).name
            names.append(name)
            if let clash = try await desk.overlap(
                volunteer: volunteer, name: name, start: proposal.start, end: proposal.end, zone: zone, on: tx)
            {
                throw clash
            }
        }
        let type = try await ServiceTypeStore().serviceType(proposal.serviceTypeID, on: tx)
        let resident = try await ResidentStore().resident(proposal.residentID, on: tx)
        let slot = Slot(
            communityID: proposal.communityID, serviceTypeID: proposal.serviceTypeID, placeID: resident.placeID,
            start: proposal.start, end: proposal.end, headcountMin: min(type.headcountMin, proposal.volunteerIDs.count),
            headcountMax: max(type.headcountMax, proposal.volunteerIDs.count))
        try await SlotStore().create(slot, on: tx)
        let booking = Booking(
            communityID: proposal.communityID, residentID: proposal.residentID, serviceTypeID: proposal.serviceTypeID,
            minutes: proposal.minutes, windows: proposal.windows, notes: proposal.notes, bookedBy: user)
        let bookings = BookingStore()
        try await bookings.create(booking, on: tx)
        let scheduled = try await bookings.schedule(booking.id, slot: slot.id, on: tx)
        var assignments: [Assignment] = []
        for volunteer in proposal.volunteerIDs {
            assignments.append(
                try await AssignmentStore().assign(
                    Assignment(
                        rosterID: roster.id, slotID: slot.id, volunteerID: volunteer, isPinned: true,
                        reason: "服务台预约 / booked at the desk"), createdBy: user, on: tx))
        }
        // Drafts of the week were made without this slot; publishing one must not take the visit back.
        for draft in try await RosterStore().versions(community: proposal.communityID, week: week, on: tx)
        where draft.state == .draft {
            try await AssignmentStore().carryOver(.only([slot.id]), from: roster.id, into: draft.id, createdBy: user, on: tx)
        }
        try await desk.recheck(proposal, slot: slot.id, week: week, on: tx)
        try await desk.markConfirmed(id, booking: booking.id, on: tx)
        let summary = try await planSlot(slot.id, on: tx)
        return DeskBooking(
            booking: scheduled, slot: try await SlotStore().slot(slot.id, on: tx), assignments: assignments,
            names: names, summary: summary)
    }
}
