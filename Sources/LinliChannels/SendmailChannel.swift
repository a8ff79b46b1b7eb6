import Foundation
import Subprocess
import SystemPackage

/// E-mail through the machine's sendmail-compatible program (Postfix, Exim, msmtp, …), which
/// owns the mail queue, retries and relaying.
///
/// Runs `<program> -t -i` with an RFC 5322 message on its standard input: a base64 UTF-8 text
/// body, the subject as RFC 2047 encoded words, `Message-ID: <idempotencyKey@linli>` (so a
/// message sent twice after a crash is recognisably the same one). Exit 75 (EX_TEMPFAIL) and a
/// timeout are transient; other exit codes are permanent.
public struct SendmailChannel: MessageChannel {
    public static let defaultProgram = "/usr/sbin/sendmail"
    /// The subject of a message that has none.
    public static let defaultSubject = "邻里提醒 · Linli reminder"

    public var kind: ChannelKind { .email }
    private let program: String
    private let from: String
    private let timeout: Duration

    /// - Parameters:
    ///   - program: the sendmail-compatible program, an absolute path.
    ///   - from: the `From:` mailbox, e.g. `邻里 <linli@example.cn>` or `linli@example.cn`.
    ///   - timeout: how long the program may run before it is killed (with its children).
    public init(program: String = defaultProgram, from: String, timeout: Duration = .seconds(10)) {
        self.program = program
        self.from = from
        self.timeout = timeout
    }

    public func deliver(_ message: OutgoingMessage) async throws -> DeliveryReceipt {
        try check(message, channel: .email)
        let to = message.address.trimmingCharacters(in: .whitespaces)
        guard MailMessage.isPlausibleAddress(to) else {
            throw ChannelError(
                code: .permanent, channel: .email, message: "'\(ChannelError.excerpt(to, limit: 80))' is not an e-mail address")
        }
        guard MailMessage.isPlausibleAddress(from) else {
            throw ChannelError(code: .notConfigured, channel: .email, message: "the From: address is not an e-mail address")
        }
        let text = MailMessage.compose(
            from: from, to: to, subject: message.subject ?? Self.defaultSubject, body: message.body,
            messageID: "<\(message.idempotencyKey)@linli>", date: Date())
        let input = try Self.inputFile(Array(text.utf8))
        defer { try? input.close() }
        let program = self.program
        let outcome: (status: TerminationStatus, errors: String)?
        do {
            outcome = try await withTimeout(timeout) { try await Self.run(program, input: input) }
        } catch let error as CancellationError {
            throw error
        } catch {
            throw ChannelError(code: .notConfigured, channel: .email, message: "cannot run \(program): \(error)")
        }
        guard let outcome else {
            throw ChannelError(
                code: .transient, channel: .email, message: "\(program) did not finish within \(timeout); it was stopped")
        }
        let said = outcome.errors.isEmpty ? "" : ": " + ChannelError.excerpt(outcome.errors)
        switch outcome.status {
        case .exited(0):
            return DeliveryReceipt(channel: .email, providerMessageID: "<\(message.idempotencyKey)@linli>")
        case .exited(75):
            throw ChannelError(code: .transient, channel: .email, message: "\(program) exited 75 (EX_TEMPFAIL)\(said)")
        case .exited(let code):
            throw ChannelError(code: .permanent, channel: .email, message: "\(program) exited \(code)\(said)")
        case .signaled(let signal):
            throw ChannelError(code: .transient, channel: .email, message: "\(program) was killed by signal \(signal)\(said)")
        }
    }

    /// Runs the program in a session of its own, so that a timeout stops it and its children,
    /// and keeps the first kilobyte of what it writes to standard error.
    private static func run(_ program: String, input: FileDescriptor) async throws -> (TerminationStatus, String) {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(500))]
        let result = try await Subprocess.run(
            .path(FilePath(program)), arguments: ["-t", "-i"], platformOptions: options,
            input: .fileDescriptor(input, closeAfterSpawningProcess: false), output: .discarded, error: .sequence
        ) { execution in
            var kept: [UInt8] = []
            for try await buffer in execution.standardError where kept.count < 1024 {
                buffer.withUnsafeBytes { bytes in kept.append(contentsOf: bytes.prefix(1024 - kept.count)) }
            }
            return kept
        }
        return (result.terminationStatus, String(decoding: result.closureResult, as: UTF8.self))
    }

    /// The message in an unlinked temporary file, read by the program as its standard input.
    /// A file rather than a pipe: a program that exits without reading cannot make Linli's
    /// write fail (or raise SIGPIPE), so its exit code is always the verdict.
    private static func inputFile(_ bytes: [UInt8]) throws -> FileDescriptor {
        let path = FilePath(FileManager.default.temporaryDirectory.appendingPathComponent("linli-mail-\(UUID().uuidString)").path)
        do {
            let descriptor = try FileDescriptor.open(
                path, .readWrite, options: [.create, .exclusiveCreate, .closeOnExec], permissions: [.ownerReadWrite])
            defer { try? FileManager.default.removeItem(atPath: path.string) }
            do {
                _ = try descriptor.writeAll(bytes)
                _ = try descriptor.seek(offset: 0, from: .start)
            } catch {
                try? descriptor.close()
                throw error
            }
            return descriptor
        } catch {
            throw ChannelError(
                code: .transient, channel: .email, message: "cannot write the message to a temporary file: \(error)")
        }
    }
}

/// Builds the text of one plain-text e-mail. Written here because neither Foundation nor the
/// server packages Linli uses compose mail; the rules are RFC 5322 (headers), RFC 2045
/// (base64 body, 76-character lines) and RFC 2047 (non-ASCII subject).
enum MailMessage {
    /// The whole message, LF line endings as sendmail expects on its input.
    static func compose(from: String, to: String, subject: String, body: String, messageID: String, date: Date) -> String {
        let encodedBody = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
        return [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(encodedWords(subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            encodedBody,
            "",
        ].joined(separator: "\n")
    }

    /// `=?UTF-8?B?…?=` words of at most 39 bytes of text each (64 characters: with `Subject: `
    /// in front the line stays under 78), never splitting a character, folded onto
    /// continuation lines.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk = []
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 39 { flush() }
            chunk.append(contentsOf: bytes)
        }
        flush()
        return words.isEmpty ? "" : words.joined(separator: "\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// One `local@domain` (optionally as `Name <local@domain>`), without anything that could
    /// end a header line.
    static func isPlausibleAddress(_ address: String) -> Bool {
        guard !address.isEmpty, address.count <= 320,
            !address.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            !address.contains(",")
        else { return false }
        let mailbox = address.split(separator: "<").last.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "> ")) } ?? ""
        let parts = mailbox.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !mailbox.contains(" ")
    }
}
