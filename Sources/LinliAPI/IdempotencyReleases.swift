import LinliDomain
import LinliStorage
import Logging
import ServiceLifecycle

/// Frees the `Idempotency-Key`s whose release failed when their request ended (the write failed
/// because the database was unreachable, and so did freeing its key). Without it such a key stays
/// "in flight" until `IdempotencyStore.abandonedAfterSeconds` (five minutes), and every retry of
/// the client is refused with a 409 long after the database is back. The service retries each
/// release with backoff until it succeeds or the claim would be taken as abandoned anyway.
///
/// A lifecycle service of the HTTP application (`buildApplication`); the middleware hands it
/// the keys. In a router built alone (tests) nothing runs it and the keys wait for abandonment,
/// as they did before this service.
public struct IdempotencyReleases: Service {
    /// A key to free: its row and community (the row-level security scope of the delete).
    struct Pending: Sendable {
        let id: Int64
        let community: ID<Community>
        let since: ContinuousClock.Instant
    }

    typealias Release = @Sendable (_ id: Int64, _ community: ID<Community>) async throws -> Void

    private let release: Release
    private let stream: AsyncStream<Pending>
    private let continuation: AsyncStream<Pending>.Continuation
    private let logger: Logger
    /// The longest wait between two attempts for one key.
    let maximumBackoff: Duration

    public init(store: Store, logger: Logger = Logger(label: "linli.idempotency")) {
        self.init(logger: logger) { id, community in
            try await store.transaction(.community(community)) { tx in try await IdempotencyStore().release(id, on: tx) }
        }
    }

    init(logger: Logger, maximumBackoff: Duration = .seconds(5), release: @escaping Release) {
        self.release = release
        self.logger = logger
        self.maximumBackoff = maximumBackoff
        // Bounded: a key that does not fit waits for abandonment, as without this service.
        (stream, continuation) = AsyncStream.makeStream(of: Pending.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Frees the key `id` now, or, when that fails, hands it to the service to retry.
    func free(_ id: Int64, community: ID<Community>) async {
        do {
            try await release(id, community)
        } catch {
            logger.warning(
                "cannot free an idempotency key; retrying in the background",
                metadata: ["key_id": "\(id)", "error": "\(error)"])
            continuation.yield(Pending(id: id, community: community, since: .now))
        }
    }

    public func run() async throws {
        for await pending in stream.cancelOnGracefulShutdown() {
            await retry(pending)
        }
    }

    /// One key, attempt after attempt, until it is freed, the claim would count as abandoned, or
    /// the service stops. Keys queue behind it: once the database answers again they go at once.
    private func retry(_ pending: Pending) async {
        let deadline = pending.since + .seconds(IdempotencyStore.abandonedAfterSeconds)
        var wait = Duration.milliseconds(250)
        while ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: wait)
            } catch {
                return  // shutting down: the claim is abandoned in time
            }
            do {
                try await release(pending.id, pending.community)
                logger.info("freed an idempotency key after a failed release", metadata: ["key_id": "\(pending.id)"])
                return
            } catch {
                wait = min(wait * 2, maximumBackoff)
            }
        }
        logger.warning("gave up freeing an idempotency key; it is abandoned", metadata: ["key_id": "\(pending.id)"])
    }
}
