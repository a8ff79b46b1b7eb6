import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Runs `operation`; if `timeout` passes first, cancels it and returns nil.
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { return nil }
        return first
    }
}

/// The answer of an HTTP gateway: its status and the start of its body.
struct HTTPAnswer: Sendable {
    var status: Int
    var body: String

    /// The answer decoded from JSON, if it has that shape.
    func decode<T: Decodable>(_ type: T.Type) -> T? {
        try? JSONDecoder().decode(type, from: Data(body.utf8))
    }
}

/// One JSON POST to a gateway under one timeout for the whole exchange (connect, send, read
/// the answer), with failures sorted into transient and permanent the same way for every HTTP
/// channel. AsyncHTTPClient's own deadline stops at the response head, hence the outer timeout.
struct JSONPost: Sendable {
    /// Most bytes of an answer kept; gateways answer a few hundred.
    static let answerLimit = 64 * 1024

    let client: HTTPClient
    let channel: ChannelKind
    let timeout: Duration

    /// Sends `body` to `url`. `displayURL` names the gateway in errors: without the query,
    /// where keys live.
    func send(url: String, displayURL: String, headers: [(String, String)], body: [UInt8]) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let client = self.client
        let prepared = request
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let answer: HTTPAnswer?
        do {
            answer = try await withTimeout(timeout) {
                let response = try await client.execute(prepared, deadline: deadline)
                var collected = ByteBuffer()
                for try await chunk in response.body where collected.readableBytes < Self.answerLimit {
                    var chunk = chunk
                    collected.writeBuffer(&chunk)
                }
                return HTTPAnswer(status: Int(response.status.code), body: String(buffer: collected))
            }
        } catch let error as HTTPClientError where Self.isAddressError(error) {
            throw ChannelError(
                code: .notConfigured, channel: channel, message: "the gateway address \(displayURL) is not usable: \(error)")
        } catch let error as CancellationError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw timedOut(displayURL)
        } catch {
            throw ChannelError(code: .transient, channel: channel, message: "cannot reach \(displayURL): \(error)")
        }
        guard let answer else { throw timedOut(displayURL) }
        if let code = Self.failure(status: answer.status) {
            throw ChannelError(
                code: code, channel: channel, httpStatus: answer.status,
                message: "\(displayURL) answered \(answer.status): \(ChannelError.excerpt(answer.body))")
        }
        return answer
    }

    /// nil for success (2xx); transient for 408, 429 and 5xx; permanent for the rest.
    static func failure(status: Int) -> ChannelError.Code? {
        switch status {
        case 200...299: nil
        case 408, 429, 500...599: .transient
        default: .permanent
        }
    }

    private func timedOut(_ displayURL: String) -> ChannelError {
        ChannelError(code: .transient, channel: channel, message: "no answer from \(displayURL) within \(timeout)")
    }

    private static func isAddressError(_ error: HTTPClientError) -> Bool {
        ["Invalid URL", "Empty host", "Empty scheme", "Unsupported scheme"].contains(error.shortDescription)
    }

    /// A JSON body with sorted keys and UTF-8 text as it is (no `\u` escapes), so that the
    /// bytes are predictable for a signature and readable in a gateway's log.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}
