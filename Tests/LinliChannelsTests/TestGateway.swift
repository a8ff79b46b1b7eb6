import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// One request as the test gateway received it.
struct ReceivedRequest: Sendable {
    var method: String
    /// The path with its query.
    var uri: String
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// How the test gateway answers one request.
struct GatewayAnswer: Sendable {
    var status: Int = 200
    var body: String = #"{"id":"42"}"#
    var delay: Duration = .zero
}

/// What the gateway has received so far.
actor GatewayLog {
    private(set) var requests: [ReceivedRequest] = []
    func append(_ request: ReceivedRequest) -> Int {
        requests.append(request)
        return requests.count
    }
}

/// Runs a real HTTP server on 127.0.0.1 (a free port) for the duration of `body`; it records
/// every POST and answers the n-th (from 1) with `answer(n)`. `body` gets `http://127.0.0.1:PORT`.
func withGateway<T: Sendable>(
    answer: @escaping @Sendable (Int) -> GatewayAnswer = { _ in GatewayAnswer() },
    _ body: @escaping @Sendable (String, GatewayLog) async throws -> T
) async throws -> T {
    let log = GatewayLog()
    let router = Router()
    router.post("**") { request, _ -> Response in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let number = await log.append(
            ReceivedRequest(
                method: "\(request.method)", uri: request.uri.description, headers: headers, body: Array(buffer: bytes)))
        let reply = answer(number)
        if reply.delay > .zero { try? await Task.sleep(for: reply.delay) }
        return Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: reply.body)))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    return try await app.test(.live) { client in
        guard let port = client.port else { throw CancellationError() }
        return try await body("http://127.0.0.1:\(port)", log)
    }
}

/// The folder of the checkout (for Benchmarks/fake-gateway.py).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
