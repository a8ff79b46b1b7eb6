import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// One message that would go out, for `linli reminders preview`: when, to whom, through
/// which channel, what it says — or why it would not go out.
public struct PreviewLine: Sendable, Hashable, Codable {
    public let runAt: Date
    public let communityID: ID<Community>
    public let kind: MessageKind
    public let audience: MessageAudience
    public let channel: String?
    public let address: String?
    public let body: String?
    /// "send", or why not: "obsolete: …", "suppressed: …", "deferred until …".
    public let decision: String
}

extension ReminderSender {
    /// What the pending reminders and notices due between `from` and `to` would do, judged
    /// from today's data as if each ran at its time. Sends and writes nothing.
    public func preview(from: Date, to: Date, community: ID<Community>?) async throws -> [PreviewLine] {
        let scope: DataScope = community.map { .community($0) } ?? .administrator()
        return try await store.transaction(scope) { tx in
            var lines: [PreviewLine] = []
            for (runAt, communityID, uniqueKey, payloadText) in try await ReminderStore.pendingReminderJobs(
                from: from, to: to, on: tx)
            {
                let p = try JSONDecoder().decode(ReminderPayload.self, from: Data(payloadText.utf8))
                let key = Self.messageKey(uniqueKey ?? p.key)
                let at = max(runAt, now())
                var line = (
                    channel: String?.none, address: String?.none, body: String?.none,
                    decision: "obsolete: the slot no longer exists"
                )
                if let slot = try await ReminderStore.slotFacts(p.slot, on: tx) {
                    switch try await decide(p, key: key, slot: slot, now: at, on: tx) {
                    case .obsolete(let reason): line.decision = "obsolete: \(reason)"
                    case .suppress(let reason): line.decision = "suppressed: \(reason)"
                    case .deferUntil(let end):
                        let formatter = ISO8601DateFormatter()
                        formatter.timeZone = slot.community.timeZone
                        line.decision = "deferred until \(formatter.string(from: end)) (quiet hours)"
                        // What it will say then.
                        if case .send(let composed) = try await decide(p, key: key, slot: slot, now: end, on: tx) {
                            (line.channel, line.address, line.body) = (
                                composed.new.channel, composed.new.address, composed.new.body
                            )
                        }
                    case .send(let composed):
                        line = (composed.new.channel, composed.new.address, composed.new.body, "send")
                    }
                }
                lines.append(
                    PreviewLine(
                        runAt: runAt, communityID: communityID, kind: p.kind, audience: p.audience, channel: line.channel,
                        address: line.address, body: line.body, decision: line.decision))
            }
            return lines
        }
    }
}
