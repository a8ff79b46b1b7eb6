import Crypto
import Foundation
import LinliDatabase
import LinliDomain

/// A secret calendar URL handed to a volunteer or a patrol team: what it shows and whether it
/// still works. The token itself is not here; it is shown once, when the feed is created.
public struct CalendarFeed: Hashable, Sendable {
    /// Whose shifts the feed shows.
    public enum Subject: Hashable, Sendable {
        case volunteer(ID<Volunteer>)
        case team(ID<PatrolTeam>)

        /// The volunteer's feed if `volunteer` is given, else the team's; nil when neither is.
        public init?(volunteer: ID<Volunteer>?, team: ID<PatrolTeam>?) {
            if let volunteer {
                self = .volunteer(volunteer)
            } else if let team {
                self = .team(team)
            } else {
                return nil
            }
        }

        public var volunteerID: ID<Volunteer>? {
            if case .volunteer(let id) = self { return id }
            return nil
        }

        public var teamID: ID<PatrolTeam>? {
            if case .team(let id) = self { return id }
            return nil
        }
    }

    public var id: ID<CalendarFeed>
    public var communityID: ID<Community>
    public var subject: Subject
    public var label: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: ID<CalendarFeed>, communityID: ID<Community>, subject: Subject, label: String?, createdAt: Date,
        lastUsedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.communityID = communityID
        self.subject = subject
        self.label = label
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// The secret of a calendar feed: 32 random bytes (256 bits) in base64url without padding
/// (43 characters), the last part of `/feeds/<token>.ics`. Only its SHA-256 is stored.
public struct CalendarFeedToken: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// A fresh token from swift-crypto's system random generator.
    public static func generate() -> CalendarFeedToken {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return CalendarFeedToken(
            unchecked: bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
    }

    /// A token as it came in a URL; nil unless it has the shape of one.
    public init?(_ text: String) {
        guard text.utf8.count == 43, text.utf8.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        value = text
    }

    private init(unchecked value: String) { self.value = value }

    var hash: Data { Data(SHA256.hash(data: Data(value.utf8))) }

    /// Never the secret itself.
    public var description: String { "CalendarFeedToken(…)" }

    private static let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}

/// Calendar feeds: created with a token shown once, listed, revoked, and found by token for
/// the public feed route. All SQL of `calendar_feeds` is here.
public struct CalendarFeedStore: Sendable {
    public init() {}

    /// A new feed of `subject` in `community`; returns it with its token (shown once).
    public func create(
        community: ID<Community>, subject: CalendarFeed.Subject, label: String?, createdBy: ID<User>? = nil,
        on tx: Connection
    ) async throws -> (feed: CalendarFeed, token: CalendarFeedToken) {
        let token = CalendarFeedToken.generate()
        guard
            let row = try await tx.query(
                """
                INSERT INTO calendar_feeds (community_id, volunteer_id, team_id, label, token_hash, created_by)
                VALUES (\(community), \(subject.volunteerID), \(subject.teamID), \(label), \(token.hash), \(createdBy))
                RETURNING \(Self.columns)
                """
            ).rows.first
        else { throw StorageError(code: .failed, message: "the feed was not stored") }
        return (try Self.feed(row), token)
    }

    /// The community's feeds, newest first; revoked ones too unless `includeRevoked` is false.
    public func feeds(community: ID<Community>, includeRevoked: Bool = true, on tx: Connection) async throws -> [CalendarFeed] {
        try await tx.query(
            """
            SELECT \(Self.columns) FROM calendar_feeds
            WHERE community_id = \(community) AND (\(includeRevoked) OR revoked_at IS NULL)
            ORDER BY created_at DESC, id
            """
        ).rows.map(Self.feed)
    }

    /// Revokes a feed (again: no change); `.notFound` when the community has no such feed.
    public func revoke(_ id: ID<CalendarFeed>, community: ID<Community>, on tx: Connection) async throws -> CalendarFeed {
        try await tx.execute(
            "UPDATE calendar_feeds SET revoked_at = now() WHERE id = \(id) AND community_id = \(community) AND revoked_at IS NULL"
        )
        guard
            let row = try await tx.query(
                "SELECT \(Self.columns) FROM calendar_feeds WHERE id = \(id) AND community_id = \(community)"
            ).rows.first
        else { throw StorageError.notFound("calendar feed \(id)") }
        return try Self.feed(row)
    }

    /// The live feed with this token, noting its use; nil when none has it or it is revoked.
    /// The caller does not know the community yet: call inside `.administrator()`.
    public func use(_ token: CalendarFeedToken, on tx: Connection) async throws -> CalendarFeed? {
        try await tx.query(
            """
            UPDATE calendar_feeds SET last_used_at = now()
            WHERE token_hash = \(token.hash) AND revoked_at IS NULL
            RETURNING \(Self.columns)
            """
        ).rows.first.map(Self.feed)
    }

    static let columns: SQLQuery = "id, community_id, volunteer_id, team_id, label, created_at, last_used_at, revoked_at"

    static func feed(_ row: Row) throws -> CalendarFeed {
        guard let subject = CalendarFeed.Subject(volunteer: try row.decode("volunteer_id"), team: try row.decode("team_id"))
        else { throw StorageError(code: .failed, message: "calendar feed without a subject") }
        return CalendarFeed(
            id: try row.decode("id"), communityID: try row.decode("community_id"), subject: subject,
            label: try row.decode("label"), createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
    }
}
