import Crypto
import Foundation
import LinliDatabase
import LinliDomain
import LinliSettings

/// The keys that seal and open residents' care notes, so that what a coordinator writes about
/// an old person's health is unreadable in the database, its backups and its replicas without a
/// key kept outside them (migration 0019).
///
/// AES-256-GCM (swift-crypto) with a random 96-bit nonce per value; the community and the
/// resident are authenticated with it, so a sealed value copied onto another resident's row
/// does not open. Every value is stored with the number of the key that sealed it: the
/// highest-numbered key seals, the others stay listed only to read (and `rotate`) old values.
public struct CareNotesKeyring: Sendable {
    private let keys: [Int: SymmetricKey]
    /// The key new values are sealed with.
    public let currentKeyID: Int

    /// A keyring of `keys` (at least one).
    public init(keys: [CareNotesKey]) throws {
        guard let current = keys.map(\.id).max() else {
            throw StorageError(code: .careNotesKeyMissing, message: Self.missingMessage)
        }
        var byID: [Int: SymmetricKey] = [:]
        for key in keys {
            guard key.bytes.count == 32 else {
                throw StorageError(
                    code: .careNotesKeyMissing, message: "护理备注密钥 \(key.id) 不是 32 字节 / care notes key \(key.id) is not 32 bytes")
            }
            byID[key.id] = SymmetricKey(data: key.bytes)
        }
        self.keys = byID
        self.currentKeyID = current
    }

    /// The keyring of the settings, or nil when none is configured.
    public init?(settings: LinliSettings) throws {
        if settings.careNotesKeys.isEmpty { return nil }
        try self.init(keys: settings.careNotesKeys)
    }

    /// The numbers of the keys listed, lowest first.
    public var keyIDs: [Int] { keys.keys.sorted() }

    /// A new random key numbered `id`.
    public static func generateKey(id: Int) -> CareNotesKey {
        CareNotesKey(id: id, bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    public static let missingMessage =
        "未配置护理备注密钥（LINLI_CARE_NOTES_KEY_FILE 或 LINLI_CARE_NOTES_KEYS，见 deploy/README.md）/ "
        + "no care notes key is configured (LINLI_CARE_NOTES_KEY_FILE or LINLI_CARE_NOTES_KEYS, see deploy/README.md)"

    /// What binds a value to its row: a sealed value opens only for this community and resident.
    static func associatedData(resident: ID<Resident>, community: ID<Community>) -> Data {
        Data("linli.care_notes.v1|\(community)|\(resident)".utf8)
    }

    /// Seals `text` for `resident` of `community` with the current key.
    public func seal(_ text: String, resident: ID<Resident>, community: ID<Community>) throws -> SealedCareNote {
        // The current key is always in `keys` (init).
        guard let key = keys[currentKeyID] else { throw StorageError(code: .careNotesKeyMissing, message: Self.missingMessage) }
        let box = try AES.GCM.seal(
            Data(text.utf8), using: key, authenticating: Self.associatedData(resident: resident, community: community))
        guard let combined = box.combined else {
            throw StorageError(code: .failed, message: "AES-GCM gave no combined value")
        }
        return SealedCareNote(keyID: currentKeyID, box: combined)
    }

    /// Opens a sealed value of `resident`; a missing key or a value that does not open is an
    /// error naming the resident and the key, never garbage.
    public func open(_ sealed: SealedCareNote, resident: ID<Resident>, community: ID<Community>) throws -> String {
        guard let key = keys[sealed.keyID] else {
            throw StorageError(
                code: .careNotesKeyMissing,
                message:
                    "居民 \(resident) 的护理备注由密钥 \(sealed.keyID) 加密，但配置中只有密钥 \(keyIDs.map(String.init).joined(separator: ", ")) / "
                    + "the care notes of resident \(resident) are sealed with key \(sealed.keyID), which is not configured "
                    + "(configured: \(keyIDs.map(String.init).joined(separator: ", ")))")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.box)
            let data = try AES.GCM.open(
                box, using: key, authenticating: Self.associatedData(resident: resident, community: community))
            guard let text = String(data: data, encoding: .utf8) else { throw CryptoKitError.authenticationFailure }
            return text
        } catch {
            throw StorageError(
                code: .careNotesUnreadable,
                message:
                    "居民 \(resident) 的护理备注无法用密钥 \(sealed.keyID) 解密：密钥不对，或数据被改动或移到了其他居民名下 / "
                    + "the care notes of resident \(resident) do not open with key \(sealed.keyID): the key is wrong, "
                    + "or the value was altered or moved from another resident")
        }
    }
}

/// A care note as stored: the key's number and AES-GCM's nonce, ciphertext and tag.
public struct SealedCareNote: Sendable, Hashable {
    public let keyID: Int
    public let box: Data

    public init(keyID: Int, box: Data) {
        self.keyID = keyID
        self.box = box
    }
}

/// How the care notes of the database are stored: how many are still plain text (from before
/// migration 0019, or written by SQL), and how many are sealed with each key.
public struct CareNotesStatus: Sendable, Hashable, Encodable {
    public var plaintext: Int
    public var sealedByKey: [Int: Int]

    public init(plaintext: Int, sealedByKey: [Int: Int]) {
        self.plaintext = plaintext
        self.sealedByKey = sealedByKey
    }

    public var sealed: Int { sealedByKey.values.reduce(0, +) }
    public var total: Int { plaintext + sealed }

    enum CodingKeys: String, CodingKey {
        case plaintext, sealed
        case sealedByKey = "sealed_by_key"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plaintext, forKey: .plaintext)
        try c.encode(sealed, forKey: .sealed)
        try c.encode(Dictionary(uniqueKeysWithValues: sealedByKey.map { (String($0.key), $0.value) }), forKey: .sealedByKey)
    }
}

/// The care notes of every resident in the transaction's scope at once: status, sealing the
/// plain text left from before migration 0019, re-sealing under the current key. All SQL of
/// these is here; `ResidentStore` seals and opens one resident's notes as it reads and writes.
public struct CareNotesStore: Sendable {
    public init() {}

    public func status(on tx: Connection) async throws -> CareNotesStatus {
        let plaintext: Int = try await tx.query(
            "SELECT count(*)::int AS n FROM residents WHERE care_notes IS NOT NULL"
        ).rows[0].decode("n")
        var byKey: [Int: Int] = [:]
        for row in try await tx.query(
            """
            SELECT care_notes_key_id AS key, count(*)::int AS n FROM residents
            WHERE care_notes_sealed IS NOT NULL GROUP BY care_notes_key_id
            """
        ).rows {
            byKey[try row.decode("key", as: Int.self)] = try row.decode("n")
        }
        return CareNotesStatus(plaintext: plaintext, sealedByKey: byKey)
    }

    /// Seals every plain-text care note (of `community`, or the whole scope) and clears the
    /// plain text; plain text wins over an older sealed value (it was written later, by an
    /// import or by SQL). Answers how many it sealed.
    @discardableResult
    public func sealPlaintext(
        with keyring: CareNotesKeyring, community: ID<Community>? = nil, on tx: Connection
    ) async throws -> Int {
        let rows = try await tx.query(
            """
            SELECT id, community_id, care_notes FROM residents
            WHERE care_notes IS NOT NULL AND (\(community)::uuid IS NULL OR community_id = \(community))
            ORDER BY id FOR UPDATE
            """
        ).rows
        for row in rows {
            let id: ID<Resident> = try row.decode("id")
            let sealed = try keyring.seal(try row.decode("care_notes"), resident: id, community: try row.decode("community_id"))
            try await store(sealed, resident: id, on: tx)
        }
        return rows.count
    }

    /// Opens every value sealed with an older key and seals it again with the current one.
    /// Answers how many it re-sealed; a value that does not open stops it (nothing is changed).
    @discardableResult
    public func rotate(with keyring: CareNotesKeyring, on tx: Connection) async throws -> Int {
        let rows = try await tx.query(
            """
            SELECT id, community_id, care_notes_sealed, care_notes_key_id FROM residents
            WHERE care_notes_sealed IS NOT NULL AND care_notes_key_id <> \(keyring.currentKeyID)
            ORDER BY id FOR UPDATE
            """
        ).rows
        for row in rows {
            let id: ID<Resident> = try row.decode("id")
            let community: ID<Community> = try row.decode("community_id")
            let old = SealedCareNote(keyID: try row.decode("care_notes_key_id"), box: try row.decode("care_notes_sealed"))
            let text = try keyring.open(old, resident: id, community: community)
            try await store(try keyring.seal(text, resident: id, community: community), resident: id, on: tx)
        }
        return rows.count
    }

    /// Drops the plain-text care notes of `community` (the demo loaded without a key).
    @discardableResult
    public func dropPlaintext(community: ID<Community>, on tx: Connection) async throws -> Int {
        try await tx.execute(
            "UPDATE residents SET care_notes = NULL WHERE care_notes IS NOT NULL AND community_id = \(community)")
    }

    private func store(_ sealed: SealedCareNote, resident: ID<Resident>, on tx: Connection) async throws {
        // The notes' content does not change, so neither does the resident's version (ETag).
        try await tx.execute(
            """
            UPDATE residents SET care_notes = NULL, care_notes_sealed = \(sealed.box), care_notes_key_id = \(sealed.keyID)
            WHERE id = \(resident)
            """)
    }
}
