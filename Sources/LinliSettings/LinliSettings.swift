import Configuration
import Foundation
import Logging
import SystemPackage

/// Every setting of the three programs in one typed value, read once at start-up.
///
/// Read through swift-configuration from environment variables, optionally backed by an
/// environment file named in `LINLI_ENV_FILE` (the same `KEY=value` format systemd's
/// `EnvironmentFile=` reads). Real environment variables win over the file. Every setting is
/// documented in `deploy/env.example`; defaults are safe for development on one machine.
public struct LinliSettings: Sendable {
    /// libpq connection string or URI; nil means libpq reads the `PG*` variables. Secret.
    public var databaseURL: String?
    /// libpq connection string or URI of a read replica for the service's reports (hours and
    /// participation); nil: the reports read the primary like everything else. Secret.
    public var databaseReportsURL: String? = nil
    /// Largest number of connections one process opens.
    public var databasePoolSize: Int
    /// How long a request waits for a free connection before failing.
    public var databaseAcquireTimeoutSeconds: Double
    /// The longest one SQL statement of the HTTP service may run; 0 leaves the server's setting.
    public var databaseStatementTimeoutSeconds: Double
    /// The role the service and worker sessions run as (row-level security applies to it);
    /// empty keeps the login role.
    public var databaseRole: String?
    /// The role the worker's sessions run as instead of `databaseRole`: `linli_worker` can do
    /// what `linli_app` can except read residents' care notes; empty keeps the login role.
    public var workerDatabaseRole: String?
    /// Address the HTTP service binds to (loopback by default; put nginx in front).
    public var httpHost: String
    public var httpPort: Int
    /// Largest request body the service accepts, in bytes.
    public var httpMaxBodyBytes: Int
    public var logLevel: Logger.Level
    /// Folder of `NNNN_name.sql` files; nil means search next to the program and the checkout.
    public var migrationsDirectory: String?
    /// Time zone for sessions, the week's boundaries and display.
    public var timeZone: String
    /// How often the worker records that it is alive.
    public var workerHeartbeatSeconds: Double
    /// A name for this process in logs and the worker heartbeat table.
    public var instanceName: String
    /// Jobs one worker process runs at once.
    public var workerConcurrency: Int
    /// Days finished jobs are kept before the daily purge deletes them.
    public var jobRetentionDays: Int
    /// How long a claimed job stays with its worker without a heartbeat; a job of a worker
    /// that died runs again elsewhere after this.
    public var jobLeaseSeconds: Double
    /// The SMS gateway's webhook; nil: text messages stay in the outbox.
    public var smsWebhookURL: String?
    /// The HMAC secret that signs requests to the SMS webhook. Secret.
    public var smsWebhookSecret: String?
    /// The longest one delivery (HTTP exchange or sendmail run) may take.
    public var channelTimeoutSeconds: Double
    /// The WeCom group robot webhook's base address (the robot key of each group is data);
    /// nil (`off`): WeCom messages stay in the outbox.
    public var wecomWebhookURL: String?
    /// A sendmail-compatible program; nil: e-mail stays in the outbox.
    public var sendmailPath: String?
    /// The `From:` of e-mail; required with `sendmailPath`.
    public var mailFrom: String?
    /// The HMAC secret gateways sign reply webhooks with; nil: replies are refused. Secret.
    public var replyWebhookSecret: String?
    /// Whether the sign-in cookie carries `Secure` (sent only over HTTPS): on behind an HTTPS
    /// proxy, off for plain-HTTP development on loopback.
    public var cookieSecure: Bool
    /// The keys that seal residents' care notes (`LINLI_CARE_NOTES_KEY_FILE`,
    /// `LINLI_CARE_NOTES_KEYS`); the highest-numbered one seals, the others are read only.
    /// Empty: no care note can be written, and the service will not start while any exists. Secret.
    public var careNotesKeys: [CareNotesKey]
    /// Whether administrators and coordinators must have a confirmed TOTP second factor: until
    /// they enrol, a password sign-in lets them do nothing but enrol. On unless
    /// `LINLI_REQUIRE_SECOND_FACTOR=false` (the demo of `deploy/up.sh` turns it off).
    public var requireSecondFactor: Bool

    public init(
        databaseURL: String? = nil, databasePoolSize: Int = 10, databaseAcquireTimeoutSeconds: Double = 10,
        databaseStatementTimeoutSeconds: Double = 30,
        databaseRole: String? = "linli_app", workerDatabaseRole: String? = "linli_worker",
        httpHost: String = "127.0.0.1", httpPort: Int = 8080, httpMaxBodyBytes: Int = 2 * 1024 * 1024,
        logLevel: Logger.Level = .info, migrationsDirectory: String? = nil, timeZone: String = "Asia/Shanghai",
        workerHeartbeatSeconds: Double = 10, instanceName: String = LinliSettings.defaultInstanceName(),
        workerConcurrency: Int = 4, jobRetentionDays: Int = 30, jobLeaseSeconds: Double = 60,
        smsWebhookURL: String? = nil, smsWebhookSecret: String? = nil, channelTimeoutSeconds: Double = 10,
        wecomWebhookURL: String? = LinliSettings.officialWeComWebhookURL, sendmailPath: String? = nil, mailFrom: String? = nil,
        replyWebhookSecret: String? = nil, cookieSecure: Bool = false, careNotesKeys: [CareNotesKey] = [],
        requireSecondFactor: Bool = true
    ) {
        self.databaseURL = databaseURL
        self.databasePoolSize = databasePoolSize
        self.databaseAcquireTimeoutSeconds = databaseAcquireTimeoutSeconds
        self.databaseStatementTimeoutSeconds = databaseStatementTimeoutSeconds
        self.databaseRole = databaseRole
        self.workerDatabaseRole = workerDatabaseRole
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.httpMaxBodyBytes = httpMaxBodyBytes
        self.logLevel = logLevel
        self.migrationsDirectory = migrationsDirectory
        self.timeZone = timeZone
        self.workerHeartbeatSeconds = workerHeartbeatSeconds
        self.instanceName = instanceName
        self.workerConcurrency = workerConcurrency
        self.jobRetentionDays = jobRetentionDays
        self.jobLeaseSeconds = jobLeaseSeconds
        self.smsWebhookURL = smsWebhookURL
        self.smsWebhookSecret = smsWebhookSecret
        self.channelTimeoutSeconds = channelTimeoutSeconds
        self.wecomWebhookURL = wecomWebhookURL
        self.sendmailPath = sendmailPath
        self.mailFrom = mailFrom
        self.replyWebhookSecret = replyWebhookSecret
        self.cookieSecure = cookieSecure
        self.careNotesKeys = careNotesKeys
        self.requireSecondFactor = requireSecondFactor
    }

    /// WeCom's group robot webhook, the default of `LINLI_WECOM_WEBHOOK_URL`.
    public static let officialWeComWebhookURL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"

    /// The variables whose values swift-configuration treats as secrets (redacted when printed).
    static let secretVariables: Set<String> = [
        "DATABASE_URL", "LINLI_DATABASE_REPORTS_URL", "LINLI_SMS_WEBHOOK_SECRET", "LINLI_REPLY_WEBHOOK_SECRET",
        "LINLI_CARE_NOTES_KEYS",
    ]

    public static func defaultInstanceName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Reads the settings of this process: its environment, and the file in `LINLI_ENV_FILE` if set.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> LinliSettings {
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secretVariables))
        ]
        if let file = environment["LINLI_ENV_FILE"], !file.isEmpty {
            do {
                providers.append(
                    try await EnvironmentVariablesProvider(
                        environmentFilePath: FilePath(file), secretsSpecifier: .specific(secretVariables)))
            } catch {
                throw SettingsError(variable: "LINLI_ENV_FILE", problem: "cannot read '\(file)': \(error)")
            }
        }
        return try LinliSettings(reader: ConfigReader(providers: providers))
    }

    /// Reads and checks every setting; a bad value is an error naming its variable.
    public init(reader: ConfigReader) throws {
        let defaults = LinliSettings()
        func text(_ key: ConfigKey, secret: Bool = false) -> String? {
            guard let value = reader.string(forKey: key, isSecret: secret) else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        func integer(_ key: ConfigKey, _ variable: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = text(key) else { return value }
            guard let number = Int(raw), range.contains(number) else {
                throw SettingsError(
                    variable: variable, problem: "'\(raw)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        func seconds(_ key: ConfigKey, _ variable: String, default value: Double, range: ClosedRange<Double>) throws -> Double {
            guard let raw = text(key) else { return value }
            guard let number = Double(raw), range.contains(number) else {
                throw SettingsError(
                    variable: variable,
                    problem: "'\(raw)' is not a number of seconds from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        databaseURL = text("database.url", secret: true)
        databaseReportsURL = text("linli.database.reports.url", secret: true)
        databasePoolSize = try integer(
            "linli.database.pool.size", "LINLI_DATABASE_POOL_SIZE", default: defaults.databasePoolSize, range: 1...500)
        databaseAcquireTimeoutSeconds = try seconds(
            "linli.database.acquire.timeout", "LINLI_DATABASE_ACQUIRE_TIMEOUT", default: defaults.databaseAcquireTimeoutSeconds,
            range: 0.1...600)
        databaseStatementTimeoutSeconds = try seconds(
            "linli.database.statement.timeout", "LINLI_DATABASE_STATEMENT_TIMEOUT",
            default: defaults.databaseStatementTimeoutSeconds, range: 0...3600)
        // Set but empty means "keep the login role", so these two do not use `text`.
        func role(_ key: ConfigKey, default value: String?) -> String? {
            guard let role = reader.string(forKey: key) else { return value }
            let trimmed = role.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        databaseRole = role("linli.database.role", default: defaults.databaseRole)
        workerDatabaseRole = role("linli.worker.database.role", default: defaults.workerDatabaseRole)
        httpHost = text("linli.http.host") ?? defaults.httpHost
        httpPort = try integer("linli.http.port", "LINLI_HTTP_PORT", default: defaults.httpPort, range: 0...65535)
        httpMaxBodyBytes = try integer(
            "linli.http.max.body.bytes", "LINLI_HTTP_MAX_BODY_BYTES", default: defaults.httpMaxBodyBytes,
            range: 1024...1_073_741_824)
        if let raw = text("linli.log.level") {
            guard let level = Logger.Level(rawValue: raw.lowercased()) else {
                throw SettingsError(
                    variable: "LINLI_LOG_LEVEL",
                    problem: "'\(raw)' is not one of trace, debug, info, notice, warning, error, critical")
            }
            logLevel = level
        } else {
            logLevel = defaults.logLevel
        }
        migrationsDirectory = text("linli.migrations.dir")
        timeZone = text("linli.time.zone") ?? defaults.timeZone
        guard TimeZone(identifier: timeZone) != nil else {
            throw SettingsError(
                variable: "LINLI_TIME_ZONE", problem: "'\(timeZone)' is not a known time zone (try Asia/Shanghai)")
        }
        workerHeartbeatSeconds = try seconds(
            "linli.worker.heartbeat.seconds", "LINLI_WORKER_HEARTBEAT_SECONDS", default: defaults.workerHeartbeatSeconds,
            range: 0.1...3600)
        instanceName = text("linli.instance.name") ?? defaults.instanceName
        workerConcurrency = try integer(
            "linli.worker.concurrency", "LINLI_WORKER_CONCURRENCY", default: defaults.workerConcurrency, range: 1...256)
        jobRetentionDays = try integer(
            "linli.job.retention.days", "LINLI_JOB_RETENTION_DAYS", default: defaults.jobRetentionDays, range: 1...3650)
        jobLeaseSeconds = try seconds(
            "linli.job.lease.seconds", "LINLI_JOB_LEASE_SECONDS", default: defaults.jobLeaseSeconds, range: 3...3600)

        // Message channels: each one unset stays in the outbox, so a demo works offline.
        func webURL(_ key: ConfigKey, _ variable: String) throws -> String? {
            guard let raw = text(key) else { return nil }
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host?.isEmpty == false
            else {
                throw SettingsError(variable: variable, problem: "'\(raw)' is not an http:// or https:// address")
            }
            return raw
        }
        func hmacSecret(_ key: ConfigKey, _ variable: String) throws -> String? {
            guard let secret = text(key, secret: true) else { return nil }
            guard secret.count >= 16 else {
                throw SettingsError(variable: variable, problem: "the secret has \(secret.count) characters; use at least 16")
            }
            return secret
        }
        smsWebhookURL = try webURL("linli.sms.webhook.url", "LINLI_SMS_WEBHOOK_URL")
        smsWebhookSecret = try hmacSecret("linli.sms.webhook.secret", "LINLI_SMS_WEBHOOK_SECRET")
        if smsWebhookURL != nil, smsWebhookSecret == nil {
            throw SettingsError(
                variable: "LINLI_SMS_WEBHOOK_SECRET",
                problem: "is required when LINLI_SMS_WEBHOOK_URL is set (the shared secret that signs each request)")
        }
        channelTimeoutSeconds = try seconds(
            "linli.channel.timeout.seconds", "LINLI_CHANNEL_TIMEOUT_SECONDS", default: defaults.channelTimeoutSeconds,
            range: 0.1...300)
        if text("linli.wecom.webhook.url")?.lowercased() == "off" {
            wecomWebhookURL = nil
        } else {
            wecomWebhookURL = try webURL("linli.wecom.webhook.url", "LINLI_WECOM_WEBHOOK_URL") ?? defaults.wecomWebhookURL
        }
        sendmailPath = text("linli.sendmail.path")
        if let path = sendmailPath, !path.hasPrefix("/") {
            throw SettingsError(
                variable: "LINLI_SENDMAIL_PATH", problem: "'\(path)' is not an absolute path (try /usr/sbin/sendmail)")
        }
        mailFrom = text("linli.mail.from")
        if let from = mailFrom,
            from.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) || !from.contains("@")
        {
            throw SettingsError(variable: "LINLI_MAIL_FROM", problem: "'\(from)' is not an e-mail address")
        }
        if sendmailPath != nil, mailFrom == nil {
            throw SettingsError(
                variable: "LINLI_MAIL_FROM", problem: "is required when LINLI_SENDMAIL_PATH is set (the From: of reminders)")
        }
        replyWebhookSecret = try hmacSecret("linli.reply.webhook.secret", "LINLI_REPLY_WEBHOOK_SECRET")
        func flag(_ key: ConfigKey, _ variable: String, default value: Bool) throws -> Bool {
            switch text(key)?.lowercased() {
            case nil: return value
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            case let raw?: throw SettingsError(variable: variable, problem: "'\(raw)' is not true or false")
            }
        }
        cookieSecure = try flag("linli.cookie.secure", "LINLI_COOKIE_SECURE", default: defaults.cookieSecure)
        requireSecondFactor = try flag(
            "linli.require.second.factor", "LINLI_REQUIRE_SECOND_FACTOR", default: defaults.requireSecondFactor)

        // Care notes keys: inline (a secret like the others) and/or a file only its owner may read.
        var keys: [CareNotesKey] = []
        if let inline = text("linli.care.notes.keys", secret: true) {
            keys += try CareNotesKey.parse(inline, source: "LINLI_CARE_NOTES_KEYS")
        }
        if let path = text("linli.care.notes.key.file") {
            keys += try CareNotesKey.read(file: path)
        }
        careNotesKeys = try CareNotesKey.merged(keys)
    }
}

/// A setting with a value that cannot be used, and what to do about it.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let problem: String
    public var description: String { "setting \(variable): \(problem) (see deploy/env.example)" }
}

/// One key that seals residents' care notes: its number, stored beside every value it sealed
/// (so a value names the key that opens it), and its 32 bytes (AES-256).
///
/// Keys are written `NUMBER:BASE64`, one a line in the key file (`#` starts a comment) or
/// separated by commas in `LINLI_CARE_NOTES_KEYS`; `linli care-notes keygen` writes one.
public struct CareNotesKey: Sendable, Hashable, CustomStringConvertible {
    public let id: Int
    public let bytes: [UInt8]

    public init(id: Int, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }

    /// Never prints the key itself.
    public var description: String { "CareNotesKey(\(id))" }

    /// The line a key file holds for this key.
    public var line: String { "\(id):\(Data(bytes).base64EncodedString())" }

    public static let variableOfFile = "LINLI_CARE_NOTES_KEY_FILE"

    /// Reads the keys in `text`; `source` names the setting or file in errors.
    public static func parse(_ text: String, source: String) throws -> [CareNotesKey] {
        var keys: [CareNotesKey] = []
        let entries = text.split(whereSeparator: { $0.isNewline || $0 == "," })
        for (index, raw) in entries.enumerated() {
            let entry = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let id = Int(parts[0]), (1...1_000_000).contains(id),
                let data = Data(base64Encoded: String(parts[1])), data.count == 32
            else {
                throw SettingsError(
                    variable: source,
                    problem:
                        "第 \(index + 1) 项不是「编号:32字节的Base64」格式 / entry \(index + 1) is not NUMBER:BASE64 of 32 bytes "
                        + "(make one with `linli care-notes keygen FILE`)")
            }
            keys.append(CareNotesKey(id: id, bytes: Array(data)))
        }
        return keys
    }

    /// Reads a key file, refusing one that its group or others may read or write.
    public static func read(file path: String) throws -> [CareNotesKey] {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            throw SettingsError(
                variable: variableOfFile, problem: "无法读取密钥文件 / cannot read the key file '\(path)': \(error.localizedDescription)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        if mode & 0o077 != 0 {
            let octal = String(mode & 0o777, radix: 8)
            throw SettingsError(
                variable: variableOfFile,
                problem:
                    "密钥文件 '\(path)' 的权限为 0\(octal)，同组或其他用户可以访问；请执行 chmod 600 '\(path)' / "
                    + "the key file '\(path)' has mode 0\(octal): its group or others can read it; run chmod 600 '\(path)'")
        }
        guard let data = FileManager.default.contents(atPath: resolved), let text = String(data: data, encoding: .utf8) else {
            throw SettingsError(variable: variableOfFile, problem: "无法读取密钥文件 / cannot read the key file '\(path)'")
        }
        let keys = try parse(text, source: "\(variableOfFile) ('\(path)')")
        if keys.isEmpty {
            throw SettingsError(variable: variableOfFile, problem: "密钥文件中没有密钥 / the key file '\(path)' holds no key")
        }
        return keys
    }

    /// The keys of every source, by number; one number with two different keys is an error.
    public static func merged(_ keys: [CareNotesKey]) throws -> [CareNotesKey] {
        var byID: [Int: CareNotesKey] = [:]
        for key in keys {
            if let other = byID[key.id], other.bytes != key.bytes {
                throw SettingsError(
                    variable: "LINLI_CARE_NOTES_KEYS",
                    problem: "密钥 \(key.id) 出现两次且内容不同 / key \(key.id) is given twice with different values")
            }
            byID[key.id] = key
        }
        return byID.values.sorted { $0.id < $1.id }
    }
}
