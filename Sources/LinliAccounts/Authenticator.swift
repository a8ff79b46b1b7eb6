import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage
import NIOPosix
import Synchronization

/// Sign-in with a login and a password, throttled, and the checks of every later request.
/// What the HTTP layer calls; it never sees a password hash or a stored token.
///
/// An unknown login, a disabled account, an account without a password and a wrong password
/// are refused alike (`AccountError.invalidCredentials`), and take as long: when there is no
/// hash to check, a dummy hash with the same limits is checked instead.
public struct Authenticator: Sendable {
    public let store: Store
    public let hasher: PasswordHasher
    public let sessions: Sessions
    public let throttle: ThrottlePolicy

    public init(
        store: Store, hasher: PasswordHasher = PasswordHasher(), sessionPolicy: SessionPolicy = .standard,
        throttle: ThrottlePolicy = .standard
    ) {
        self.store = store
        self.hasher = hasher
        self.sessions = Sessions(store: store, policy: sessionPolicy)
        self.throttle = throttle
    }

    /// Signs in: a new browser session, whose token is returned this once. `address` is the
    /// client's IP address (failures are also counted per address). Throws
    /// `AccountError.throttled` (with `retryAfter`) or `.invalidCredentials`.
    ///
    /// An account with a confirmed second factor (`SecondFactors`) also needs `code`, the one
    /// its authenticator app shows: without it `.secondFactorRequired`, with a wrong or used one
    /// `.invalidCredentials` (and the attempt counts as a failure, so guessing codes is
    /// throttled like guessing passwords).
    public func login(
        login: String, password: String, code: String? = nil, from address: String?
    ) async throws
        -> IssuedSession
    {
        try await self.login(login: login, password: Password(password), code: code, from: address)
    }

    public func login(
        login: String, password: Password, code: String? = nil, from address: String?
    ) async throws -> IssuedSession {
        let name = String(login.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().prefix(100))
        let addressKey = ClientAddress.throttleKey(address)
        let attemptStore = SessionStore()
        let throttle = self.throttle

        // 1. Under advisory locks on the login and the address: refuse while throttled, else
        //    write the attempt as a failure before the password is checked, so attempts running
        //    in parallel (in any process) count each other.
        let gate = try await store.transaction(.administrator()) { tx -> Gate in
            try await attemptStore.lockAttempts(login: name, address: addressKey, on: tx)
            let counts = try await attemptStore.failureCounts(
                login: name, address: addressKey, windowSeconds: Int(throttle.window.components.seconds), on: tx)
            let wait = max(
                throttle.secondsToWait(
                    failures: counts.loginFailures, limit: throttle.failuresPerLogin, lastFailure: counts.loginLastFailure,
                    now: counts.now),
                throttle.secondsToWait(
                    failures: counts.addressFailures, limit: throttle.failuresPerAddress,
                    lastFailure: counts.addressLastFailure, now: counts.now))
            if wait > 0 {
                _ = try await attemptStore.recordAttempt(login: name, address: addressKey, outcome: .throttled, on: tx)
                return .throttled(seconds: wait)
            }
            let attempt = try await attemptStore.recordAttempt(login: name, address: addressKey, outcome: .failed, on: tx)
            let credentials = try await UserStore().credentials(login: name, on: tx)
            return .open(attempt: attempt, user: credentials?.user, hash: credentials?.passwordHash)
        }
        guard case .open(let attempt, let user, let storedHash) = gate else {
            if case .throttled(let seconds) = gate { throw AccountError.throttled(retryAfter: seconds) }
            throw AccountError.invalidCredentials
        }

        // 2. Argon2id on a thread pool, never on the async threads.
        let hasher = self.hasher
        let limits = hasher.limits
        let matches = try await NIOThreadPool.singleton.runIfActive {
            hasher.verify(password, against: try storedHash ?? Self.dummyHash(limits))
        }
        guard matches, let user, user.isActive, let storedHash else { throw AccountError.invalidCredentials }

        // 3. The attempt succeeded: a hash made with older limits is replaced, a session opened.
        let rehashed: String? =
            hasher.needsRehash(storedHash)
            ? try await NIOThreadPool.singleton.runIfActive { try hasher.hashUnchecked(password) } : nil
        let factors = SecondFactors(store: store)
        return try await store.transaction(.administrator(user: user.id)) { tx in
            let confirmed = try await factors.isConfirmed(user.id, on: tx)
            if confirmed {
                guard let code, !code.isEmpty else { throw AccountError.secondFactorRequired }
                guard try await factors.check(user.id, code: code, on: tx) == true else {
                    throw AccountError.invalidCredentials
                }
            }
            try await attemptStore.setOutcome(attempt, .succeeded, on: tx)
            if let rehashed { try await UserStore().setPasswordHash(user.id, rehashed, changed: false, on: tx) }
            var issued = try await sessions.open(for: user, kind: .browser, from: address, on: tx)
            issued.authenticated.hasSecondFactor = confirmed
            return issued
        }
    }

    /// The signed-in user of a session or API token, or nil (see `Sessions.authenticate`).
    public func authenticate(token: String) async throws -> AuthenticatedUser? {
        try await sessions.authenticate(token: token)
    }

    /// Signs out: revokes the session of this token.
    @discardableResult
    public func logout(token: String) async throws -> Bool {
        try await sessions.revoke(token: token, reason: "signed out")
    }

    private enum Gate: Sendable {
        case throttled(seconds: Int)
        case open(attempt: Int64, user: User?, hash: String?)
    }

    /// One hash of a random password per set of limits, made on first use and kept.
    private static let dummyHashes = Mutex<[PasswordHasher.Limits: String]>([:])

    private static func dummyHash(_ limits: PasswordHasher.Limits) throws -> String {
        if let hash = dummyHashes.withLock({ $0[limits] }) { return hash }
        let random = try SessionToken.generate().value
        let hash = try PasswordHasher(limits: limits).hashUnchecked(Password(random))
        dummyHashes.withLock { $0[limits] = hash }
        return hash
    }
}
