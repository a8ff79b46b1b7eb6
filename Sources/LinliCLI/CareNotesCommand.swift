import ArgumentParser
import Foundation
import LinliSettings
import LinliStorage

/// `linli care-notes keygen|status|seal|rotate`: the keys that seal residents' care notes.
struct CareNotesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "care-notes", abstract: "Residents' care notes, encrypted at rest: keys, sealing, rotation.",
        discussion: """
            Care notes are sealed (AES-256-GCM) with the highest-numbered key of LINLI_CARE_NOTES_KEY_FILE
            (a file only its owner may read) or LINLI_CARE_NOTES_KEYS; lower-numbered keys are kept to read
            older values. Keep the key file apart from the database's backups: a backup without its key
            cannot show a care note, and a lost key loses them for good.
            """,
        subcommands: [Keygen.self, Status.self, Seal.self, Rotate.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new random key to a key file (mode 0600).",
            discussion: """
                Without --add the file must not exist; it gets key 1. With --add a key numbered one higher
                than the file's highest is appended: it seals from the next start, and `linli care-notes rotate`
                re-seals the older values with it.
                Examples:
                  linli care-notes keygen /etc/linli/care-notes.key
                  linli care-notes keygen --add /etc/linli/care-notes.key && linli care-notes rotate
                """)
        @Argument(help: "The key file.") var file: String
        @Flag(help: "Append a new key to an existing file (rotation).") var add = false

        func run() async throws {
            try await reportingErrors {
                let exists = FileManager.default.fileExists(atPath: file)
                if add {
                    guard exists else { throw ValidationError("\(file) 不存在 / \(file) does not exist (leave out --add)") }
                    let keys = try CareNotesKey.read(file: file)
                    let key = CareNotesKeyring.generateKey(id: (keys.map(\.id).max() ?? 0) + 1)
                    guard let handle = FileHandle(forWritingAtPath: file) else {
                        throw ValidationError("无法写入 \(file) / cannot write \(file)")
                    }
                    try handle.seekToEnd()
                    try handle.write(contentsOf: Data((key.line + "\n").utf8))
                    try handle.close()
                    print(
                        "已加入密钥 \(key.id) / added key \(key.id) to \(file); restart linli-server, then run `linli care-notes rotate`"
                    )
                } else {
                    guard !exists else {
                        throw ValidationError("\(file) 已存在 / \(file) exists already (add a key with --add)")
                    }
                    let key = CareNotesKeyring.generateKey(id: 1)
                    let text = "# Linli care notes keys (NUMBER:BASE64); keep a copy apart from the database backups\n"
                    guard
                        FileManager.default.createFile(
                            atPath: file, contents: Data((text + key.line + "\n").utf8), attributes: [.posixPermissions: 0o600])
                    else { throw ValidationError("无法写入 \(file) / cannot write \(file)") }
                    print("已写入密钥 1 / wrote key 1 to \(file) (mode 0600); set LINLI_CARE_NOTES_KEY_FILE=\(file)")
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How many care notes are sealed (by key) and how many are still plain text.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                try await context.run { context in
                    let status = try await Store(pool: context.pool).transaction(.administrator()) { tx in
                        try await CareNotesStore().status(on: tx)
                    }
                    if json { return try JobsCommand.printJSON(status) }
                    print("plaintext\t\(status.plaintext)")
                    for (key, count) in status.sealedByKey.sorted(by: { $0.key < $1.key }) {
                        print("sealed with key \(key)\t\(count)")
                    }
                    let keyring = try CareNotesKeyring(settings: context.settings)
                    print("configured keys\t\(keyring?.keyIDs.map(String.init).joined(separator: ", ") ?? "none")")
                    if status.plaintext > 0 {
                        print("未加密的护理备注请执行 linli care-notes seal / seal the plain text with `linli care-notes seal`")
                    }
                }
            }
        }
    }

    struct Seal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every care note still stored as plain text, and clear the plain text.",
            discussion: """
                Run it once after `linli migrate` brings migration 0019 (the service reports how many are left).
                Example:
                  LINLI_CARE_NOTES_KEY_FILE=/etc/linli/care-notes.key linli care-notes seal
                """)

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                try await context.run { context in
                    let keyring = try Self.keyring(context.settings)
                    let sealed = try await Store(pool: context.pool).transaction(.administrator()) { tx in
                        try await CareNotesStore().sealPlaintext(with: keyring, on: tx)
                    }
                    print("已加密 \(sealed) 条护理备注 / sealed \(sealed) care note(s) with key \(keyring.currentKeyID)")
                }
            }
        }

        static func keyring(_ settings: LinliSettings) throws -> CareNotesKeyring {
            guard let keyring = try CareNotesKeyring(settings: settings) else {
                throw StorageError(code: .careNotesKeyMissing, message: CareNotesKeyring.missingMessage)
            }
            return keyring
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every care note sealed with an older key under the current (highest) key.",
            discussion: """
                All or nothing, in one transaction. Afterwards `linli care-notes status` shows only the new key,
                and the old key can be removed from the key file.
                Example:
                  linli care-notes keygen --add /etc/linli/care-notes.key && linli care-notes rotate
                """)

        func run() async throws {
            try await reportingErrors {
                let context = try await CommandContext.make()
                try await context.run { context in
                    let keyring = try Seal.keyring(context.settings)
                    let (sealed, rotated) = try await Store(pool: context.pool).transaction(.administrator()) { tx in
                        (
                            try await CareNotesStore().sealPlaintext(with: keyring, on: tx),
                            try await CareNotesStore().rotate(with: keyring, on: tx)
                        )
                    }
                    print(
                        "已用密钥 \(keyring.currentKeyID) 重新加密 \(rotated) 条 / re-sealed \(rotated) care note(s) with key "
                            + "\(keyring.currentKeyID)" + (sealed > 0 ? "; sealed \(sealed) plain-text note(s)" : ""))
                }
            }
        }
    }
}
