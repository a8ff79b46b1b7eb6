import AsyncHTTPClient
import Foundation
import LinliChannels
import Testing

@Suite("WeCom group robot")
struct WeComRobotTests {
    static let message = OutgoingMessage(
        idempotencyKey: "wecom-1", kind: .wecom, address: "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa",
        body: "三老巡逻队：今晚 19:30 东门集合，请带好袖章。", mentionedMobiles: ["13800001111", "13900002222"])

    func channel(_ base: String, timeout: Duration = .seconds(5)) -> WeComRobotChannel {
        WeComRobotChannel(baseURL: base + "/cgi-bin/webhook/send", timeout: timeout, client: .shared)
    }

    @Test("the request is WeCom's documented text message, to the robot key's address")
    func body() async throws {
        let (receipt, received) = try await withGateway(answer: { _ in GatewayAnswer(body: #"{"errcode":0,"errmsg":"ok"}"#) }) {
            base, log in (try await channel(base).deliver(Self.message), await log.requests)
        }
        #expect(receipt.channel == .wecom)
        #expect(receipt.httpStatus == 200)
        let request = try #require(received.first)
        #expect(request.uri == "/cgi-bin/webhook/send?key=693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa")
        #expect(request.headers["content-type"] == "application/json; charset=utf-8")
        #expect(
            request.bodyText
                == #"{"msgtype":"text","text":{"content":"三老巡逻队：今晚 19:30 东门集合，请带好袖章。","mentioned_mobile_list":["13800001111","13900002222"]}}"#
        )
    }

    @Test(
        "an errcode in an HTTP 200 answer decides: 45009 and -1 are transient, others permanent",
        arguments: [
            (#"{"errcode":45009,"errmsg":"api freq out of limit"}"#, ChannelError.Code.transient),
            (#"{"errcode":-1,"errmsg":"system busy"}"#, .transient),
            (#"{"errcode":93000,"errmsg":"invalid webhook url"}"#, .permanent),
            (#"{"errcode":40008,"errmsg":"invalid message type"}"#, .permanent),
            ("<html>proxy error</html>", .transient),
        ])
    func errcodes(answer: String, expected: ChannelError.Code) async throws {
        let error = try await withGateway(answer: { _ in GatewayAnswer(body: answer) }) { base, _ in
            await #expect(throws: ChannelError.self) { try await channel(base).deliver(Self.message) }
        }
        #expect(error?.code == expected)
        #expect(error?.httpStatus == 200)
        #expect(error?.description.contains(Self.message.address) == false, "the robot key is a secret")
    }

    @Test("HTTP failures are classified like the SMS webhook's; a group without a key and a text over 2048 bytes are not sent")
    func refusals() async throws {
        let received = try await withGateway(answer: { GatewayAnswer(status: $0 == 1 ? 502 : 403, body: "") }) { base, log in
            let badGateway = await #expect(throws: ChannelError.self) { try await channel(base).deliver(Self.message) }
            #expect(badGateway?.code == .transient)
            let forbidden = await #expect(throws: ChannelError.self) { try await channel(base).deliver(Self.message) }
            #expect(forbidden?.code == .permanent)
            var noKey = Self.message
            noKey.address = " "
            let noKeyError = await #expect(throws: ChannelError.self) { try await channel(base).deliver(noKey) }
            #expect(noKeyError?.code == .notConfigured)
            var long = Self.message
            long.body = String(repeating: "巡", count: 683)  // 2049 bytes
            let longError = await #expect(throws: ChannelError.self) { try await channel(base).deliver(long) }
            #expect(longError?.code == .permanent)
            return await log.requests.count
        }
        #expect(received == 2)
    }
}
