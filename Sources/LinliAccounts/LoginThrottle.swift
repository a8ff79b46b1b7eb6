import Foundation

/// How many failed sign-ins are tolerated before attempts are refused, and for how long.
///
/// Failures are counted in the last `window`, per login (since its last success) and per
/// client address. Once a count reaches its limit, attempts are refused without looking at the
/// password until `baseDelay` after the last failure; each further failure doubles the delay,
/// up to `maximumDelay`. A refused attempt does not count as a failure, so a person who waits
/// gets in with the right password. The counts live in PostgreSQL (`login_attempts`), so the
/// limit holds across server processes and restarts.
public struct ThrottlePolicy: Sendable, Hashable {
    public var window: Duration
    public var failuresPerLogin: Int
    /// Higher than per login: a community office's staff share one address behind NAT, and
    /// a few typing mistakes each at the start of a shift must not lock the whole office out.
    /// It still stops one address from trying a few guesses on each of many logins.
    public var failuresPerAddress: Int
    public var baseDelay: Duration
    public var maximumDelay: Duration

    public init(
        window: Duration = .seconds(15 * 60), failuresPerLogin: Int = 5, failuresPerAddress: Int = 20,
        baseDelay: Duration = .seconds(60), maximumDelay: Duration = .seconds(15 * 60)
    ) {
        self.window = window
        self.failuresPerLogin = failuresPerLogin
        self.failuresPerAddress = failuresPerAddress
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    public static let standard = ThrottlePolicy()

    /// Seconds until attempts are looked at again after `failures` failures (the last at
    /// `lastFailure`), or 0 when they are not refused.
    func secondsToWait(failures: Int, limit: Int, lastFailure: Date?, now: Date) -> Int {
        guard failures >= limit, let lastFailure else { return 0 }
        let doublings = min(failures - limit, 20)
        let delay = min(Double(baseDelay.components.seconds) * pow(2, Double(doublings)), Double(maximumDelay.components.seconds))
        let remaining = lastFailure.addingTimeInterval(delay).timeIntervalSince(now)
        return remaining > 0 ? Int(remaining.rounded(.up)) : 0
    }
}

/// The key under which a client address's failures are counted: an IPv4 address as it is, an
/// IPv6 address as its /64 (one subscriber's whole network, which one attacker holds), an
/// IPv4-mapped IPv6 address as the IPv4 address. Text that is no address is kept (shortened).
enum ClientAddress {
    static func throttleKey(_ text: String?) -> String? {
        guard var text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") {
            text = String(text[text.index(after: text.startIndex)..<end])
        }
        if let zone = text.firstIndex(of: "%") { text = String(text[..<zone]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return format(family: AF_INET, &v4) }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return String(text.prefix(64)) }
        var bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        for i in 8..<16 { bytes[i] = 0 }
        withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
        return format(family: AF_INET6, &v6).map { $0 + "/64" }
    }

    private static func format<Address>(family: Int32, _ address: inout Address) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = withUnsafeBytes(of: &address) { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
