import AsyncHTTPClient
import Foundation
import LinliSettings

/// A text message into a WeCom (企业微信) group through the group's robot (群机器人), for patrol
/// and volunteer groups.
///
/// WeCom's documented webhook: `POST <base>?key=<robot key>` with
/// `{"msgtype":"text","text":{"content":…,"mentioned_mobile_list":[…]}}`. WeCom answers HTTP
/// 200 also on failure, with a JSON `errcode`; only errcode 0 is success. The robot key is the
/// message's address (it is per group, so it is data, not configuration) and is never put into
/// an error.
public struct WeComRobotChannel: MessageChannel {
    /// The address of WeCom's robot webhook.
    public static let officialBaseURL = LinliSettings.officialWeComWebhookURL
    /// WeCom's documented limit on the text's length, in UTF-8 bytes.
    public static let contentLimit = 2048
    /// WeCom's errcodes that mean "try again later": -1 system busy, 45009 the robot's rate limit
    /// (20 messages a minute).
    static let transientErrcodes: Set<Int> = [-1, 45009]

    public var kind: ChannelKind { .wecom }
    private let baseURL: String
    private let post: JSONPost

    public init(baseURL: String = officialBaseURL, timeout: Duration = .seconds(10), client: HTTPClient) {
        self.baseURL = baseURL
        self.post = JSONPost(client: client, channel: .wecom, timeout: timeout)
    }

    private struct Payload: Encodable {
        struct Text: Encodable {
            var content: String
            var mentionedMobileList: [String]
            enum CodingKeys: String, CodingKey {
                case content
                case mentionedMobileList = "mentioned_mobile_list"
            }
        }
        var msgtype = "text"
        var text: Text
    }

    /// WeCom's answer: `{"errcode":0,"errmsg":"ok"}` on success.
    private struct Reply: Decodable {
        var errcode: Int
        var errmsg: String?
    }

    public func deliver(_ message: OutgoingMessage) async throws -> DeliveryReceipt {
        try check(message, channel: .wecom)
        let key = message.address.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else {
            throw ChannelError(code: .notConfigured, channel: .wecom, message: "the group has no WeCom robot key")
        }
        let size = message.body.utf8.count
        guard size <= Self.contentLimit else {
            throw ChannelError(
                code: .permanent, channel: .wecom,
                message: "the text has \(size) bytes; a WeCom robot message holds at most \(Self.contentLimit)")
        }
        let body = try JSONPost.encode(Payload(text: .init(content: message.body, mentionedMobileList: message.mentionedMobiles)))
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        let encodedKey = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
        let separator = baseURL.contains("?") ? "&" : "?"
        let answer = try await post.send(
            url: baseURL + separator + "key=" + encodedKey, displayURL: WebhookSMSChannel.withoutQuery(baseURL),
            headers: [("Idempotency-Key", message.idempotencyKey)], body: body)
        guard let reply = answer.decode(Reply.self) else {
            throw ChannelError(
                code: .transient, channel: .wecom, httpStatus: answer.status,
                message: "the answer is not WeCom's JSON: \(ChannelError.excerpt(answer.body))")
        }
        guard reply.errcode == 0 else {
            throw ChannelError(
                code: Self.transientErrcodes.contains(reply.errcode) ? .transient : .permanent, channel: .wecom,
                httpStatus: answer.status,
                message: "WeCom answered errcode \(reply.errcode): \(ChannelError.excerpt(reply.errmsg ?? ""))")
        }
        return DeliveryReceipt(channel: .wecom, httpStatus: answer.status)
    }
}
