import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LinliAccounts
import LinliDomain
import LinliStorage
import NIOCore

/// `Idempotency-Key` on the API's writes (POST, PUT, PATCH, DELETE under a community): the first
/// request with a key claims it in PostgreSQL and its final answer is stored; a retry with the
/// same key and the same request (method, path with query, body) gets that answer again, with
/// `Idempotent-Replayed: true`; the same key with a different request is a 422; a retry while the
/// first is still running is a 409. A 5xx (or a failure to answer) frees the key, so the client
/// can retry for real (`IdempotencyReleases` retries the freeing when the database is away at
/// that moment). Keys are scoped to the community and the signed-in user, and kept 24
/// hours. Requests without the header pass through untouched.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    // Constant, valid header names.
    // swift-format-ignore: NeverForceUnwrap
    static let header = HTTPField.Name("Idempotency-Key")!
    // swift-format-ignore: NeverForceUnwrap
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    /// The headers an answer is replayed with (the rest are per request: request id, date).
    static let kept: [HTTPField.Name] = [.contentType, .contentLanguage, .location, .eTag, .allow]
    static let writes: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]

    let store: Store
    let maxBodyBytes: Int
    let problems: ProblemMiddleware
    /// Frees a key now, or retries in the background when the database cannot be reached.
    let releases: IdempotencyReleases
    let keys = IdempotencyStore()

    func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        guard Self.writes.contains(request.method), let key = request.headers[Self.header] else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw Problem.badRequest(
                "invalid_idempotency_key", field: "Idempotency-Key",
                .init("Idempotency-Key 须为 1–255 个可见 ASCII 字符", "Idempotency-Key must be 1–255 visible ASCII characters"))
        }
        let community = try context.requireCommunity()
        var request = request
        let body = try await request.collectBody(upTo: maxBodyBytes)
        var hash = SHA256()
        hash.update(data: Data("\(request.method.rawValue) \(request.uri.path)?\(request.uri.query ?? "")\n".utf8))
        hash.update(data: Data(body.readableBytesView))
        let fingerprint = Data(hash.finalize())
        let claim = try await store.transaction(.community(community.id)) { tx in
            try await keys.claim(
                key: key, fingerprint: fingerprint, community: community.id, user: context.user?.user.id, on: tx)
        }
        switch claim {
        case .inFlight:
            throw Problem(
                .conflict, code: "idempotency_key_in_flight",
                detail: .init(
                    "使用该 Idempotency-Key 的请求仍在处理中，请稍后重试",
                    "A request with this Idempotency-Key is still being processed; retry later"
                ))
        case .mismatch:
            throw Problem(
                .unprocessableContent, code: "idempotency_key_reused",
                detail: .init(
                    "该 Idempotency-Key 已用于另一个请求（方法、地址或内容不同）",
                    "This Idempotency-Key was used for a different request (method, path or body)"))
        case .done(let answer):
            var headers = HTTPFields()
            for (name, value) in answer.headers.sorted(by: { $0.key < $1.key }) {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            headers[Self.replayed] = "true"
            return Response(
                status: .init(code: answer.status), headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        case .claimed(let id):
            let response: Response
            do {
                response = try await next(request, context)
            } catch {
                let answer = ProblemMiddleware.response(for: error, request: request, context: context) {
                    problems.httpProblem($0, request: request)
                }
                return try await finish(id, answer, community: community.id)
            }
            return try await finish(id, response, community: community.id)
        }
    }

    /// Stores a 2xx/4xx answer and returns it (its body read once into memory); frees the key on
    /// anything else. A failure to store frees the key too, then fails the request.
    func finish(_ id: Int64, _ response: Response, community: ID<Community>) async throws -> Response {
        guard (200..<500).contains(response.status.code) else {
            await releases.free(id, community: community)
            return response
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        var headers: [String: String] = [:]
        for name in Self.kept { if let value = response.headers[name] { headers[name.canonicalName] = value } }
        let answer = IdempotencyStore.Answer(
            status: response.status.code, headers: headers, body: Data(collector.buffer.readableBytesView))
        do {
            try await store.transaction(.community(community)) { tx in try await keys.finish(id, answer: answer, on: tx) }
        } catch {
            await releases.free(id, community: community)
            throw error
        }
        var replay = response
        replay.body = .init(byteBuffer: collector.buffer)
        return replay
    }
}

/// Collects a response body into one buffer, so the idempotency middleware can store it.
/// (Hummingbird offers writers to the network only; this is the smallest writer to memory.)
final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
