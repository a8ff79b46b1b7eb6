import ArgumentParser
import Foundation
import LinliChannels
import LinliDatabase
import LinliSettings
import LinliStorage

extension ChannelKind: ExpressibleByArgument {}

/// `linli doctor`: checks an installation and says what to fix.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check configuration, database, migrations, row-level security, worker, job queue, clock and disk.",
        discussion: """
            Prints one line per check, ✓ or ✗ with what to do, and exits 1 if any check fails.
            Message channels are listed as configured or falling back to the outbox; with
            --test-channel and --test-to, a test message goes through that channel.
            Examples:
              linli doctor
              linli doctor --test-channel sms --test-to 13800000000
            """)

    @Option(help: "Send a test message through this channel: sms, wecom (robot key as --test-to) or email.")
    var testChannel: ChannelKind?
    @Option(help: "Where the test message goes: a phone number, a WeCom robot key, or an e-mail address.")
    var testTo: String?

    func validate() throws {
        if (testChannel == nil) != (testTo == nil) {
            throw ValidationError("--test-channel and --test-to go together")
        }
        if testChannel == .outbox { throw ValidationError("--test-channel must be sms, wecom or email") }
    }

    struct Check {
        let ok: Bool
        let text: String
    }

    func run() async throws {
        var checks: [Check] = []
        defer { Self.print(checks) }
        let settings: LinliSettings
        do {
            settings = try await LinliSettings.load()
            checks.append(
                Check(
                    ok: true,
                    text:
                        "configuration read (\(settings.connectionConfiguration(applicationName: "linli-doctor", asApplication: false).redactedDescription))"
                ))
        } catch {
            checks.append(Check(ok: false, text: "configuration: \(error) — fix the setting named, see deploy/env.example"))
            throw ExitCode.failure
        }
        await checkChannels(settings: settings, into: &checks)
        do {
            let context = try await CommandContext.make()
            try await context.run { context in
                try await checkDatabase(context: context, settings: settings, into: &checks)
            }
        } catch let error as DatabaseError {
            checks.append(
                Check(
                    ok: false,
                    text:
                        "database unreachable: \(error.message) — start PostgreSQL (deploy/local-postgres.sh start) or fix DATABASE_URL"
                ))
        } catch {
            checks.append(Check(ok: false, text: "\(error)"))
        }
        if checks.contains(where: { !$0.ok }) { throw ExitCode.failure }
    }

    private func checkDatabase(context: CommandContext, settings: LinliSettings, into checks: inout [Check]) async throws {
        let pool = context.pool
        let info = try await pool.query(
            """
            SELECT current_setting('server_version') AS version, now() AS now, current_user AS login,
                   current_setting('data_directory', true) AS data_directory
            """
        ).rows[0]
        let hostNow = Date()
        let version: String = try info.decode("version")
        checks.append(
            Check(ok: true, text: "database reachable (PostgreSQL \(version), as \(try info.decode("login", as: String.self)))"))
        let offset = (try info.decode("now", as: Date.self)).timeIntervalSince(hostNow)
        checks.append(
            Check(
                ok: abs(offset) < 2,
                text: abs(offset) < 2
                    ? String(format: "clock offset to the database %.3f s", offset)
                    : String(
                        format: "clock offset to the database is %.1f s — run NTP (chrony or systemd-timesyncd) on both hosts",
                        offset)))

        let statuses = try await context.migrator().status()
        let notApplied = statuses.filter { $0.state != .applied }
        checks.append(
            Check(
                ok: notApplied.isEmpty,
                text: notApplied.isEmpty
                    ? "migrations current (\(statuses.count))"
                    : "migrations not current: \(notApplied.map { "\($0.version) \($0.state.rawValue)" }.joined(separator: ", ")) — run linli migrate"
            ))
        guard notApplied.isEmpty else { return }

        let unprotected: [String] = try await pool.query(
            """
            SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'community_id' AND NOT a.attisdropped)
            ORDER BY 1
            """
        ).rows.map { try $0.decode("name") }
        let role = settings.databaseRole ?? ""
        let roleOK: Bool = try await pool.query(
            """
            SELECT \(role) = '' OR EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = \(role) AND NOT r.rolsuper AND NOT r.rolbypassrls
                AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid AND c.relname = 'volunteers')) AS ok
            """
        ).rows[0].decode("ok")
        checks.append(
            Check(
                ok: unprotected.isEmpty && roleOK && !role.isEmpty,
                text: unprotected.isEmpty && roleOK && !role.isEmpty
                    ? "row-level security in force on every community table, sessions run as '\(role)'"
                    : "row-level security: "
                        + (unprotected.isEmpty ? "" : "not forced on \(unprotected.joined(separator: ", ")); ")
                        + (role.isEmpty
                            ? "LINLI_DATABASE_ROLE is empty, so sessions bypass it — set it to linli_app"
                            : roleOK
                                ? ""
                                : "role '\(role)' is missing, a superuser, bypasses RLS or owns the tables — run linli migrate, use a non-owner role")
            ))

        // Residents' care notes: none left as plain text, each sealed with a key that is configured.
        let notes = try await Store(pool: pool).transaction(.administrator()) { tx in
            try await CareNotesStore().status(on: tx)
        }
        let keyring = try CareNotesKeyring(settings: settings)
        let unknownKeys = notes.sealedByKey.keys.filter { !(keyring?.keyIDs.contains($0) ?? false) }.sorted()
        let notesOK = notes.plaintext == 0 && unknownKeys.isEmpty
        checks.append(
            Check(
                ok: notesOK,
                text: notesOK
                    ? "care notes: \(notes.sealed) sealed"
                        + (keyring.map { " (key \($0.currentKeyID) seals)" } ?? " (no key configured, so none can be stored)")
                    : "care notes: "
                        + (notes.plaintext > 0 ? "\(notes.plaintext) still plain text — run linli care-notes seal; " : "")
                        + (unknownKeys.isEmpty
                            ? ""
                            : "sealed with key(s) \(unknownKeys.map(String.init).joined(separator: ", ")) that are not configured "
                                + "— set LINLI_CARE_NOTES_KEY_FILE (deploy/README.md)")
            ))

        let age: Double? = try await pool.query(
            "SELECT extract(epoch FROM now() - max(last_seen_at))::float8 AS age FROM worker_heartbeats"
        ).rows[0].decode("age")
        let limit = max(60, settings.workerHeartbeatSeconds * 3)
        if let age, age < limit {
            checks.append(Check(ok: true, text: String(format: "worker alive (last heartbeat %.0f s ago)", age)))
        } else {
            checks.append(
                Check(
                    ok: false,
                    text: age.map { String(format: "no worker heartbeat for %.0f s", $0) } ?? "no worker has ever reported"
                        + " — start linli-worker (deploy/up.sh, or systemctl start linli-worker)"))
        }

        let queue = try await pool.query(
            """
            SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
                   count(*) FILTER (WHERE state = 'pending' AND run_at < now() - interval '5 minutes') AS overdue,
                   count(*) FILTER (WHERE state = 'dead') AS dead
            FROM jobs
            """
        ).rows[0]
        let (pending, overdue, dead): (Int, Int, Int) = (
            try queue.decode("pending"), try queue.decode("overdue"), try queue.decode("dead")
        )
        checks.append(
            Check(
                ok: overdue == 0,
                text: overdue == 0
                    ? "job queue: \(pending) pending, none overdue"
                    : "job queue: \(overdue) of \(pending) pending jobs are more than 5 minutes late — start more workers or look at their logs"
            ))
        checks.append(
            Check(
                ok: dead == 0,
                text: dead == 0
                    ? "no dead jobs" : "\(dead) dead jobs — inspect with linli jobs list --state dead, then retry or discard"))

        if let directory: String = try info.decode("data_directory"), !directory.isEmpty {
            if let attributes = try? FileManager.default.attributesOfFileSystem(forPath: directory),
                let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value,
                let size = (attributes[.systemSize] as? NSNumber)?.int64Value, size > 0
            {
                let share = Double(free) / Double(size)
                checks.append(
                    Check(
                        ok: share > 0.1,
                        text: String(
                            format: "disk of the database cluster: %.1f GiB free (%.0f%%)", Double(free) / 1_073_741_824,
                            share * 100)
                            + (share > 0.1 ? "" : " — free space or grow the disk before PostgreSQL stops")))
            }
        }
    }

    /// Which channels are configured, and a test message if asked for.
    private func checkChannels(settings: LinliSettings, into checks: inout [Check]) async {
        let channels = Channels(configuration: ChannelConfiguration(settings: settings))
        let names: [(ChannelKind, String)] = [(.sms, "SMS webhook"), (.wecom, "WeCom robot"), (.email, "e-mail (sendmail)")]
        let configured = names.filter { channels.isConfigured($0.0) }.map(\.1)
        let outbox = names.filter { !channels.isConfigured($0.0) }.map(\.1)
        checks.append(
            Check(
                ok: true,
                text: "message channels: "
                    + (configured.isEmpty ? "none configured" : "configured: \(configured.joined(separator: ", "))")
                    + (outbox.isEmpty ? "" : "; to the outbox (staff pass them on): \(outbox.joined(separator: ", "))")))
        if let kind = testChannel, let address = testTo {
            let message = OutgoingMessage(
                idempotencyKey: "linli-doctor-\(UUID().uuidString.lowercased())", kind: kind, address: address,
                subject: "邻里测试消息 / Linli test message", body: "【邻里】这是一条测试消息。/ [Linli] This is a test message.")
            if !channels.isConfigured(kind) {
                checks.append(
                    Check(
                        ok: false,
                        text:
                            "test message: the \(kind.rawValue) channel is not configured — set its LINLI_* settings (deploy/env.example)"
                    ))
            } else {
                do {
                    _ = try await channels.channel(for: kind).deliver(message)
                    checks.append(Check(ok: true, text: "test message accepted by the \(kind.rawValue) channel for \(address)"))
                } catch {
                    checks.append(Check(ok: false, text: "test message through \(kind.rawValue) failed: \(error)"))
                }
            }
        }
        try? await channels.shutdown()
    }

    static func print(_ checks: [Check]) {
        let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        for check in checks {
            let mark = check.ok ? (colour ? "\u{1B}[32m✓\u{1B}[0m" : "✓") : (colour ? "\u{1B}[31m✗\u{1B}[0m" : "✗")
            Swift.print("\(mark) \(check.text)")
        }
    }
}
