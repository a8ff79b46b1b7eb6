import Foundation
import HTTPTypes
import Hummingbird
import LinliChannels
import LinliReminders
import LinliStorage

/// The inbound webhook of the SMS gateway: a person's "1" (confirm) or "2" (cannot come)
/// reply to a reminder. Requests are signed like Linli's outbound ones (HMAC-SHA256 over
/// "<timestamp>.<body>" with `LINLI_REPLY_WEBHOOK_SECRET`) and refused otherwise.
struct RepliesController: Sendable {
    let replies: Replies
    let secret: String?

    // Constant, valid header names.
    // swift-format-ignore: NeverForceUnwrap
    static let signatureHeader = HTTPField.Name("X-Linli-Signature")!
    // swift-format-ignore: NeverForceUnwrap
    static let timestampHeader = HTTPField.Name("X-Linli-Timestamp")!

    /// The gateway's JSON body.
    struct InboundReply: Decodable {
        let from: String
        let text: String
        let inReplyTo: String?

        enum CodingKeys: String, CodingKey {
            case from, text
            case inReplyTo = "in_reply_to"
        }
    }

    func addRoutes(to router: Router<APIRequestContext>) {
        router.post("/api/v1/hooks/replies") { request, context in
            try await receive(request, context: context)
        }
    }

    func receive(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let secret else {
            throw Problem(
                .serviceUnavailable, code: "replies_not_configured",
                detail: .init("未配置回复接收：请设置 LINLI_REPLY_WEBHOOK_SECRET", "Set LINLI_REPLY_WEBHOOK_SECRET to accept replies"))
        }
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let body = Data(buffer.readableBytesView)
        guard
            WebhookSignature.verify(
                signatureHeader: request.headers[Self.signatureHeader], timestampHeader: request.headers[Self.timestampHeader],
                body: body,
                secret: secret, now: Date())
        else {
            throw Problem(
                .unauthorized, code: "bad_signature",
                detail: .init(
                    "X-Linli-Signature 或 X-Linli-Timestamp 请求头缺失或不正确",
                    "The X-Linli-Signature or X-Linli-Timestamp header is missing or wrong"))
        }
        let reply: InboundReply
        do {
            reply = try JSONDecoder().decode(InboundReply.self, from: body)
        } catch {
            throw Problem(
                .badRequest, code: "malformed_body",
                detail: .init(
                    "应为 JSON {\"from\": 手机号, \"text\": 回复, \"in_reply_to\": 编号?}",
                    "Expected JSON {\"from\": phone, \"text\": reply, \"in_reply_to\": key?}"))
        }
        let result = try await replies.receive(from: reply.from, text: reply.text, inReplyTo: reply.inReplyTo)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: .init(bytes: try encoder.encode(result))))
    }
}
