import Foundation
import LinliDatabase
import LinliDomain
import LinliImport

/// What applying an import did (or, for a dry run, would do).
public struct ImportOutcome: Sendable, Equatable {
    public var inserted: Int
    public var updated: Int
    public var dryRun: Bool
    /// Problems found against the database (unknown grids, skills …); nothing is written when any exist.
    public var issues: [ImportIssue]
    /// What each row (by its row number in the sheet) does or would do.
    public var actions: [Int: ImportRowAction] = [:]
    public var applied: Bool { !dryRun && issues.isEmpty }
}

/// What importing one row does to the community's people.
public enum ImportRowAction: String, Sendable, Equatable {
    /// Nobody matches it: a new person.
    case create
    /// It matches a person and changes them.
    case update
    /// It matches a person and changes nothing.
    case unchanged
}

/// Applies validated volunteer and resident rows to a community, all or nothing, matching
/// existing people by external ID first and phone second, so re-importing the same sheet
/// changes nothing. Rows travel by COPY into a temporary table; the matching and writing
/// are set-based SQL. All SQL for imports is here.
public struct PeopleImporter: Sendable {
    public let store: Store
    /// Seals residents' care notes (a sheet with notes needs it).
    public let careNotes: CareNotesKeyring?

    public init(store: Store, careNotes: CareNotesKeyring? = nil) {
        self.store = store
        self.careNotes = careNotes
    }

    private struct DryRun: Error { let outcome: ImportOutcome }

    /// Runs one import in a transaction of `scope`'s community. `body` returns the counts and
    /// the issues it found; the transaction is rolled back for a dry run or when there are issues.
    private func run(
        scope: DataScope, dryRun: Bool,
        _ body: (Connection, ID<Community>) async throws -> (
            inserted: Int, updated: Int, issues: [ImportIssue], actions: [Int: ImportRowAction]
        )
    ) async throws -> ImportOutcome {
        guard let community = scope.communityID else {
            throw StorageError(code: .invalidValue, message: "an import belongs to one community: choose it first")
        }
        do {
            return try await store.transaction(scope) { tx in
                let (inserted, updated, issues, actions) = try await body(tx, community)
                let outcome = ImportOutcome(
                    inserted: inserted, updated: updated, dryRun: dryRun, issues: issues, actions: actions)
                if dryRun || !issues.isEmpty { throw DryRun(outcome: outcome) }
                return outcome
            }
        } catch let rollback as DryRun {
            return rollback.outcome
        }
    }

    /// New people (no match) without a sex: the schedule's same-sex rule needs it.
    private func missingSex(
        table: String, idColumn: String, person: (zh: String, en: String), on tx: Connection
    )
        async throws -> [ImportIssue]
    {
        try await tx.query(
            "SELECT line, name FROM \(identifier: table) WHERE \(identifier: idColumn) IS NULL AND sex IS NULL ORDER BY line"
        ).rows.map { row in
            let line: Int = try row.decode("line")
            let name: String = try row.decode("name")
            return ImportIssue(
                code: .missingSex, row: line, column: "性别", value: nil,
                zh: "第\(line)行：新\(person.zh)「\(name)」缺少性别", en: "row \(line): new \(person.en) '\(name)' has no sex")
        }
    }

    /// Each row's action: matched rows whose line is in `changed` update, other matched rows
    /// change nothing, unmatched rows create. Read after matching, before the insert.
    private func matchedLines(table: String, idColumn: String, on tx: Connection) async throws -> [Int: Bool] {
        var matched: [Int: Bool] = [:]
        for row in try await tx.query(
            "SELECT line, \(identifier: idColumn) IS NOT NULL AS matched FROM \(identifier: table)"
        ).rows {
            matched[try row.decode("line")] = try row.decode("matched")
        }
        return matched
    }

    private static func actions(_ matched: [Int: Bool], changed: [Int]) -> [Int: ImportRowAction] {
        let changed = Set(changed)
        return matched.reduce(into: [:]) { result, entry in
            result[entry.key] = !entry.value ? .create : changed.contains(entry.key) ? .update : .unchanged
        }
    }

    // MARK: Volunteers

    @discardableResult
    public func applyVolunteers(
        _ rows: [ImportedRow<VolunteerImportRow>], scope: DataScope, dryRun: Bool
    ) async throws -> ImportOutcome {
        try await run(scope: scope, dryRun: dryRun) { tx, community in
            try await tx.executeScript(
                """
                CREATE TEMPORARY TABLE import_volunteers (
                    line int, external_id text, name text, phone text, sex text, birth_year int, grid text,
                    groups text[], skills text[], expires_on date
                ) ON COMMIT DROP
                """)
            try await tx.copyIn("COPY import_volunteers FROM STDIN") { writer in
                for row in rows {
                    let v = row.value
                    try await writer.writeRow([
                        String(row.line), v.externalID, v.name, v.phone, v.sex?.rawValue, v.birthYear.map(String.init),
                        v.grid, Self.arrayLiteral(v.groups.map(\.rawValue)),
                        Self.arrayLiteral(v.skills + v.certificates), v.certificateExpiry?.description,
                    ])
                }
            }
            try await tx.execute("ALTER TABLE import_volunteers ADD COLUMN volunteer_id uuid, ADD COLUMN grid_id uuid")
            var issues = try await resolveGrids(table: "import_volunteers", community: community, on: tx)
            issues += try await unknownSkills(on: tx)
            try await tx.execute(
                """
                UPDATE import_volunteers i SET volunteer_id = coalesce(
                    (SELECT v.id FROM volunteers v WHERE i.external_id IS NOT NULL AND v.external_id = i.external_id
                       AND v.community_id = \(community)),
                    (SELECT v.id FROM volunteers v WHERE v.phone = i.phone AND v.community_id = \(community)))
                """)
            issues += try await missingSex(
                table: "import_volunteers", idColumn: "volunteer_id", person: ("志愿者", "volunteer"), on: tx)
            let matched = try await matchedLines(table: "import_volunteers", idColumn: "volunteer_id", on: tx)
            let changed: [Int] = try await tx.query(
                """
                UPDATE volunteers v SET name = i.name, phone = i.phone, sex = coalesce(i.sex::sex, v.sex),
                    birth_year = coalesce(i.birth_year, v.birth_year), home_grid_id = coalesce(i.grid_id, v.home_grid_id),
                    external_id = coalesce(i.external_id, v.external_id),
                    groups = CASE WHEN cardinality(i.groups) > 0 THEN i.groups::volunteer_group[] ELSE v.groups END,
                    updated_at = now(), version = v.version + 1
                FROM import_volunteers i
                WHERE v.id = i.volunteer_id AND (v.name, v.phone, v.sex, v.birth_year, v.home_grid_id, v.external_id, v.groups)
                    IS DISTINCT FROM (i.name, i.phone, coalesce(i.sex::sex, v.sex), coalesce(i.birth_year, v.birth_year),
                                      coalesce(i.grid_id, v.home_grid_id), coalesce(i.external_id, v.external_id),
                                      CASE WHEN cardinality(i.groups) > 0 THEN i.groups::volunteer_group[] ELSE v.groups END)
                RETURNING i.line
                """
            ).rows.map { try $0.decode("line") }
            let inserted = try await tx.query(
                """
                WITH added AS (
                    INSERT INTO volunteers (community_id, external_id, name, phone, sex, birth_year, home_grid_id, groups)
                    SELECT \(community), i.external_id, i.name, i.phone, i.sex::sex, i.birth_year, i.grid_id,
                           i.groups::volunteer_group[]
                    FROM import_volunteers i WHERE i.volunteer_id IS NULL AND i.sex IS NOT NULL ORDER BY i.line
                    RETURNING id, phone)
                UPDATE import_volunteers i SET volunteer_id = added.id FROM added WHERE added.phone = i.phone
                """
            ).affectedRows
            try await tx.execute(
                """
                INSERT INTO volunteer_skills (volunteer_id, skill_id, community_id, expires_on)
                SELECT i.volunteer_id, s.id, \(community), CASE WHEN s.is_certificate THEN i.expires_on END
                FROM import_volunteers i CROSS JOIN LATERAL unnest(i.skills) AS wanted(skill)
                JOIN skills s ON s.community_id = \(community) AND (s.code = wanted.skill OR s.name_zh = wanted.skill
                                                                    OR lower(s.name_en) = lower(wanted.skill))
                WHERE i.volunteer_id IS NOT NULL
                ON CONFLICT (volunteer_id, skill_id) DO UPDATE SET expires_on = coalesce(EXCLUDED.expires_on, volunteer_skills.expires_on)
                """)
            return (inserted, changed.count, issues, Self.actions(matched, changed: changed))
        }
    }

    // MARK: Residents

    @discardableResult
    public func applyResidents(
        _ rows: [ImportedRow<ResidentImportRow>], scope: DataScope, dryRun: Bool
    ) async throws -> ImportOutcome {
        try await run(scope: scope, dryRun: dryRun) { tx, community in
            try await tx.executeScript(
                """
                CREATE TEMPORARY TABLE import_residents (
                    line int, external_id text, name text, address text, sex text, birth_year int, grid text,
                    phone text, family_contact text, family_phone text, needs_call boolean, lives_alone boolean,
                    care_needs text[], care_notes text
                ) ON COMMIT DROP
                """)
            try await tx.copyIn("COPY import_residents FROM STDIN") { writer in
                for row in rows {
                    let r = row.value
                    try await writer.writeRow([
                        String(row.line), r.externalID, r.name, r.address, r.sex?.rawValue, r.birthYear.map(String.init),
                        r.grid, r.phone, r.familyContact, r.familyPhone, r.needsCall.map { $0 ? "t" : "f" },
                        r.livesAlone.map { $0 ? "t" : "f" }, Self.arrayLiteral(r.careNeeds), r.careNotes,
                    ])
                }
            }
            try await tx.execute("ALTER TABLE import_residents ADD COLUMN resident_id uuid, ADD COLUMN grid_id uuid")
            var issues = try await resolveGrids(table: "import_residents", community: community, on: tx)
            // A phone matches only when exactly one resident has it (couples may share one).
            try await tx.execute(
                """
                UPDATE import_residents i SET resident_id = coalesce(
                    (SELECT r.id FROM residents r WHERE i.external_id IS NOT NULL AND r.external_id = i.external_id
                       AND r.community_id = \(community) AND r.erased_at IS NULL),
                    (SELECT min(r.id::text)::uuid FROM residents r WHERE i.phone IS NOT NULL AND r.phone = i.phone
                       AND r.community_id = \(community) AND r.erased_at IS NULL AND r.name = i.name
                     HAVING count(*) = 1))
                """)
            issues += try await missingSex(table: "import_residents", idColumn: "resident_id", person: ("居民", "resident"), on: tx)
            try await compareCareNotes(community: community, on: tx)
            let matched = try await matchedLines(table: "import_residents", idColumn: "resident_id", on: tx)
            let changed: [Int] = try await tx.query(
                """
                UPDATE residents r SET name = i.name, address = i.address, sex = coalesce(i.sex::sex, r.sex),
                    birth_year = coalesce(i.birth_year, r.birth_year), grid_id = coalesce(i.grid_id, r.grid_id),
                    phone = coalesce(i.phone, r.phone), family_contact_name = coalesce(i.family_contact, r.family_contact_name),
                    family_contact_phone = coalesce(i.family_phone, r.family_contact_phone),
                    needs_call = coalesce(i.needs_call, r.needs_call), lives_alone = coalesce(i.lives_alone, r.lives_alone),
                    care_needs = CASE WHEN cardinality(i.care_needs) > 0 THEN i.care_needs ELSE r.care_needs END,
                    care_notes = coalesce(i.care_notes, r.care_notes), external_id = coalesce(i.external_id, r.external_id),
                    updated_at = now(), version = r.version + 1
                FROM import_residents i
                WHERE r.id = i.resident_id AND (r.name, r.address, r.phone, r.grid_id, r.needs_call, r.lives_alone, r.care_notes)
                    IS DISTINCT FROM (i.name, i.address, coalesce(i.phone, r.phone), coalesce(i.grid_id, r.grid_id),
                                      coalesce(i.needs_call, r.needs_call), coalesce(i.lives_alone, r.lives_alone),
                                      coalesce(i.care_notes, r.care_notes))
                RETURNING i.line
                """
            ).rows.map { try $0.decode("line") }
            let inserted = try await tx.execute(
                """
                INSERT INTO residents (community_id, external_id, name, sex, birth_year, grid_id, address, phone,
                    family_contact_name, family_contact_phone, needs_call, lives_alone, care_needs, care_notes)
                SELECT \(community), i.external_id, i.name, i.sex::sex, i.birth_year, i.grid_id, i.address, i.phone,
                       i.family_contact, i.family_phone, coalesce(i.needs_call, i.phone IS NULL), coalesce(i.lives_alone, false),
                       i.care_needs, i.care_notes
                FROM import_residents i WHERE i.resident_id IS NULL AND i.sex IS NOT NULL ORDER BY i.line
                """)
            // The notes were written as plain text inside this transaction: sealed before it commits.
            if let careNotes { try await CareNotesStore().sealPlaintext(with: careNotes, community: community, on: tx) }
            return (inserted, changed.count, issues, Self.actions(matched, changed: changed))
        }
    }

    /// Care notes in the sheet need a key; a note equal to the resident's sealed one is no
    /// change (SQL cannot compare sealed values), so importing the same sheet again changes nothing.
    private func compareCareNotes(community: ID<Community>, on tx: Connection) async throws {
        let anyNotes: Bool = try await tx.query(
            "SELECT EXISTS (SELECT 1 FROM import_residents WHERE care_notes IS NOT NULL) AS any"
        ).rows[0].decode("any")
        guard anyNotes else { return }
        guard let careNotes else { throw StorageError(code: .careNotesKeyMissing, message: CareNotesKeyring.missingMessage) }
        let rows = try await tx.query(
            """
            SELECT i.line, r.id, i.care_notes, r.care_notes_sealed, r.care_notes_key_id
            FROM import_residents i JOIN residents r ON r.id = i.resident_id
            WHERE i.care_notes IS NOT NULL AND r.care_notes_sealed IS NOT NULL AND r.community_id = \(community)
            """
        ).rows
        for row in rows {
            let sealed = SealedCareNote(keyID: try row.decode("care_notes_key_id"), box: try row.decode("care_notes_sealed"))
            let stored = try careNotes.open(sealed, resident: try row.decode("id"), community: community)
            let sheet: String = try row.decode("care_notes")
            let line: Int = try row.decode("line")
            if stored == sheet { try await tx.execute("UPDATE import_residents SET care_notes = NULL WHERE line = \(line)") }
        }
    }

    // MARK: Checks against the community's data

    /// Sets `grid_id` from the sheet's grid text: its code or full name, else the one grid
    /// whose name ends with it ("一网格" for "幸福里一网格"). Unknown or ambiguous names are issues.
    private func resolveGrids(table: String, community: ID<Community>, on tx: Connection) async throws -> [ImportIssue] {
        try await tx.execute(
            """
            UPDATE \(identifier: table) i SET grid_id = coalesce(
                (SELECT g.id FROM grids g WHERE g.community_id = \(community) AND (g.code = i.grid OR g.name = i.grid) LIMIT 1),
                (SELECT CASE WHEN count(*) = 1 THEN min(g.id::text)::uuid END FROM grids g
                 WHERE g.community_id = \(community) AND right(g.name, length(i.grid)) = i.grid))
            WHERE i.grid IS NOT NULL
            """)
        return try await tx.query(
            "SELECT line, grid FROM \(identifier: table) WHERE grid IS NOT NULL AND grid_id IS NULL ORDER BY line"
        ).rows.map { row in
            let line: Int = try row.decode("line")
            let grid: String = try row.decode("grid")
            return ImportIssue(
                code: .unknownGrid, row: line, column: "网格", value: grid,
                zh: "第\(line)行：本社区没有网格「\(grid)」（或有多个网格与它相符）",
                en: "row \(line): this community has no grid '\(grid)' (or more than one matches it)")
        }
    }

    private func unknownSkills(on tx: Connection) async throws -> [ImportIssue] {
        try await tx.query(
            """
            SELECT i.line, wanted.skill FROM import_volunteers i CROSS JOIN LATERAL unnest(i.skills) AS wanted(skill)
            WHERE NOT EXISTS (SELECT 1 FROM skills s WHERE s.code = wanted.skill OR s.name_zh = wanted.skill
                                                       OR lower(s.name_en) = lower(wanted.skill))
            ORDER BY i.line
            """
        ).rows.map { row in
            let line: Int = try row.decode("line")
            let skill: String = try row.decode("skill")
            return ImportIssue(
                code: .unknownSkill, row: line, column: "技能", value: skill,
                zh: "第\(line)行：本社区没有技能或证书「\(skill)」，请先在技能目录中添加",
                en: "row \(line): this community has no skill or certificate '\(skill)'; add it to the skill list first")
        }
    }

    /// A PostgreSQL array literal for COPY text format.
    static func arrayLiteral(_ items: [String]) -> String {
        "{"
            + items.map {
                "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
            }
            .joined(separator: ",") + "}"
    }
}
