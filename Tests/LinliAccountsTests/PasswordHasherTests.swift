import Foundation
import LinliAccounts
import Testing

@Suite("Argon2id password hashes")
struct PasswordHasherTests {
    let hasher = PasswordHasher()

    @Test("a Chinese password hashes to an Argon2id string that verifies; a wrong one does not")
    func roundTrip() throws {
        let password = Password("邻里守望相助平安幸福安康")
        let hash = try hasher.hash(password)
        #expect(hash.hasPrefix("$argon2id$v=19$m=65536,t=2,p=1$"), "interactive limits: 64 MiB, 2 passes")
        #expect(hasher.verify(password, against: hash))
        #expect(!hasher.verify(Password("邻里守望相助平安幸运安康"), against: hash))
        #expect(!hasher.verify(Password(""), against: hash))
        #expect(try hasher.hash(password) != hash, "a fresh salt each time")
        #expect(!hasher.verify(password, against: "not a hash"))
    }

    @Test("the same characters typed composed or decomposed are the same password (NFC)")
    func normalisation() throws {
        let composed = Password("caf\u{E9}-au-lait-\u{5C45}\u{6C11}")
        let decomposed = Password("cafe\u{301}-au-lait-\u{5C45}\u{6C11}")
        #expect(composed.bytes == decomposed.bytes)
        #expect(hasher.verify(decomposed, against: try hasher.hash(composed)))
    }

    @Test("a 100-byte password is not truncated: passwords differing only after byte 72 are different")
    func noTruncation() throws {
        let common = String(repeating: "x", count: 80)
        let first = Password(common + "AAAAAAAAAAAAAAAAAAAA")
        let second = Password(common + "AAAAAAAAAAAAAAAAAAAB")
        #expect(first.bytes.count == 100 && second.bytes.count == 100)
        let hash = try hasher.hash(first)
        #expect(hasher.verify(first, against: hash))
        #expect(!hasher.verify(second, against: hash), "bcrypt would accept this: it reads only 72 bytes")
    }

    @Test("length rules: at least 12 characters (Unicode scalars), at most 1024 bytes, with bilingual errors")
    func lengthRules() throws {
        let short = #expect(throws: AccountError.self) { try hasher.hash(Password("12345678901")) }
        #expect(short?.code == .invalidPassword)
        #expect(short?.zh.contains("至少需要 12 个字符（现在是 11 个）") == true)
        #expect(short?.en.contains("at least 12 characters (it has 11)") == true)
        _ = try hasher.hash(Password("123456789012"))
        // Four Chinese characters are 12 bytes but only 4 characters: too short.
        #expect(throws: AccountError.self) { try hasher.hash(Password("平安幸福")) }
        // Ten Chinese characters (30 bytes) are no longer enough; twelve (36 bytes) are.
        #expect(throws: AccountError.self) { try hasher.hash(Password("一二三四五六七八九十")) }
        _ = try hasher.hash(Password("一二三四五六七八九十百千"))
        _ = try hasher.hash(Password(String(repeating: "a", count: 1024)))
        let long = #expect(throws: AccountError.self) { try hasher.hash(Password(String(repeating: "长", count: 342))) }
        #expect(long?.en.contains("at most 1024 bytes") == true)
        #expect(long?.zh.contains("最多 1024 字节") == true)
        #expect(throws: AccountError.self) { try Password(utf8: [0x61, 0xFF, 0x62]) }
    }

    @Test("needsRehash: weaker limits, other algorithms and garbage need a new hash; current ones do not")
    func rehash() throws {
        let password = Password("correct horse battery")
        let weak = try PasswordHasher(limits: .minimum).hash(password)
        #expect(hasher.verify(password, against: weak), "verification reads the limits from the hash")
        #expect(hasher.needsRehash(weak))
        #expect(!hasher.needsRehash(try hasher.hash(password)))
        #expect(hasher.needsRehash("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"))
        #expect(hasher.needsRehash(""))
        #expect(PasswordHasher(limits: .moderate).needsRehash(try hasher.hash(password)))
    }
}
