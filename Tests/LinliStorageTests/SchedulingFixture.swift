import Foundation
import LinliDatabase
import LinliStorage

/// Releases its tasks together once `count` of them have arrived.
actor SchedulingGate {
    private let count: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { self.count = count }

    func arriveAndWait() async {
        arrived += 1
        if arrived >= count {
            for continuation in waiting { continuation.resume() }
            waiting.removeAll()
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// The `StorageError` code `body` throws, or nil when it succeeds.
func schedulingErrorCode(_ body: () async throws -> Void) async -> StorageError.Code? {
    do {
        try await body()
        return nil
    } catch let error as StorageError {
        if error.code == .failed { print("schedulingErrorCode: \(error) \(error.underlying?.sqlState ?? "-")") }
        return error.code
    } catch {
        return .failed
    }
}
