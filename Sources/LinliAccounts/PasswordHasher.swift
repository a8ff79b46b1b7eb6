import CSodium
import Foundation

/// A password as the bytes that are hashed: the UTF-8 of what was typed, in Unicode NFC, so
/// the same characters entered with different input methods or systems give the same bytes.
///
/// Length rules for a new password: at least 12 characters (OWASP ASVS 2.1.1) counted as
/// Unicode scalars (so 十二个汉字 is as long as twelve letters, although it is 36 bytes), at most
/// 1024 bytes. Passwords set under the older rule of 10 keep working: only new ones are checked.
/// Argon2id
/// reads every byte; nothing is truncated (unlike bcrypt, which ignores everything after
/// byte 72).
public struct Password: Sendable {
    public static let minimumCharacters = 12
    public static let maximumBytes = 1024

    public let bytes: [UInt8]

    /// A password as typed.
    public init(_ text: String) {
        bytes = Array(text.precomposedStringWithCanonicalMapping.utf8)
    }

    /// A password read as raw bytes (standard input), which must be UTF-8; then NFC.
    public init(utf8 bytes: [UInt8]) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw AccountError(
                code: .invalidPassword, zh: "密码不是 UTF-8 编码的文本（请把终端设为 UTF-8）",
                en: "the password is not UTF-8 text (set the terminal to UTF-8)")
        }
        self.init(text)
    }

    /// Its length in Unicode scalars.
    public var characterCount: Int { String(decoding: bytes, as: UTF8.self).unicodeScalars.count }

    /// Calls `body` with the bytes as C characters and their count (a valid pointer even when
    /// there are none, as libsodium requires).
    func withCBytes(_ body: (UnsafePointer<CChar>, UInt64) -> Int32) -> Int32 {
        let storage = bytes.isEmpty ? [0] : bytes
        return storage.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return -1 }
                return body(base, UInt64(bytes.count))
            }
        }
    }

    /// Throws unless the password may be set as a new password.
    public func validateAsNew() throws {
        if characterCount < Self.minimumCharacters {
            throw AccountError(
                code: .invalidPassword,
                zh: "密码太短：至少需要 \(Self.minimumCharacters) 个字符（现在是 \(characterCount) 个）",
                en: "the password is too short: it needs at least \(Self.minimumCharacters) characters (it has \(characterCount))"
            )
        }
        if bytes.count > Self.maximumBytes {
            throw AccountError(
                code: .invalidPassword,
                zh: "密码太长：最多 \(Self.maximumBytes) 字节（UTF-8，一个汉字占 3 字节；现在是 \(bytes.count) 字节）",
                en: "the password is too long: at most \(Self.maximumBytes) bytes of UTF-8 (it has \(bytes.count))")
        }
    }
}

/// Argon2id password hashes through libsodium (`crypto_pwhash_str_alg`), in the PHC string
/// format (`$argon2id$v=19$m=65536,t=2,p=1$salt$hash`) that carries its own salt and limits.
///
/// Hashing is deliberately slow and memory-hard, and blocks its thread: callers in async code
/// run it on a thread pool (`Authenticator` does).
public struct PasswordHasher: Sendable {
    /// Argon2id's cost: passes over memory and memory in bytes.
    public struct Limits: Sendable, Hashable {
        public var operations: UInt64
        public var memoryBytes: Int
        public init(operations: UInt64, memoryBytes: Int) {
            self.operations = operations
            self.memoryBytes = memoryBytes
        }

        /// libsodium's limits for interactive sign-in: 2 passes over 64 MiB, about 0.1 s on one
        /// core. Linli's choice, because it runs on small servers (2 cores) where a handful of
        /// sign-ins at once must not take gigabytes: `moderate` needs 256 MiB and ~0.7 s per
        /// attempt, which turns a burst of sign-ins into a denial of service. 64 MiB and t=2 are
        /// still well above OWASP's minimum for Argon2id (19 MiB, t=2); the throttle limits
        /// guessing online, and the cost protects the hashes if the database is ever copied.
        public static let interactive = Limits(
            operations: UInt64(crypto_pwhash_opslimit_interactive()), memoryBytes: crypto_pwhash_memlimit_interactive())
        /// libsodium's moderate limits: 3 passes over 256 MiB.
        public static let moderate = Limits(
            operations: UInt64(crypto_pwhash_opslimit_moderate()), memoryBytes: crypto_pwhash_memlimit_moderate())
        /// The smallest limits libsodium accepts (1 pass, 8 KiB); only for tests of `needsRehash`.
        public static let minimum = Limits(
            operations: UInt64(crypto_pwhash_argon2id_opslimit_min()), memoryBytes: crypto_pwhash_argon2id_memlimit_min())
    }

    public let limits: Limits

    public init(limits: Limits = .interactive) {
        self.limits = limits
    }

    /// The Argon2id hash of a new password, with a fresh random salt. Throws `.invalidPassword`
    /// when the password breaks the length rules.
    public func hash(_ password: Password) throws -> String {
        try password.validateAsNew()
        return try hashUnchecked(password)
    }

    /// The hash without the length rules: for hashing again, with new limits, a password that
    /// was accepted under older rules, and for the dummy hash of unknown logins.
    func hashUnchecked(_ password: Password) throws -> String {
        try Sodium.ready()
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_strbytes()))
        let status = password.withCBytes { chars, count in
            crypto_pwhash_str_alg(&out, chars, count, limits.operations, limits.memoryBytes, crypto_pwhash_alg_argon2id13())
        }
        guard status == 0 else { throw AccountError.cryptoFailure("crypto_pwhash_str_alg (out of memory?)") }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` is the one `hash` was made from. False for a malformed hash and for
    /// a password longer than `Password.maximumBytes` (no such password was ever set).
    public func verify(_ password: Password, against hash: String) -> Bool {
        guard (try? Sodium.ready()) != nil, password.bytes.count <= Password.maximumBytes,
            hash.utf8.count < Int(crypto_pwhash_strbytes())
        else { return false }
        return hash.withCString { encoded in
            password.withCBytes { chars, count in crypto_pwhash_str_verify(encoded, chars, count) } == 0
        }
    }

    /// Whether `hash` should be replaced at the next successful sign-in: it is not Argon2id
    /// or was made with other limits than this hasher's.
    public func needsRehash(_ hash: String) -> Bool {
        guard (try? Sodium.ready()) != nil, hash.utf8.count < Int(crypto_pwhash_strbytes()) else { return true }
        return hash.withCString { encoded in
            crypto_pwhash_argon2id_str_needs_rehash(encoded, limits.operations, limits.memoryBytes) != 0
        }
    }
}

/// libsodium's one-time initialisation (`sodium_init`, safe to call from many threads, but
/// called once here through a lazily initialised static).
enum Sodium {
    private static let status: Int32 = sodium_init()

    static func ready() throws {
        guard status >= 0 else { throw AccountError.cryptoFailure("sodium_init") }
    }

    /// `count` bytes from libsodium's CSPRNG (getrandom(2) on Linux).
    static func randomBytes(_ count: Int) throws -> [UInt8] {
        try ready()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return bytes
    }
}
