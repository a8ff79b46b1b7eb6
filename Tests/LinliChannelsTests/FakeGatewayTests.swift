import AsyncHTTPClient
import Foundation
import LinliChannels
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Benchmarks/fake-gateway.py, the stand-in gateway of crash harnesses, agrees with the channels.
@Suite("fake-gateway.py")
struct FakeGatewayTests {
    @Test("the fake gateway checks Linli's signatures, logs keys and fails every Nth request as told")
    func fakeGateway() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-gateway-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("requests.jsonl")
        let secret = "fake-gateway-secret-1"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", repositoryRoot.appendingPathComponent("Benchmarks/fake-gateway.py").path, "--port", "0", "--log", log.path,
            "--secret", secret, "--fail-every", "2",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            // SIGKILL: Foundation's Process passes the spawning thread's blocked signals (SIGTERM
            // among them) to the child, so terminate() may never arrive.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // The gateway prints its port when it listens.
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            try #require(!chunk.isEmpty, "fake-gateway.py exited before printing its port")
            printed.append(chunk)
        }
        let port = try #require(Int(String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let base = "http://127.0.0.1:\(port)"

        let sms = WebhookSMSChannel(url: base + "/sms", secret: secret, timeout: .seconds(30), client: .shared)
        let message = OutgoingMessage(idempotencyKey: "fg-1", kind: .sms, address: "13800001111", body: "回复1确认，回复2请假")
        let first = try await sms.deliver(message)
        #expect(first.providerMessageID == "1")
        let second = await #expect(throws: ChannelError.self) { try await sms.deliver(message) }
        #expect(second?.code == .transient)
        #expect(second?.httpStatus == 503)
        let wecom = WeComRobotChannel(baseURL: base + "/cgi-bin/webhook/send", timeout: .seconds(30), client: .shared)
        let robot = try await wecom.deliver(
            OutgoingMessage(idempotencyKey: "fg-2", kind: .wecom, address: "robot-key", body: "巡逻提醒"))
        #expect(robot.channel == .wecom)

        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let entries = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(entries.map { $0["idempotency_key"] as? String } == ["fg-1", "fg-1", "fg-2"])
        #expect(entries[0]["signature_valid"] as? Bool == true)
        #expect(entries[1]["signature_valid"] as? Bool == true)
        #expect(entries[0]["body"] as? String == #"{"idempotency_key":"fg-1","text":"回复1确认，回复2请假","to":"13800001111"}"#)
        #expect((entries[2]["path"] as? String)?.hasSuffix("webhook/send?key=robot-key") == true)
    }
}
