import Foundation
import LinliDatabase
import LinliDomain

/// Skills and certificates (护理员证, 急救证) of a community. All SQL for them is here.
public struct SkillStore: Sendable {
    public init() {}

    public func create(_ skill: Skill, on tx: Connection) async throws {
        try await tx.execute(
            """
            INSERT INTO skills (id, community_id, code, name_zh, name_en, is_certificate)
            VALUES (\(skill.id), \(skill.communityID), \(skill.code), \(skill.nameZh), \(skill.nameEn),
                    \(skill.isCertificate))
            """)
    }

    public func skill(_ id: ID<Skill>, on tx: Connection) async throws -> Skill {
        guard let row = try await tx.query("SELECT \(Self.columns) FROM skills WHERE id = \(id)").rows.first else {
            throw StorageError.notFound("skill \(id)")
        }
        return try Self.skill(row)
    }

    /// The skills this scope can see, by code.
    public func skills(on tx: Connection) async throws -> [Skill] {
        try await tx.query("SELECT \(Self.columns) FROM skills ORDER BY code, community_id").rows.map(Self.skill)
    }

    static let columns: SQLQuery = "id, community_id, code, name_zh, name_en, is_certificate"

    static func skill(_ row: Row) throws -> Skill {
        Skill(
            id: try row.decode("id"), communityID: try row.decode("community_id"), code: try row.decode("code"),
            nameZh: try row.decode("name_zh"), nameEn: try row.decode("name_en"),
            isCertificate: try row.decode("is_certificate"))
    }
}
