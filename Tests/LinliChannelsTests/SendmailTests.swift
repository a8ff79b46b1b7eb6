import Foundation
import LinliChannels
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Sendmail")
struct SendmailTests {
    static let message = OutgoingMessage(
        idempotencyKey: "mail-0042", kind: .email, address: "wang.fang@example.cn",
        subject: "明日上门探访提醒：幸福里3号楼 王奶奶（周六 09:00–10:00），请准时到达",
        body: "王芳您好：\n明天（周六）09:00 请到幸福里3号楼502室探访王奶奶。\n回复1确认，回复2请假。\n" + String(repeating: "邻里互助，温暖社区。", count: 20))

    /// A fresh folder with an executable `sendmail` shell script whose body is `script`.
    func fakeSendmail(_ script: String) throws -> (program: String, folder: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("linli-sendmail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let program = folder.appendingPathComponent("sendmail")
        try Data("#!/bin/sh\ncd '\(folder.path)'\n\(script)\n".utf8).write(to: program)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: program.path)
        return (program.path, folder)
    }

    func channel(_ program: String, timeout: Duration = .seconds(10)) -> SendmailChannel {
        SendmailChannel(program: program, from: "邻里 <linli@example.cn>", timeout: timeout)
    }

    /// The headers (unfolded) and the lines of the body of a message as sendmail received it.
    func parse(_ text: String) throws -> (headers: [String: String], bodyLines: [String]) {
        let parts = text.components(separatedBy: "\n\n")
        try #require(parts.count >= 2)
        let unfolded = parts[0].replacingOccurrences(of: "\n ", with: " ")
        var headers: [String: String] = [:]
        for line in unfolded.split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            headers[String(pair[0])] = pair[1].trimmingCharacters(in: .whitespaces)
        }
        let body = parts.dropFirst().joined(separator: "\n\n").split(separator: "\n").map(String.init)
        return (headers, body)
    }

    /// The text of RFC 2047 `=?UTF-8?B?…?=` words separated by spaces.
    func decodeWords(_ value: String) throws -> String {
        var bytes = Data()
        for word in value.split(separator: " ") {
            try #require(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?=") && word.count <= 75)
            bytes.append(try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("the program gets -t -i and an RFC 5322 message: encoded subject, base64 UTF-8 body in 76-character lines")
    func message() async throws {
        let fake = try fakeSendmail(#"printf '%s\n' "$@" > args; cat > message"#)
        defer { try? FileManager.default.removeItem(at: fake.folder) }
        let receipt = try await channel(fake.program).deliver(Self.message)
        #expect(receipt.channel == .email)
        #expect(receipt.providerMessageID == "<mail-0042@linli>")
        let arguments = try String(contentsOf: fake.folder.appendingPathComponent("args"), encoding: .utf8)
        #expect(arguments == "-t\n-i\n")
        let text = try String(contentsOf: fake.folder.appendingPathComponent("message"), encoding: .utf8)
        let (headers, bodyLines) = try parse(text)
        #expect(headers["From"] == "邻里 <linli@example.cn>")
        #expect(headers["To"] == "wang.fang@example.cn")
        #expect(headers["Message-ID"] == "<mail-0042@linli>")
        #expect(headers["MIME-Version"] == "1.0")
        #expect(headers["Content-Type"] == "text/plain; charset=UTF-8")
        #expect(headers["Content-Transfer-Encoding"] == "base64")
        let date = try #require(headers["Date"])
        #expect(
            date.range(of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"#, options: .regularExpression)
                != nil)
        let subject = try #require(headers["Subject"])
        #expect(try decodeWords(subject) == Self.message.subject)
        #expect(text.split(separator: "\n").allSatisfy { $0.utf8.count <= 78 }, "no line is longer than RFC 5322 recommends")
        #expect(bodyLines.count > 2)
        #expect(bodyLines.allSatisfy { $0.count <= 76 })
        let body = try #require(Data(base64Encoded: bodyLines.joined()))
        #expect(String(decoding: body, as: UTF8.self) == Self.message.body)
    }

    @Test(
        "exit 75 (EX_TEMPFAIL) is transient, exit 1 permanent with the program's complaint; a missing program is not configured")
    func exitCodes() async throws {
        let tempfail = try fakeSendmail("cat > /dev/null; echo 'queue directory full' >&2; exit 75")
        defer { try? FileManager.default.removeItem(at: tempfail.folder) }
        let transient = await #expect(throws: ChannelError.self) { try await channel(tempfail.program).deliver(Self.message) }
        #expect(transient?.code == .transient)
        #expect(transient?.description.contains("queue directory full") == true)

        let refused = try fakeSendmail("echo 'wang.fang@example.cn... User unknown' >&2; exit 1")
        defer { try? FileManager.default.removeItem(at: refused.folder) }
        let permanent = await #expect(throws: ChannelError.self) { try await channel(refused.program).deliver(Self.message) }
        #expect(permanent?.code == .permanent)
        #expect(permanent?.description.contains("User unknown") == true)

        let missing = await #expect(throws: ChannelError.self) {
            try await channel("/nonexistent/linli/sendmail").deliver(Self.message)
        }
        #expect(missing?.code == .notConfigured)
    }

    @Test("a program that hangs is killed with its children at the timeout, as a transient failure")
    func timeout() async throws {
        let fake = try fakeSendmail("cat > /dev/null; sleep 60 & echo $! > child; wait")
        defer { try? FileManager.default.removeItem(at: fake.folder) }
        let start = ContinuousClock.now
        let error = await #expect(throws: ChannelError.self) {
            try await channel(fake.program, timeout: .milliseconds(500)).deliver(Self.message)
        }
        #expect(error?.code == .transient)
        // Well below the program's 60 s: it was killed. The margin is wide because on a loaded
        // machine starting and tearing down the process group has taken up to 20 s.
        #expect(ContinuousClock.now - start < .seconds(45))
        let child = try #require(
            Int32(
                try String(contentsOf: fake.folder.appendingPathComponent("child"), encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        try await Task.sleep(for: .milliseconds(200))
        #expect(!isRunning(child), "the program's child was killed too")
        if isRunning(child) { kill(child, SIGKILL) }
    }

    /// Whether `pid` is a live process (a zombie waiting for its reaper is not).
    func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return false
        }
        // "pid (name) S …": the state follows the closing parenthesis.
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    @Test("an address with a line break (header injection) is refused as permanent and nothing runs")
    func headerInjection() async throws {
        let fake = try fakeSendmail("cat > message")
        defer { try? FileManager.default.removeItem(at: fake.folder) }
        for address in [
            "wang@example.cn\nBcc: all@example.cn", "wang@example.cn\r\nSubject: x", "not-an-address", "a@b.cn, c@d.cn",
        ] {
            var message = Self.message
            message.address = address
            let error = await #expect(throws: ChannelError.self) { try await channel(fake.program).deliver(message) }
            #expect(error?.code == .permanent)
        }
        #expect(!FileManager.default.fileExists(atPath: fake.folder.appendingPathComponent("message").path))
    }
}
