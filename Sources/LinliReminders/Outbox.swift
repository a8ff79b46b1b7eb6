import Foundation
import LinliDatabase
import LinliDomain
import LinliJobs

/// The messages Linli wrote, newest first: what staff read on the outbox page — sent,
/// failed, held back and why — and what they pass on themselves when no channel is set up.
public struct Outbox: Sendable {
    public init() {}

    public func messages(state: MessageState? = nil, limit: Int = 100, on tx: Connection) async throws -> [MessageRecord] {
        try await ReminderStore.outbox(state: state, limit: max(1, min(limit, 1000)), on: tx)
    }
}

/// Which messages the outbox page lists.
public enum OutboxFilter: String, Sendable, CaseIterable {
    /// Every message.
    case all
    /// Accepted by a channel (the outbox's own included).
    case sent
    /// Refused for good by the gateway.
    case failed
    /// Written, not yet accepted: a gateway that failed for now is tried again later.
    case waiting
    /// Kept back on purpose (quiet hours, the daily cap, no address, the visit cancelled).
    case suppressed
    /// In the outbox channel and not yet passed on by staff: the ones to phone.
    case toPhone = "to_phone"
}

/// A message as the outbox page shows it: the record, who it is for, the visit or shift it is
/// about, the last error, and whether staff passed it on.
public struct OutboxLine: Sendable, Hashable {
    public let message: MessageRecord
    public let lastError: String?
    /// The volunteer's or resident's name, or the patrol team's.
    public let recipient: String?
    /// The person's phone on record (for the messages staff must phone).
    public let recipientPhone: String?
    public let slotStart: Date?
    public let slotEnd: Date?
    public let serviceNameZh: String?
    public let serviceNameEn: String?
    public let passedOnAt: Date?

    /// Whether `Outbox.retry` may try it again: refused, or waiting after a failed attempt.
    public var isRetryable: Bool {
        message.state == .failed || (message.state == .pending && lastError != nil)
    }

    /// Whether staff still have to pass it on themselves (the outbox channel).
    public var isToPhone: Bool { message.channel == "outbox" && message.state == .sent && passedOnAt == nil }
}

/// What became of a retry asked for on the outbox page.
public enum OutboxRetry: Sendable, Equatable {
    /// The message is waiting again and its reminder job is due now.
    case queued
    /// The message is neither failed nor waiting after an error.
    case notRetryable
    /// The reminder job that wrote it is gone (purged): there is nothing to run again.
    case noJob
}

extension Outbox {
    /// The messages of the transaction's community with `filter`, written in [from, to) when
    /// given, newest first, at most `limit` (1–1000).
    public func lines(
        _ filter: OutboxFilter, from: Date? = nil, to: Date? = nil, limit: Int = 200, on tx: Connection
    ) async throws -> [OutboxLine] {
        try await ReminderStore.outboxLines(filter, from: from, to: to, limit: max(1, min(limit, 1000)), on: tx)
    }

    /// Tries a failed message again: it is set waiting, and the reminder job that wrote it is
    /// due again with fresh attempts, so the worker decides anew from live data (a visit since
    /// cancelled or started is not sent) and reuses the message's idempotency key.
    public func retry(_ id: Int64, on tx: Connection) async throws -> OutboxRetry {
        guard let line = try await ReminderStore.outboxLine(id, on: tx) else { return .notRetryable }
        guard line.isRetryable else { return .notRetryable }
        let key = line.message.idempotencyKey
        let jobs = try await ReminderStore.reminderJobs(slot: line.message.slotID, on: tx)
        guard let job = jobs.first(where: { ReminderSender.messageKey($0.uniqueKey) == key }) else { return .noJob }
        try await ReminderStore.requeue(message: id, job: job.id, on: tx)
        try await tx.notify(JobQueue.channel, payload: "retry")
        return .queued
    }

    /// Records that staff passed an outbox message on themselves (phoned the person); false
    /// when it is no outbox message still to pass on.
    public func markPassedOn(_ id: Int64, by user: ID<User>?, on tx: Connection) async throws -> Bool {
        try await ReminderStore.markPassedOn(id, by: user, on: tx)
    }
}
