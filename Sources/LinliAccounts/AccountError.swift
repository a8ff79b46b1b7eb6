/// A refused sign-in or account change, with what to do in Simplified Chinese and English.
///
/// The HTTP layer maps `code` to a status (invalidCredentials → 401, throttled → 429 with
/// `retryAfter`, invalidPassword → 422, notFound → 404).
public struct AccountError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidCredentials, throttled, invalidPassword, invalidInput, notFound, cryptoFailure, secondFactorRequired
            case secondFactorConfirmed
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The login or the password is wrong, or the account is disabled; deliberately not
        /// said which.
        public static let invalidCredentials = Code(.invalidCredentials)
        /// Too many failed attempts for this login or from this address; try after `retryAfter`.
        public static let throttled = Code(.throttled)
        /// A new password breaks the length rules.
        public static let invalidPassword = Code(.invalidPassword)
        /// A login, role, expiry or other value given to an account command is not acceptable.
        public static let invalidInput = Code(.invalidInput)
        /// No such user (only for administration; sign-in never says so).
        public static let notFound = Code(.notFound)
        /// The password is right, and the account has a second factor: sign in again with the
        /// code from its authenticator app.
        public static let secondFactorRequired = Code(.secondFactorRequired)
        /// The account already has a confirmed second factor; only an administrator replaces it
        /// (`linli user totp LOGIN --remove`), so a stolen session cannot swap it.
        public static let secondFactorConfirmed = Code(.secondFactorConfirmed)
        /// libsodium failed (out of memory for the hash, or could not start).
        public static let cryptoFailure = Code(.cryptoFailure)
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The message in Simplified Chinese.
    public var zh: String
    /// The message in English.
    public var en: String
    /// For `.throttled`: how long until the next attempt is looked at.
    public var retryAfter: Duration?

    public init(code: Code, zh: String, en: String, retryAfter: Duration? = nil) {
        self.code = code
        self.zh = zh
        self.en = en
        self.retryAfter = retryAfter
    }

    /// Chinese first, then English.
    public var description: String { "\(zh) / \(en)" }

    static let invalidCredentials = AccountError(
        code: .invalidCredentials, zh: "用户名或密码不正确，或账号已停用", en: "wrong login or password, or the account is disabled")

    static let secondFactorRequired = AccountError(
        code: .secondFactorRequired, zh: "请输入手机验证器上显示的 6 位验证码",
        en: "enter the 6-digit code your authenticator app shows")

    static let secondFactorConfirmed = AccountError(
        code: .secondFactorConfirmed, zh: "该账号已启用两步验证；如需更换手机，请管理员执行 linli user totp 登录名 --remove",
        en: "this account already has a second factor; to move it to a new phone, an administrator runs "
            + "`linli user totp LOGIN --remove`")

    static func throttled(retryAfter seconds: Int) -> AccountError {
        let minutes = max(1, (seconds + 59) / 60)
        return AccountError(
            code: .throttled,
            zh: "登录失败次数过多，请 \(minutes) 分钟后再试",
            en: "too many failed sign-ins; try again in \(minutes) minute\(minutes == 1 ? "" : "s")",
            retryAfter: .seconds(seconds))
    }

    /// No account has this login.
    public static func notFound(login: String) -> AccountError {
        AccountError(
            code: .notFound, zh: "没有用户名为「\(login)」的账号（linli user list 可列出全部账号）",
            en: "there is no user '\(login)' (linli user list shows them)")
    }

    /// Another account has this login.
    public static func loginTaken(_ login: String) -> AccountError {
        AccountError(
            code: .invalidInput, zh: "用户名「\(login)」已被使用（linli user list 可列出全部账号）",
            en: "the login '\(login)' is taken (linli user list shows the accounts)")
    }

    static func cryptoFailure(_ what: String) -> AccountError {
        AccountError(code: .cryptoFailure, zh: "密码运算失败：\(what)", en: "password hashing failed: \(what)")
    }
}
