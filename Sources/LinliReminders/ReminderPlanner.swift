import Foundation
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliStorage

/// What one reminder or notice job is to send. Everything else is read from live data when
/// it runs, so a reminder for a changed or cancelled assignment is never sent.
public struct ReminderPayload: Sendable, Hashable, Codable {
    public var kind: MessageKind
    public var audience: MessageAudience
    public var slot: ID<Slot>
    /// The slot's version the message was planned for; a reminder or change notice for an
    /// older version is not sent.
    public var slotVersion: Int
    public var volunteer: ID<Volunteer>?
    /// Minutes before the start; nil for a message sent at once.
    public var leadMinutes: Int?

    /// The job's unique key, also the message's idempotency key.
    public var key: String {
        let who = volunteer.map { "volunteer:\($0)" } ?? audience.rawValue
        let lead = leadMinutes.map(String.init) ?? "now"
        return "\(kind.rawValue):\(slot):v\(slotVersion):\(who):\(lead)"
    }
}

/// How many reminder and notice jobs a change queued.
public struct PlanSummary: Sendable, Hashable, Codable {
    public var reminders = 0
    public var changeNotices = 0
    public var cancellationNotices = 0
    public var cancelledJobs = 0
    public init() {}
}

/// Turns domain changes into reminder and notice jobs, in the transaction of the change:
/// publishing a roster queues its reminders and tells people taken off a shift inside the
/// lead time; moving a slot re-plans its reminders and tells its people at once if they
/// may already have been reminded; cancelling a slot or booking cancels its reminders and
/// tells those already told.
public struct ReminderPlanner: Sendable {
    public static let jobKind = "reminder.send"
    static let reminderPriority = 10
    static let noticePriority = 20

    let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    static func subject(_ slot: ID<Slot>) -> String { "slot:\(slot)" }

    // MARK: Workflows

    /// Publishes a draft (see `RosterStore.publish`) and plans what it means for people.
    @discardableResult
    public func publish(
        _ id: ID<Roster>, by user: ID<User>? = nil, on tx: Connection
    ) async throws -> (
        Roster, PlanSummary
    ) {
        let roster = RosterStore()
        let draft = try await roster.roster(id, on: tx)
        let previous = try await roster.published(community: draft.communityID, week: draft.weekStart, on: tx)
        let published = try await roster.publish(id, by: user, on: tx)
        var summary = try await planRoster(id, on: tx)
        if let previous {
            let diff = try await roster.diff(from: previous.id, to: id, on: tx)
            for removed in diff.removed {
                summary.cancellationNotices += try await noticeIfTold(
                    volunteer: removed.volunteerID, slot: removed.slotID, reason: "roster-v\(published.version)", on: tx)
            }
        }
        return (published, summary)
    }

    /// Cancels a booking (see `BookingStore.cancel`), its slot's reminders, and tells the
    /// volunteers already told.
    @discardableResult
    public func cancelBooking(_ id: ID<Booking>, reason: String, on tx: Connection) async throws -> (Booking, PlanSummary) {
        let booking = try await BookingStore().cancel(id, reason: reason, on: tx)
        guard let slot = booking.slotID else { return (booking, PlanSummary()) }
        return (booking, try await slotCancelled(slot, on: tx))
    }

    /// Erases a resident's personal data (see `ResidentStore.erase`) and cancels the reminders
    /// of the visits that erasure cancelled, telling volunteers already told.
    @discardableResult
    public func eraseResident(_ id: ID<Resident>, on tx: Connection) async throws -> PlanSummary {
        var summary = PlanSummary()
        for slot in try await ResidentStore().erase(id, on: tx) {
            let cancelled = try await slotCancelled(slot, on: tx)
            summary.cancelledJobs += cancelled.cancelledJobs
            summary.cancellationNotices += cancelled.cancellationNotices
        }
        return summary
    }

    /// Cancels a slot (see `SlotStore.cancel`) and what it means for people.
    @discardableResult
    public func cancelSlot(_ id: ID<Slot>, note: String?, on tx: Connection) async throws -> (Slot, PlanSummary) {
        let slot = try await SlotStore().cancel(id, note: note, on: tx)
        return (slot, try await slotCancelled(id, on: tx))
    }

    /// Moves a slot (see `SlotStore.update`) and what it means for people.
    @discardableResult
    public func moveSlot(_ slot: Slot, on tx: Connection) async throws -> (Slot, PlanSummary) {
        let store = SlotStore()
        let before = try await store.slot(slot.id, on: tx)
        let after = try await store.update(slot, on: tx)
        guard before.start != after.start else { return (after, PlanSummary()) }
        return (after, try await slotMoved(slot.id, previousStart: before.start, on: tx))
    }

    // MARK: Planning

    /// Queues the reminders of a roster's live assignments (unique keys make this safe to
    /// repeat: an assignment already planned is not planned twice).
    @discardableResult
    public func planRoster(_ roster: ID<Roster>, on tx: Connection) async throws -> PlanSummary {
        try await plan(ReminderStore.liveAssignments(roster: roster, on: tx), on: tx)
    }

    /// Queues the reminders of a slot's live assignments (a visit booked at the desk).
    @discardableResult
    public func planSlot(_ slot: ID<Slot>, on tx: Connection) async throws -> PlanSummary {
        try await plan(ReminderStore.liveAssignments(slot: slot, on: tx), on: tx)
    }

    /// Plans the reminders of `assignments`; without `lateReminders`, no "at once" reminder
    /// for a lead that has passed (a change notice goes out instead).
    private func plan(
        _ assignments: [PlannedAssignment], lateReminders: Bool = true, on tx: Connection
    ) async throws
        -> PlanSummary
    {
        var summary = PlanSummary()
        var quietByCommunity: [ID<Community>: QuietHours] = [:]
        var slotsDone = Set<ID<Slot>>()
        let now = now()
        for a in assignments {
            let quiet: QuietHours
            if let known = quietByCommunity[a.communityID] {
                quiet = known
            } else {
                quiet = try await ReminderStore.communityMessaging(a.communityID, on: tx).quiet
                quietByCommunity[a.communityID] = quiet
            }
            var audiences: [(MessageAudience, ID<Volunteer>?)] = [(.volunteer, a.volunteerID)]
            if slotsDone.insert(a.slotID).inserted {
                if a.kind == .homeVisit && a.hasBooking { audiences.append((.resident, nil)) }
                if a.kind == .patrol && a.hasTeam { audiences.append((.team, nil)) }
            }
            for planned in ReminderTiming.plan(start: a.start, leads: a.leads, now: now, quiet: quiet)
            where lateReminders || planned.leadMinutes != nil {
                for (audience, volunteer) in audiences {
                    let payload = ReminderPayload(
                        kind: .reminder, audience: audience, slot: a.slotID, slotVersion: a.version, volunteer: volunteer,
                        leadMinutes: planned.leadMinutes)
                    if try await enqueue(payload, community: a.communityID, at: planned.sendAt, on: tx) {
                        summary.reminders += 1
                    }
                }
            }
        }
        return summary
    }

    /// A slot moved: its pending reminders go, new ones are planned for its new time, and
    /// its people (and the resident) are told at once when the change is inside the lead time
    /// of the old or the new start, or they were already reminded.
    public func slotMoved(_ slot: ID<Slot>, previousStart: Date, on tx: Connection) async throws -> PlanSummary {
        try await ReminderStore.lockSlotForChange(slot, on: tx)
        var summary = PlanSummary()
        summary.cancelledJobs = try await JobQueue.cancelPending(
            subject: Self.subject(slot), kinds: [Self.jobKind], on: tx)
        let assignments = try await ReminderStore.liveAssignments(slot: slot, on: tx)
        guard let first = assignments.first else { return summary }
        let now = now()
        let urgent =
            ReminderTiming.isInsideLeadTime(start: previousStart, leads: first.leads, now: now)
            || ReminderTiming.isInsideLeadTime(start: first.start, leads: first.leads, now: now)
        summary.reminders = try await plan(assignments, lateReminders: !urgent, on: tx).reminders
        for a in assignments {
            let told = try await ReminderStore.wasTold(volunteer: a.volunteerID, slot: slot, on: tx)
            guard urgent || told else { continue }
            let payload = ReminderPayload(
                kind: .change, audience: .volunteer, slot: slot, slotVersion: a.version, volunteer: a.volunteerID,
                leadMinutes: nil)
            if try await enqueue(payload, community: a.communityID, at: nil, on: tx) { summary.changeNotices += 1 }
        }
        if urgent, first.kind == .homeVisit, first.hasBooking {
            let payload = ReminderPayload(
                kind: .change, audience: .resident, slot: slot, slotVersion: first.version, volunteer: nil, leadMinutes: nil)
            if try await enqueue(payload, community: first.communityID, at: nil, on: tx) { summary.changeNotices += 1 }
        }
        return summary
    }

    /// A slot was cancelled: its pending reminders go, and the volunteers on it who may have
    /// been told are told it is off.
    public func slotCancelled(_ slot: ID<Slot>, on tx: Connection) async throws -> PlanSummary {
        try await ReminderStore.lockSlotForChange(slot, on: tx)
        var summary = PlanSummary()
        summary.cancelledJobs = try await JobQueue.cancelPending(
            subject: Self.subject(slot), kinds: [Self.jobKind], on: tx)
        let volunteers = try await ReminderStore.liveVolunteers(slot: slot, on: tx)
        for volunteer in volunteers {
            summary.cancellationNotices += try await noticeIfTold(
                volunteer: volunteer, slot: slot, reason: "slot-cancelled", on: tx)
        }
        return summary
    }

    /// Queues a cancellation notice for `volunteer` on `slot` if the slot has not started and
    /// they were reminded or it is inside the lead time. Returns 1 if queued.
    private func noticeIfTold(
        volunteer: ID<Volunteer>, slot: ID<Slot>, reason: String, on tx: Connection
    ) async throws
        -> Int
    {
        try await ReminderStore.lockSlotForChange(slot, on: tx)
        guard let timing = try await ReminderStore.slotTiming(slot, on: tx), timing.start > now() else { return 0 }
        let told = try await ReminderStore.wasTold(volunteer: volunteer, slot: slot, on: tx)
        guard told || ReminderTiming.isInsideLeadTime(start: timing.start, leads: timing.leads, now: now()) else {
            return 0
        }
        // The version is that of the notice's cause, so a volunteer removed, re-added and
        // removed again is told each time.
        let payload = ReminderPayload(
            kind: .cancellation, audience: .volunteer, slot: slot, slotVersion: timing.version, volunteer: volunteer,
            leadMinutes: nil)
        let job = try NewJob(
            kind: Self.jobKind, payload: payload, uniqueKey: payload.key + ":" + reason, communityID: timing.community,
            priority: Self.noticePriority, runAt: nil, subject: nil)
        return try await JobQueue.enqueue(job, on: tx) == nil ? 0 : 1
    }

    private func enqueue(
        _ payload: ReminderPayload, community: ID<Community>, at: Date?, on tx: Connection
    ) async throws
        -> Bool
    {
        let job = try NewJob(
            kind: Self.jobKind, payload: payload, uniqueKey: payload.key, communityID: community,
            priority: payload.kind == .reminder ? Self.reminderPriority : Self.noticePriority, runAt: at,
            subject: Self.subject(payload.slot))
        return try await JobQueue.enqueue(job, on: tx) != nil
    }
}
