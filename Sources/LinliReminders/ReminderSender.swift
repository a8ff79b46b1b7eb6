import Crypto
import Foundation
import LinliChannels
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliStorage
import Logging

/// Runs `reminder.send` jobs: checks the reminder or notice against live data, respects
/// quiet hours, the daily cap and the person's channel, writes the message, and hands it
/// to its channel, all under a lock on the slot so a concurrent cancellation either waits
/// for the send or is seen by it.
///
/// Exactly-once, as far as a gateway allows: the message row and its `sent` mark commit in
/// one transaction after the channel accepted it. If the worker dies in between, the job runs
/// again after its lease and sends the same message with the same idempotency key, which a
/// gateway that honours the key shows the person once.
public struct ReminderSender: Sendable {
    let store: Store
    let channels: Channels
    let logger: Logger
    let now: @Sendable () -> Date

    public init(store: Store, channels: Channels, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.channels = channels
        self.logger = logger
        self.now = now
    }

    /// The job handler for `ReminderPlanner.jobKind`.
    public var handler: JobHandler {
        { job in try await send(job) }
    }

    /// What became of one job.
    public enum Outcome: Sendable, Equatable {
        case sent(channel: ChannelKind)
        case suppressed(String)
        case failed(String)
        /// Not sent, because the reminder no longer applies (changed, cancelled, started).
        case obsolete(String)
        case alreadyDone
    }

    /// The message's idempotency key: a digest of the job's unique key, so it is stable across
    /// retries and fits what gateways accept (letters, digits, `-`; at most 128 characters).
    public static func messageKey(_ jobKey: String) -> String {
        "linli-" + SHA256.hash(data: Data(jobKey.utf8)).prefix(20).map { String(format: "%02x", $0) }.joined()
    }

    private struct TransientFailure: Error, CustomStringConvertible {
        let description: String
    }

    @discardableResult
    public func send(_ job: Job) async throws -> Outcome {
        let payload = try job.payload(as: ReminderPayload.self)
        let key = Self.messageKey(job.uniqueKey ?? payload.key)
        let scope: DataScope = job.communityID.map { .community($0) } ?? .administrator()
        let outcome: Result<Outcome, TransientFailure> = try await store.transaction(scope) { tx in
            try await ReminderStore.lockSlot(payload.slot, on: tx)
            if let existing = try await ReminderStore.message(key: key, on: tx), existing.state != .pending {
                return .success(.alreadyDone)
            }
            return try await deliver(payload, key: key, on: tx)
        }
        switch outcome {
        case .success(let outcome):
            logger.debug("reminder job done", metadata: ["key": "\(key)", "outcome": "\(outcome)"])
            return outcome
        case .failure(let failure):
            throw failure
        }
    }

    /// How long a message may take to reach the person after it is handed to its channel.
    static let deliveryAllowance: TimeInterval = 30

    /// What to do with a reminder or notice at a given moment.
    enum Decision {
        case obsolete(String)
        case suppress(String)
        case deferUntil(Date)
        case send(Composed)
    }

    /// Decides, from live data, what becomes of the payload's message at `now`. Writes nothing.
    func decide(_ p: ReminderPayload, key: String, slot: SlotFacts, now: Date, on tx: Connection) async throws -> Decision {
        if let reason = obsolete(p, slot, now: now) { return .obsolete(reason) }
        // A message handed over just before quiet hours could still arrive inside them.
        let quiet = slot.community.quiet
        let arrival = now.addingTimeInterval(Self.deliveryAllowance)
        if quiet.contains(now) || quiet.contains(arrival) {
            let end = quiet.periodEnd(containing: quiet.contains(now) ? now : arrival)
            return end < slot.facts.start ? .deferUntil(end) : .suppress("quiet hours")
        }
        guard let message = try await compose(p, key: key, slot, now: now, on: tx) else {
            return .suppress("no way to reach this person")
        }
        if p.kind == .reminder, p.audience != .team {
            let sent = try await ReminderStore.remindersSentToday(
                volunteer: message.new.volunteer, resident: message.new.resident, community: slot.community, now: now,
                on: tx)
            if sent >= slot.community.dailyCap { return .suppress("daily cap of \(slot.community.dailyCap) reached") }
        }
        return .send(message)
    }

    /// Decides and sends inside the transaction holding the slot lock. A transient channel
    /// failure is returned (not thrown) so the attempt is recorded before the job retries.
    private func deliver(
        _ p: ReminderPayload, key: String, on tx: Connection
    ) async throws -> Result<
        Outcome, TransientFailure
    > {
        let now = now()
        guard let slot = try await ReminderStore.slotFacts(p.slot, on: tx) else {
            return .success(.obsolete("the slot no longer exists"))
        }
        var message: Composed
        switch try await decide(p, key: key, slot: slot, now: now, on: tx) {
        case .obsolete(let reason):
            if let existing = try await ReminderStore.message(key: key, on: tx) {
                try await ReminderStore.markSuppressed(existing.id, reason: reason, on: tx)
            }
            return .success(.obsolete(reason))
        case .suppress(let reason):
            return .success(try await suppress(p, key: key, slot, reason: reason, on: tx))
        case .deferUntil(let end):
            throw JobDeferral(
                until: end, reason: "quiet hours until \(MessageText.clock(end, slot.community.quiet.timeZone))")
        case .send(let composed):
            message = composed
        }
        let record: MessageRecord
        if let existing = try await ReminderStore.message(key: key, on: tx) {
            record = existing
            // Retry: the text and address stay as first written; the idempotency key is the same.
            message.outgoing = OutgoingMessage(
                idempotencyKey: key, kind: message.outgoing.kind, address: existing.address ?? "",
                subject: message.outgoing.subject, body: existing.body, mentionedMobiles: message.outgoing.mentionedMobiles)
        } else {
            record = try await ReminderStore.insert(message.new, on: tx)
        }
        do {
            _ = try await channels.channel(for: message.outgoing.kind).deliver(message.outgoing)
            try await ReminderStore.markSent(record.id, on: tx)
            return .success(.sent(channel: message.outgoing.kind))
        } catch let error as ChannelError where error.code == .transient {
            try await ReminderStore.markFailed(record.id, error: "\(error)", permanently: false, on: tx)
            return .failure(TransientFailure(description: "\(error)"))
        } catch {
            try await ReminderStore.markFailed(record.id, error: "\(error)", permanently: true, on: tx)
            logger.warning("message refused for good", metadata: ["key": "\(key)", "error": "\(error)"])
            return .success(.failed("\(error)"))
        }
    }

    /// Why the message no longer applies, or nil if it does.
    private func obsolete(_ p: ReminderPayload, _ slot: SlotFacts, now: Date) -> String? {
        guard slot.facts.start > now else { return "the slot has started" }
        switch p.kind {
        case .cancellation:
            guard let volunteer = p.volunteer else { return "no volunteer" }
            if slot.status == .open && slot.liveVolunteers.contains(volunteer) {
                return "the volunteer is on the slot again"
            }
            return nil
        case .reminder, .change, .coordinator:
            guard slot.status == .open else { return "the slot is cancelled" }
            guard slot.version == p.slotVersion else { return "the slot changed (version \(slot.version))" }
            switch p.audience {
            case .volunteer:
                guard let volunteer = p.volunteer, slot.liveVolunteers.contains(volunteer) else {
                    return "the volunteer is no longer on the slot"
                }
            case .resident:
                guard let resident = slot.resident else { return "no scheduled visit" }
                if resident.needsCall { return "the resident is on the call list" }
            case .team:
                if slot.liveVolunteers.isEmpty { return "no one is on the patrol" }
            case .staff:
                break
            }
            return nil
        }
    }

    struct Composed {
        var new: ReminderStore.NewMessage
        var outgoing: OutgoingMessage
    }

    /// The message for the payload's person through their channel, or nil if they cannot be
    /// reached (no phone, asked for no messages).
    private func compose(
        _ p: ReminderPayload, key: String, _ slot: SlotFacts, now: Date, on tx: Connection
    ) async throws
        -> Composed?
    {
        var new = ReminderStore.NewMessage(
            community: slot.community.id, key: key, kind: p.kind, audience: p.audience, volunteer: p.volunteer,
            resident: nil, team: nil, slot: p.slot, slotVersion: slot.version, channel: "outbox", address: nil, body: "")
        let kind: ChannelKind
        var mentions: [String] = []
        var subject: String?
        switch p.audience {
        case .volunteer:
            guard let id = p.volunteer, let v = try await ReminderStore.volunteerContact(id, on: tx) else { return nil }
            switch p.kind {
            case .reminder: new.body = MessageText.volunteerReminder(name: v.name, slot.facts, now: now, v.locale)
            case .change: new.body = MessageText.volunteerChange(name: v.name, slot.facts, now: now, v.locale)
            case .cancellation: new.body = MessageText.volunteerCancellation(name: v.name, slot.facts, now: now, v.locale)
            case .coordinator: return nil
            }
            subject = v.locale == .zh ? "邻里提醒" : "Linli reminder"
            switch v.channel {
            case .none:
                return nil
            case .email where v.email != nil && channels.isConfigured(.email):
                (kind, new.address) = (.email, v.email)
            case .wecom where v.teamRobot != nil && channels.isConfigured(.wecom):
                (kind, new.address) = (.wecom, v.teamRobot)
                mentions = v.phone.map { [$0] } ?? []
            default:
                guard let phone = v.phone else { return nil }
                (kind, new.address) = (channels.isConfigured(.sms) ? .sms : .outbox, phone)
            }
        case .resident:
            guard let r = slot.resident, let phone = r.phone else { return nil }
            new.resident = r.id
            new.body =
                p.kind == .change
                ? MessageText.residentChange(name: r.name, slot.facts, now: now, r.locale)
                : MessageText.residentReminder(name: r.name, slot.facts, now: now, r.locale)
            (kind, new.address) = (channels.isConfigured(.sms) ? .sms : .outbox, phone)
        case .team:
            guard let robot = slot.teamRobot else { return nil }
            new.team = slot.teamID
            new.body = MessageText.teamReminder(slot.facts, now: now, .zh)
            (kind, new.address) = (channels.isConfigured(.wecom) ? .wecom : .outbox, robot)
        case .staff:
            return nil
        }
        new.channel = kind.rawValue
        return Composed(
            new: new,
            outgoing: OutgoingMessage(
                idempotencyKey: key, kind: kind, address: new.address ?? "", subject: subject, body: new.body,
                mentionedMobiles: mentions))
    }

    /// Records that the message was deliberately not sent, so staff can see why.
    private func suppress(
        _ p: ReminderPayload, key: String, _ slot: SlotFacts, reason: String, on tx: Connection
    )
        async throws -> Outcome
    {
        if let existing = try await ReminderStore.message(key: key, on: tx) {
            try await ReminderStore.markSuppressed(existing.id, reason: reason, on: tx)
        } else {
            let body =
                (try? await compose(p, key: key, slot, now: now(), on: tx))?.new.body
                ?? "(\(p.kind.rawValue) \(p.audience.rawValue))"
            _ = try await ReminderStore.insert(
                .init(
                    community: slot.community.id, key: key, kind: p.kind, audience: p.audience, volunteer: p.volunteer,
                    resident: p.audience == .resident ? slot.resident?.id : nil,
                    team: p.audience == .team ? slot.teamID : nil, slot: p.slot, slotVersion: slot.version,
                    channel: "outbox", address: nil, body: body),
                suppressed: reason, on: tx)
        }
        return .suppressed(reason)
    }
}
