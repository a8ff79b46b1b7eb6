import LinliDatabase

/// The messages Linli wrote, newest first: what staff read on the outbox page — sent,
/// failed, held back and why — and what they pass on themselves when no channel is set up.
public struct Outbox: Sendable {
    public init() {}

    public func messages(state: MessageState? = nil, limit: Int = 100, on tx: Connection) async throws -> [MessageRecord] {
        try await ReminderStore.outbox(state: state, limit: max(1, min(limit, 1000)), on: tx)
    }
}
