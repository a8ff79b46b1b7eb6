import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LinliAPI
import LinliChannels
import LinliDatabase
import LinliSettings
import LinliStorage
import LinliTestSupport
import Prometheus
import Testing

@Suite("The SMS replies webhook")
struct RepliesWebhookTests {
    static let secret = "test-reply-secret-0123456789"

    func signed(_ body: String, secret: String = RepliesWebhookTests.secret, at time: Date = Date()) -> HTTPFields {
        let timestamp = Int(time.timeIntervalSince1970)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let signature = HTTPField.Name("X-Linli-Signature"), let stamp = HTTPField.Name("X-Linli-Timestamp") {
            headers[signature] = WebhookSignature.sign(body: Data(body.utf8), timestamp: timestamp, secret: secret)
            headers[stamp] = "\(timestamp)"
        }
        return headers
    }

    @Test("only signed replies are accepted; an unconfigured webhook says what to set")
    func signatures() async throws {
        try await TestDatabase.withDatabase { _, configuration in
            let body = #"{"from":"13800000000","text":"1"}"#
            for secret in [Self.secret, nil] {
                let settings = LinliSettings(
                    databaseURL: configuration.connectionString, httpPort: 0, replyWebhookSecret: secret)
                let dependencies = try APIDependencies.live(
                    settings: settings, metrics: PrometheusCollectorRegistry(), logger: TestDatabase.logger)
                let app = buildApplication(settings: settings, dependencies: dependencies, logger: TestDatabase.logger)
                try await app.test(.router) { client in
                    try await client.execute(
                        uri: "/api/v1/hooks/replies", method: .post, headers: signed(body), body: ByteBuffer(string: body)
                    ) { response in
                        if secret == nil {
                            #expect(response.status == .serviceUnavailable)
                            #expect(String(buffer: response.body).contains("LINLI_REPLY_WEBHOOK_SECRET"))
                        } else {
                            #expect(response.status == .ok)
                            #expect(String(buffer: response.body).contains("\"status\":\"no_matching_message\""))
                        }
                    }
                    guard secret != nil else { return }
                    try await client.execute(
                        uri: "/api/v1/hooks/replies", method: .post, headers: signed(body, secret: "wrong-secret-0123456789"),
                        body: ByteBuffer(string: body)
                    ) { response in
                        #expect(response.status == .unauthorized)
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                    try await client.execute(
                        uri: "/api/v1/hooks/replies", method: .post, headers: signed(body, at: Date() - 3600),
                        body: ByteBuffer(string: body)
                    ) { response in #expect(response.status == .unauthorized) }
                    let broken = #"{"from": 1}"#
                    try await client.execute(
                        uri: "/api/v1/hooks/replies", method: .post, headers: signed(broken), body: ByteBuffer(string: broken)
                    ) { response in
                        #expect(response.status == .badRequest)
                        #expect(String(buffer: response.body).contains("malformed_body"))
                    }
                }
                await dependencies.pool.shutdown()
            }
        }
    }
}
