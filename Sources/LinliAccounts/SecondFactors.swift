import Foundation
import LinliDatabase
import LinliDomain
import LinliStorage

/// Enrolment and checking of the TOTP second factor (`TOTP`). An account with a confirmed
/// factor signs in with its password and a code from its authenticator app; a code is accepted
/// once (its time step is remembered), so one read over a shoulder cannot be used again.
public struct SecondFactors: Sendable {
    public let store: Store
    let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    /// Starts enrolment with a new secret (replacing any earlier one, which stops working once
    /// this one is confirmed). The caller shows the secret or its QR code to the user, then
    /// calls `confirm` with the first code the app shows.
    public func enrol(login: String, by actor: ID<User>? = nil) async throws -> TOTP {
        let totp = try TOTP.generate()
        try await store.transaction(.administrator(user: actor)) { tx in
            guard let user = try await UserStore().user(login: login, on: tx) else { throw AccountError.notFound(login: login) }
            try await SessionStore().enrolSecondFactor(user.id, secret: totp.secret, on: tx)
        }
        return totp
    }

    /// Starts enrolment of a signed-in user's own account (the API and the staff page): refused
    /// with `.secondFactorConfirmed` once a factor is confirmed, so a stolen session cannot
    /// replace it; an unconfirmed one is replaced.
    public func enrolOwn(_ user: ID<User>) async throws -> TOTP {
        let totp = try TOTP.generate()
        try await store.transaction(.administrator(user: user)) { tx in
            if try await isConfirmed(user, on: tx) { throw AccountError.secondFactorConfirmed }
            try await SessionStore().enrolSecondFactor(user, secret: totp.secret, on: tx)
        }
        return totp
    }

    /// Confirms a signed-in user's own enrolment with a first code: false when the code is
    /// wrong (or used) or there is nothing to confirm.
    public func confirmOwn(_ user: ID<User>, code: String) async throws -> Bool {
        try await store.transaction(.administrator(user: user)) { tx in
            try await check(user, code: code, on: tx) ?? false
        }
    }

    /// Confirms enrolment with a first code; false when the code is wrong.
    public func confirm(login: String, code: String) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in
            guard let user = try await UserStore().user(login: login, on: tx) else { throw AccountError.notFound(login: login) }
            return try await check(user.id, code: code, on: tx) ?? false
        }
    }

    /// Removes the factor (a lost phone); the account signs in with its password alone until it
    /// enrols again.
    @discardableResult
    public func remove(login: String, by actor: ID<User>? = nil) async throws -> Bool {
        try await store.transaction(.administrator(user: actor)) { tx in
            guard let user = try await UserStore().user(login: login, on: tx) else { throw AccountError.notFound(login: login) }
            return try await SessionStore().removeSecondFactor(user.id, on: tx)
        }
    }

    /// Whether the account must give a code to sign in (its enrolment is confirmed).
    public func isRequired(for user: ID<User>) async throws -> Bool {
        try await store.transaction(.administrator()) { tx in try await isConfirmed(user, on: tx) }
    }

    /// Whether `user` has a confirmed factor, in the caller's (all-communities) transaction.
    func isConfirmed(_ user: ID<User>, on tx: Connection) async throws -> Bool {
        try await SessionStore().secondFactor(of: user, on: tx)?.confirmed ?? false
    }

    /// Checks `code` for `user` in the caller's (all-communities) transaction: nil when the
    /// account has no factor, else whether the code is right and not used before (it is then
    /// used up).
    func check(_ user: ID<User>, code: String, on tx: Connection) async throws -> Bool? {
        guard let factor = try await SessionStore().secondFactor(of: user, on: tx) else { return nil }
        guard let step = TOTP(secret: factor.secret).matchingStep(code, at: clock()) else { return false }
        return try await SessionStore().acceptSecondFactorStep(user, step: step, on: tx)
    }
}
