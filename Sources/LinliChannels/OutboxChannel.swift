/// The channel that sends nothing outside: the message stays in the outbox table, where staff
/// read it and pass it on. The fallback for every kind that is not configured, so a demo
/// without gateways works offline.
public struct OutboxChannel: MessageChannel {
    public var kind: ChannelKind { .outbox }

    public init() {}

    public func deliver(_ message: OutgoingMessage) async throws -> DeliveryReceipt {
        DeliveryReceipt(channel: .outbox)
    }
}
