import Foundation
import LinliDatabase
import LinliDomain
import LinliJobs
import LinliStorage

/// What a person's reply to a reminder means.
public enum ReplyMeaning: String, Sendable, Codable {
    case confirmed, declined

    /// "1" (or 确认/是/yes) confirms, "2" (or 不能来/不去/no) declines; full-width digits count.
    public init?(text: String) {
        let folded = text.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? text
        let word = folded.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters)).lowercased()
        switch word {
        case "1", "确认", "是", "好", "yes", "y", "ok": self = .confirmed
        case "2", "不能来", "不去", "来不了", "否", "no", "n": self = .declined
        default: return nil
        }
    }
}

/// What Linli did with an inbound reply.
public struct ReplyResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Recorded against the reminder it answers.
        case recorded
        /// Not "1" or "2".
        case notUnderstood = "not_understood"
        /// No recent reminder to that number.
        case noMatchingMessage = "no_matching_message"
    }
    public let status: Status
    public let messageID: Int64?
    public let meaning: ReplyMeaning?
    /// The re-plan job queued for a "cannot come".
    public let replanJobID: Int64?
}

/// What a re-plan job after a "cannot come" reply works on.
public struct DeclinePayload: Sendable, Hashable, Codable {
    public var community: ID<Community>
    public var slot: ID<Slot>
    public var volunteer: ID<Volunteer>
    public var message: Int64
}

/// Inbound replies to reminders ("1" confirm / "2" cannot come), matched to the reminder they
/// answer: by its idempotency key when the gateway passes it, else the latest reminder or
/// change notice sent to that number for a slot that has not started. "Cannot come" queues a
/// re-plan job that finds a replacement and tells the coordinators.
public struct Replies: Sendable {
    public static let replanKind = "roster.replan_after_decline"
    let store: Store

    public init(store: Store) { self.store = store }

    public func receive(from phone: String, text: String, inReplyTo key: String?) async throws -> ReplyResult {
        guard let meaning = ReplyMeaning(text: text) else {
            return ReplyResult(status: .notUnderstood, messageID: nil, meaning: nil, replanJobID: nil)
        }
        return try await store.transaction(.administrator()) { tx in
            let rows = try await ReminderStore.repliableMessage(phone: phone, key: key, on: tx)
            guard let row = rows.first else {
                return ReplyResult(status: .noMatchingMessage, messageID: nil, meaning: meaning, replanJobID: nil)
            }
            let id: Int64 = try row.decode("id")
            try await ReminderStore.recordReply(meaning, message: id, on: tx)
            var job: Int64?
            if meaning == .declined, let volunteer = try row.decode("volunteer_id", as: ID<Volunteer>?.self),
                let slot = try row.decode("slot_id", as: ID<Slot>?.self)
            {
                let community: ID<Community> = try row.decode("community_id")
                let payload = DeclinePayload(community: community, slot: slot, volunteer: volunteer, message: id)
                job = try await JobQueue.enqueue(
                    NewJob(
                        kind: Self.replanKind, payload: payload, uniqueKey: "\(Self.replanKind):\(slot):\(volunteer)",
                        communityID: community, priority: 30),
                    on: tx)
            }
            return ReplyResult(status: .recorded, messageID: id, meaning: meaning, replanJobID: job)
        }
    }
}
