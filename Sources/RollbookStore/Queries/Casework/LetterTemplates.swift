import FluentKit
import FluentSQL
import RollbookCore
import SQLKit

/// Letters per school: a school's own version of a letter, by the policy's letter id, and an HTML part for emails.
struct M016LetterTemplates: AsyncMigration {
    var name: String { "M016LetterTemplates" }

    func prepare(on db: any Database) async throws {
        try await db.schema("letter_templates")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("letter_id", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("saved_by_name", .string, .required)
            .field("saved_by_position", .string, .required)
            .field("saved_at", .string, .required)
            .unique(on: "school_id", "letter_id")
            .create()
        try await db.schema("outbox").field("html", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("outbox").deleteField("html").update()
        try await db.schema("letter_templates").delete()
    }
}

/// A school's own wording of a letter; without one the built-in letter is used.
public final class LetterTemplateRow: Model, @unchecked Sendable {
    public static let schema = "letter_templates"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    /// The policy's `letter` id, e.g. `stage-1-attendance-concern`, or a general letter's id (`concern`).
    @Field(key: "letter_id") public var letterID: String
    @Field(key: "subject") public var subject: String
    @Field(key: "body") public var body: String
    @Field(key: "saved_by_name") public var savedByName: String
    @Field(key: "saved_by_position") public var savedByPosition: String
    @Field(key: "saved_at") public var savedAt: String
    public init() {}

    public var template: LetterTemplate { LetterTemplate(subject: subject, body: body) }
}

extension Store {
    /// A school's own letters, by letter id.
    public func letterTemplates(schoolID: Int) async throws -> [String: LetterTemplateRow] {
        let rows = try await LetterTemplateRow.query(on: db).filter(\.$schoolID == schoolID).all()
        return Dictionary(rows.map { ($0.letterID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func letterTemplate(schoolID: Int, letterID: String) async throws -> LetterTemplateRow? {
        try await LetterTemplateRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$letterID == letterID).first()
    }

    /// Saves a school's version of a letter (validated first), replacing any earlier one.
    public func saveLetterTemplate(schoolID: Int, letterID: String, _ t: LetterTemplate, by actor: Actor, at now: String) async throws {
        try t.validate()
        try await write { db in
            let row =
                try await LetterTemplateRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$letterID == letterID).first()
                ?? LetterTemplateRow()
            row.schoolID = schoolID
            row.letterID = letterID
            row.subject = t.subject
            row.body = t.body
            row.savedByName = actor.name
            row.savedByPosition = actor.position
            row.savedAt = now
            try await row.save(on: db)
        }
    }

    /// Removes a school's version of a letter, so the built-in one is used again.
    public func removeLetterTemplate(schoolID: Int, letterID: String) async throws {
        try await write { db in
            try await LetterTemplateRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$letterID == letterID).delete()
        }
    }
}
