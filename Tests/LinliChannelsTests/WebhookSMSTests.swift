import AsyncHTTPClient
import Foundation
import LinliChannels
import Testing

@Suite("SMS webhook")
struct WebhookSMSTests {
    static let secret = "sms-secret-0123456789"
    static let text = "张阿姨您好：明天（周六）9:00 幸福里3号楼巡逻，回复1确认，回复2请假。"
    static let message = OutgoingMessage(
        idempotencyKey: "msg-7f3a.2", kind: .sms, address: "13800001111", body: text)

    func channel(_ base: String, timeout: Duration = .seconds(5)) -> WebhookSMSChannel {
        WebhookSMSChannel(url: base + "/sms/send", secret: Self.secret, timeout: timeout, client: .shared)
    }

    @Test("the request has the exact JSON body, the idempotency key and a signature that verifies; Chinese arrives intact")
    func request() async throws {
        let (receipt, received) = try await withGateway(answer: { _ in GatewayAnswer(body: #"{"id":"gw-42"}"#) }) { base, log in
            let receipt = try await channel(base).deliver(Self.message)
            return (receipt, await log.requests)
        }
        #expect(receipt.channel == .sms)
        #expect(receipt.providerMessageID == "gw-42")
        #expect(receipt.httpStatus == 200)
        let request = try #require(received.first)
        #expect(received.count == 1)
        #expect(request.method == "POST")
        #expect(request.uri == "/sms/send")
        #expect(request.headers["content-type"] == "application/json; charset=utf-8")
        #expect(request.headers["idempotency-key"] == "msg-7f3a.2")
        #expect(request.bodyText == #"{"idempotency_key":"msg-7f3a.2","text":"\#(Self.text)","to":"13800001111"}"#)
        let timestamp = try #require(request.headers["x-linli-timestamp"].flatMap { Int($0) })
        #expect(abs(Date().timeIntervalSince1970 - Double(timestamp)) < 60)
        #expect(
            WebhookSignature.verify(
                signatureHeader: request.headers["x-linli-signature"], timestampHeader: request.headers["x-linli-timestamp"],
                body: request.body, secret: Self.secret))
        #expect(
            !WebhookSignature.verify(
                signatureHeader: request.headers["x-linli-signature"], timestampHeader: request.headers["x-linli-timestamp"],
                body: request.body, secret: "not-the-secret-0000"))
    }

    @Test(
        "gateway answers are sorted into transient and permanent",
        arguments: [
            (503, ChannelError.Code.transient), (500, .transient), (429, .transient), (408, .transient), (400, .permanent),
            (404, .permanent), (401, .permanent),
        ])
    func classification(status: Int, expected: ChannelError.Code) async throws {
        let answer = String(repeating: "号码格式错误 invalid number ", count: 40)
        let error = try await withGateway(answer: { _ in GatewayAnswer(status: status, body: answer) }) { base, _ in
            await #expect(throws: ChannelError.self) { try await channel(base).deliver(Self.message) }
        }
        #expect(error?.code == expected)
        #expect(error?.httpStatus == status)
        #expect(error?.channel == .sms)
        let description = try #require(error?.description)
        #expect(description.contains("\(status)"))
        #expect(description.contains("号码格式错误"), "the gateway's answer is quoted")
        #expect(description.count < 400, "the answer is cut to about 200 characters")
        #expect(!description.contains(Self.secret))
    }

    @Test("a retry sends the same idempotency key and body after a transient failure")
    func retryKeepsKey() async throws {
        let received = try await withGateway(answer: { GatewayAnswer(status: $0 == 1 ? 503 : 200) }) { base, log in
            let first = await #expect(throws: ChannelError.self) { try await channel(base).deliver(Self.message) }
            #expect(first?.isTransient == true)
            _ = try await channel(base).deliver(Self.message)
            return await log.requests
        }
        #expect(received.count == 2)
        #expect(received.map { $0.headers["idempotency-key"] } == ["msg-7f3a.2", "msg-7f3a.2"])
        #expect(received[0].body == received[1].body)
    }

    @Test("a gateway slower than the timeout is a transient failure, reported in time")
    func timeout() async throws {
        let (error, elapsed) = try await withGateway(answer: { _ in GatewayAnswer(delay: .milliseconds(1500)) }) { base, _ in
            let start = ContinuousClock.now
            let error = await #expect(throws: ChannelError.self) {
                try await channel(base, timeout: .milliseconds(300)).deliver(Self.message)
            }
            return (error, ContinuousClock.now - start)
        }
        #expect(error?.code == .transient)
        #expect(error?.description.contains("within") == true)
        #expect(elapsed < .seconds(2))
    }

    @Test("a refused connection is transient; a message that could break a header is permanent and not sent")
    func refusedAndInvalid() async throws {
        let refused = await #expect(throws: ChannelError.self) {
            try await channel("http://127.0.0.1:1", timeout: .seconds(1)).deliver(Self.message)
        }
        #expect(refused?.code == .transient)
        let received = try await withGateway { base, log in
            var badKey = Self.message
            badKey.idempotencyKey = "key\r\nX-Injected: 1"
            let keyError = await #expect(throws: ChannelError.self) { try await channel(base).deliver(badKey) }
            #expect(keyError?.code == .permanent)
            var badAddress = Self.message
            badAddress.address = "138\n00001111"
            let addressError = await #expect(throws: ChannelError.self) { try await channel(base).deliver(badAddress) }
            #expect(addressError?.code == .permanent)
            return await log.requests
        }
        #expect(received.isEmpty)
    }
}
