import Foundation
import LinliDatabase
import LinliDomain
import LinliScheduler
import Synchronization

/// Loaded weeks kept between requests of the booking desk, so that a proposal costs one query
/// (the week's fingerprint) instead of the ~35 of `WeekProblemLoader.load` and the Swift that
/// builds the problem. An entry is used only while the fingerprint of every row the week is
/// loaded from is unchanged (`RosteringQueries.weekFingerprint`: any committed insert, update or
/// delete changes it) and no slot of the week has begun since it was loaded (the loader freezes
/// begun slots). Bounded: the least recently used week goes first.
public final class WeekCache: Sendable {
    struct Key: Hashable {
        var community: ID<Community>
        var week: LocalDate
    }

    struct Entry {
        var fingerprint: String
        var week: WeekProblem
        /// The next slot start after loading: the week must be loaded again from then on.
        var freezesAt: Date?
        var used: UInt64
    }

    struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    /// At most this many weeks are kept.
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
    }

    /// Weeks served from the cache and loaded, since it was made (for tests and measurements).
    public var counts: (hits: Int, misses: Int) { state.withLock { ($0.hits, $0.misses) } }

    /// The week of `community` as `loader` loads it (no pins), from the cache when nothing it was
    /// loaded from has changed since. `tx` must be the community's scope.
    public func week(
        community: ID<Community>, week: LocalDate, loader: WeekProblemLoader, on tx: Connection
    ) async throws -> WeekProblem {
        let key = Key(community: community, week: week)
        // The loader reads continuity from four weeks back and weekends in the month: five weeks
        // before and six after the Monday cover both (a day either side for the time zone).
        let monday = week.startOfDay(in: .shanghai)
        let fingerprint = try await RosteringQueries.weekFingerprint(
            community: community, from: monday.addingTimeInterval(-36 * 86_400),
            to: monday.addingTimeInterval(43 * 86_400), on: tx)
        let now = loader.now ?? Date()
        let cached = state.withLock { state -> WeekProblem? in
            state.clock += 1
            guard var entry = state.entries[key], entry.fingerprint == fingerprint, entry.freezesAt.map({ now < $0 }) ?? true
            else {
                state.misses += 1
                return nil
            }
            entry.used = state.clock
            state.entries[key] = entry
            state.hits += 1
            return entry.week
        }
        if let cached { return cached }
        var fixed = loader
        fixed.now = now
        let loaded = try await fixed.load(community: community, week: week, pins: .none, on: tx)
        let freezesAt = loaded.problem.slots.map { loaded.horizonStart.addingTimeInterval(TimeInterval($0.range.start * 60)) }
            .filter { $0 >= now }.min()
        state.withLock { state in
            state.clock += 1
            state.entries[key] = Entry(fingerprint: fingerprint, week: loaded, freezesAt: freezesAt, used: state.clock)
            while state.entries.count > capacity, let oldest = state.entries.min(by: { $0.value.used < $1.value.used }) {
                state.entries[oldest.key] = nil
            }
        }
        return loaded
    }
}
