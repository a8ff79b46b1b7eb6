import LinliDomain

/// A roster-solving failure a coordinator or administrator can act on. Messages are in
/// Chinese, then English.
public struct RosteringError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; compare with the static constants.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case notFound, invalidValue, noPublishedRoster, infeasible, invalidProblem, notADraft, breaksRule
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The run, roster version or volunteer does not exist in this community.
        public static let notFound = Code(.notFound)
        /// A parameter is out of range (week not a Monday, time limit, seed).
        public static let invalidValue = Code(.invalidValue)
        /// A re-plan needs a published version of the week.
        public static let noPublishedRoster = Code(.noPublishedRoster)
        /// The best roster found still breaks a hard rule (usually conflicting pins).
        public static let infeasible = Code(.infeasible)
        /// The scheduler refused the week as loaded (e.g. a slot plus rest longer than a day).
        public static let invalidProblem = Code(.invalidProblem)
        /// Only a draft version can be changed by hand.
        public static let notADraft = Code(.notADraft)
        /// A change by hand would break a hard rule (the reasons say which).
        public static let breaksRule = Code(.breaksRule)
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// "中文 / English" in one line, for logs and the command line.
    public var message: String
    /// The message in Chinese and in English, for the API's problem answers.
    public var zh: String
    public var en: String
    /// The reasons behind `breaksRule`, one per rule, in Chinese and in English.
    public var reasons: [(zh: String, en: String)] = []

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
        self.zh = message
        self.en = message
    }

    init(code: Code, zh: String, en: String) {
        self.code = code
        self.message = "\(zh) / \(en)"
        self.zh = zh
        self.en = en
    }

    public var description: String { message }

    static func noRun(_ id: ID<SolveRun>) -> RosteringError {
        RosteringError(code: .notFound, zh: "没有求解任务 \(id)", en: "there is no solve run \(id)")
    }

    static func noVersion(_ version: Int, week: LocalDate) -> RosteringError {
        RosteringError(
            code: .notFound, zh: "\(week.isoWeekName) 周没有第 \(version) 版排班（linli roster list 可查看各版本）",
            en: "week \(week.isoWeekName) has no roster version \(version) (linli roster list shows the versions)")
    }
}
