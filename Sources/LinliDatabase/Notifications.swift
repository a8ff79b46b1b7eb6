import CLibPQ
import Foundation
import Logging
import NIOPosix
import Synchronization

/// A message received through PostgreSQL's LISTEN/NOTIFY.
public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The server process that sent it.
    public let senderPID: Int32
}

/// What a listener reports: a notification, or that it (re)connected. After a reconnect,
/// notifications sent while it was away are lost, so consumers should re-check their source
/// of truth (NOTIFY is only ever a hint).
public enum ListenerEvent: Sendable, Equatable {
    case connected
    case notification(PostgresNotification)
}

/// Keeps one dedicated session LISTENing on some channels and yields what arrives.
///
/// The session waits on its socket on a thread of its own (never on Swift's cooperative pool),
/// and reconnects with backoff when the server restarts or the connection drops.
public final class NotificationListener: Sendable {
    private let configuration: ConnectionConfiguration
    private let channels: [String]
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    private let thread = NIOThreadPool(numberOfThreads: 1)

    public init(configuration: ConnectionConfiguration, channels: [String], logger: Logger) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
    }

    /// Starts listening; the stream ends when the consuming task stops iterating or `stop()` is called.
    public func events() -> AsyncStream<ListenerEvent> {
        let (stream, continuation) = AsyncStream<ListenerEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [self] _ in self.stopped.store(true, ordering: .relaxed) }
        thread.start()
        thread.submit { [self] state in
            guard case .active = state else {
                continuation.finish()
                return
            }
            self.run(continuation)
            continuation.finish()
        }
        return stream
    }

    /// Stops listening and closes the session within about half a second.
    public func stop() async {
        stopped.store(true, ordering: .relaxed)
        try? await thread.shutdownGracefully()
    }

    private func run(_ continuation: AsyncStream<ListenerEvent>.Continuation) {
        var backoff = 0.25
        while !stopped.load(ordering: .relaxed) {
            guard let conn = connectAndListen() else {
                sleepUnlessStopped(seconds: backoff)
                backoff = min(backoff * 2, 5)
                continue
            }
            backoff = 0.25
            continuation.yield(.connected)
            pump(conn, continuation)
            PQfinish(conn)
        }
    }

    private func connectAndListen() -> OpaquePointer? {
        var keys = ["fallback_application_name", "client_encoding"]
        var values = [configuration.applicationName + "-listener", "UTF8"]
        if !configuration.connectionString.isEmpty {
            keys.append("dbname")
            values.append(configuration.connectionString)
        }
        let conn: OpaquePointer? = withCStringArray(keys) { k in withCStringArray(values) { v in PQconnectdbParams(k, v, 1) } }
        guard let conn else { return nil }
        guard PQstatus(conn) == CONNECTION_OK else {
            logger.warning(
                "listener cannot connect",
                metadata: [
                    "error": "\(String(cString: PQerrorMessage(conn)))", "database": "\(configuration.redactedDescription)",
                ])
            PQfinish(conn)
            return nil
        }
        for channel in channels {
            let sql = "LISTEN " + SQLQuery.quoteIdentifier(channel)
            do {
                _ = try Connection.collect(PQexec(conn, sql), connection: conn, sql: sql)
            } catch {
                logger.warning("LISTEN failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
                PQfinish(conn)
                return nil
            }
        }
        return conn
    }

    /// Waits for input (checking the stop flag twice a second) and yields notifications until
    /// the connection fails or the listener stops.
    private func pump(_ conn: OpaquePointer, _ continuation: AsyncStream<ListenerEvent>.Continuation) {
        let socket = PQsocket(conn)
        while !stopped.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 500)
            if ready < 0 && errno != EINTR { return }
            if PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK {
                logger.warning("listener connection lost; reconnecting")
                return
            }
            while let raw = PQnotifies(conn) {
                let note = PostgresNotification(
                    channel: String(cString: raw.pointee.relname),
                    payload: String(cString: raw.pointee.extra),
                    senderPID: raw.pointee.be_pid)
                PQfreemem(raw)
                continuation.yield(.notification(note))
            }
        }
    }

    private func sleepUnlessStopped(seconds: Double) {
        var left = seconds
        while left > 0, !stopped.load(ordering: .relaxed) {
            usleep(UInt32(min(left, 0.1) * 1_000_000))
            left -= 0.1
        }
    }
}

extension ConnectionPool {
    /// Sends a notification on `channel` (delivered when the surrounding transaction commits).
    public func notify(_ channel: String, payload: String = "") async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}

extension Connection {
    /// Sends a notification on `channel` in this session (delivered at commit).
    public func notify(_ channel: String, payload: String = "") async throws {
        try await query("SELECT pg_notify(\(channel), \(payload))")
    }
}
