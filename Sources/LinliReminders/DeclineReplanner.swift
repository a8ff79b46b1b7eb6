import Foundation
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliRostering
import LinliStorage
import Logging

/// Runs the re-plan job a "cannot come" reply queues: the volunteer is taken off the slot's
/// week from the slot's start (recorded as an absence until the slot ends), the scheduler
/// finds a replacement with as few other changes as possible, and the coordinators get an
/// outbox message saying what the new draft changes. The draft is not published: a
/// coordinator reviews it first.
public struct DeclineReplanner: Sendable {
    let store: Store
    let rostering: RosterSolving
    let logger: Logger
    /// The scheduler's time limit for one re-plan.
    let seconds: Double

    public init(store: Store, logger: Logger, seconds: Double = 5) {
        self.store = store
        self.rostering = RosterSolving(store: store, logger: logger)
        self.logger = logger
        self.seconds = seconds
    }

    /// The job handler for `Replies.replanKind`.
    public var handler: JobHandler {
        { job in try await replan(job.payload(as: DeclinePayload.self), jobKey: job.uniqueKey ?? "\(job.id)") }
    }

    func replan(_ p: DeclinePayload, jobKey: String) async throws {
        let scope = DataScope.community(p.community)
        guard
            let (facts, volunteer) = try await store.transaction(
                scope,
                { tx -> (SlotFacts, String)? in
                    guard let facts = try await ReminderStore.slotFacts(p.slot, on: tx),
                        let volunteer = try await ReminderStore.volunteerContact(p.volunteer, on: tx)
                    else { return nil }
                    return (facts, volunteer.name)
                })
        else { return }
        guard facts.facts.start > Date(), facts.status == .open else {
            logger.info("re-plan skipped: the slot has started or is cancelled", metadata: ["slot": "\(p.slot)"])
            return
        }
        let week = LocalDate(facts.facts.start, in: facts.community.timeZone).weekStart
        var draftVersion: Int?
        var summary: String
        do {
            let result = try await rostering.replan(
                community: p.community, week: week, unavailable: p.volunteer, from: facts.facts.start,
                until: facts.facts.end, reason: .other, note: "短信回复不能来 / replied that they cannot come",
                seconds: seconds)
            draftVersion = result.draft.version
            summary =
                "+\(result.changes.added.count) −\(result.changes.removed.count)"
                + (result.score.unfilled == 0 ? "" : ", \(result.score.unfilled) unfilled")
        } catch let error as RosteringError {
            summary = "\(error)"
        }
        let text = MessageText.coordinatorDeclined(
            volunteer: volunteer, facts.facts, now: Date(), draftVersion: draftVersion, summary: summary, .zh)
        try await store.transaction(scope) { tx in
            let key = ReminderSender.messageKey("coordinator:" + jobKey)
            guard try await ReminderStore.message(key: key, on: tx) == nil else { return }
            let record = try await ReminderStore.insert(
                .init(
                    community: p.community, key: key, kind: .coordinator, audience: .staff, volunteer: p.volunteer,
                    resident: nil, team: nil, slot: p.slot, slotVersion: facts.version, channel: "outbox", address: nil,
                    body: text),
                on: tx)
            try await ReminderStore.markSent(record.id, on: tx)
        }
    }
}
