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

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/api/v1/hooks/replies") { request, context in
            try await receive(request, context: context)
        }
    }

    private func problem(_ status: HTTPResponse.Status, _ code: String, _ detail: String) -> Response {
        let body = try? JSONSerialization.data(
            withJSONObject: [
                "type": "about:blank", "title": status.reasonPhrase, "status": status.code, "code": code,
                "detail": detail,
            ], options: [.sortedKeys])
        return Response(
            status: status, headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: .init(bytes: body ?? Data())))
    }

    func receive(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let secret else {
            return problem(.serviceUnavailable, "replies_not_configured", "set LINLI_REPLY_WEBHOOK_SECRET to accept replies")
        }
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let body = Data(buffer.readableBytesView)
        guard
            WebhookSignature.verify(
                signatureHeader: request.headers[Self.signatureHeader], timestampHeader: request.headers[Self.timestampHeader],
                body: body,
                secret: secret, now: Date())
        else {
            return problem(
                .unauthorized, "bad_signature", "the X-Linli-Signature or X-Linli-Timestamp header is missing or wrong")
        }
        let reply: InboundReply
        do {
            reply = try JSONDecoder().decode(InboundReply.self, from: body)
        } catch {
            return problem(
                .badRequest, "malformed_body", "expected JSON {\"from\": phone, \"text\": reply, \"in_reply_to\": key?}")
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
