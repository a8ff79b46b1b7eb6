import AsyncHTTPClient
import Foundation

/// SMS through a gateway's generic webhook: a signed JSON POST that the gateway turns into a text.
///
/// The request is `{"idempotency_key": …, "text": …, "to": …}` (sorted keys, UTF-8) with the
/// headers `Idempotency-Key`, `X-Linli-Timestamp` and `X-Linli-Signature` (see
/// `WebhookSignature`). The idempotency key is the same on every retry, so a gateway that
/// honours it sends one text however often the worker retries.
public struct WebhookSMSChannel: MessageChannel {
    public var kind: ChannelKind { .sms }
    private let url: String
    private let secret: String
    private let post: JSONPost

    /// - Parameters:
    ///   - url: the gateway's webhook (`https://…`).
    ///   - secret: the shared HMAC secret; never logged nor put into an error.
    ///   - timeout: the longest the whole exchange may take.
    public init(url: String, secret: String, timeout: Duration = .seconds(10), client: HTTPClient) {
        self.url = url
        self.secret = secret
        self.post = JSONPost(client: client, channel: .sms, timeout: timeout)
    }

    private struct Payload: Encodable {
        var to: String
        var text: String
        var idempotencyKey: String
        enum CodingKeys: String, CodingKey {
            case to, text
            case idempotencyKey = "idempotency_key"
        }
    }

    public func deliver(_ message: OutgoingMessage) async throws -> DeliveryReceipt {
        try check(message, channel: .sms)
        let phone = message.address.trimmingCharacters(in: .whitespaces)
        guard !phone.isEmpty else {
            throw ChannelError(code: .permanent, channel: .sms, message: "the message has no phone number")
        }
        let body = try JSONPost.encode(Payload(to: phone, text: message.body, idempotencyKey: message.idempotencyKey))
        let timestamp = Int(Date().timeIntervalSince1970)
        let answer = try await post.send(
            url: url, displayURL: Self.withoutQuery(url),
            headers: [
                ("Idempotency-Key", message.idempotencyKey),
                ("X-Linli-Timestamp", String(timestamp)),
                ("X-Linli-Signature", WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret)),
            ],
            body: body)
        let reply = answer.decode(GatewayReply.self)
        return DeliveryReceipt(
            channel: .sms, providerMessageID: (reply?.id ?? reply?.messageID)?.value, httpStatus: answer.status)
    }

    /// The gateway's answer: its ID for the message under `id` or `message_id`, if any.
    private struct GatewayReply: Decodable {
        var id: ProviderID?
        var messageID: ProviderID?
        enum CodingKeys: String, CodingKey {
            case id
            case messageID = "message_id"
        }
    }

    /// A gateway's message ID, a JSON string or number.
    private struct ProviderID: Decodable {
        var value: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                value = text
            } else {
                value = String(try container.decode(Int64.self))
            }
        }
    }

    /// `url` up to its query, for messages: a query may hold a token.
    static func withoutQuery(_ url: String) -> String {
        String(url.prefix { $0 != "?" })
    }
}

/// Refuses, as permanent, a message whose key or address could break a header: retrying it
/// cannot help.
func check(_ message: OutgoingMessage, channel: ChannelKind) throws {
    guard OutgoingMessage.isValidIdempotencyKey(message.idempotencyKey) else {
        throw ChannelError(
            code: .permanent, channel: channel,
            message:
                "idempotency key '\(ChannelError.excerpt(message.idempotencyKey, limit: 40))' is not 1–128 of A–Z a–z 0–9 - _ .")
    }
    guard !message.address.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
        throw ChannelError(code: .permanent, channel: channel, message: "the address contains a line break or control character")
    }
}
