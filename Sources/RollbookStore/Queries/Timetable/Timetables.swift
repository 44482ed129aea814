import FluentKit
import FluentSQL
import Foundation
import RollbookCore

/// A version of a school's timetable (docs/timetable-csv.md), in force from `effectiveFrom`.
public final class TimetableRow: Model, @unchecked Sendable {
    public static let schema = "timetables"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "effective_from") public var effectiveFrom: String
    /// `RollbookCore.Timetable` as JSON.
    @Field(key: "document") public var document: String
    @Field(key: "filename") public var filename: String
    @Field(key: "imported_by") public var importedBy: String
    @Field(key: "imported_at") public var importedAt: String
    public init() {}

    public func timetable() throws -> Timetable { try TimetableRow.decoded(document) }

    private static let decodedDocuments = DecodedDocuments<Timetable>()

    static func decoded(_ document: String) throws -> Timetable {
        try decodedDocuments.value(document) { try JSONDecoder().decode(Timetable.self, from: Data($0.utf8)) }
    }
}

/// A timetabled lesson's register, taken: by whom, and whether as cover for the timetabled teacher.
public final class LessonRegisterRow: Model, @unchecked Sendable {
    public static let schema = "lesson_registers"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "school_id") public var schoolID: Int
    @Field(key: "date") public var date: String
    /// The register's name, as its lesson marks carry it: `P3 9x/Ma1`.
    @Field(key: "lesson") public var lesson: String
    /// The timetabled teacher (staff id or email, as the timetable gives it).
    @Field(key: "teacher") public var teacher: String
    /// "Name, position" of the member of staff who took it (the latest, if taken again).
    @Field(key: "taken_by") public var takenBy: String
    @Field(key: "cover") public var cover: Bool
    @Field(key: "taken_at") public var takenAt: String
    public init() {}
}

extension Store {
    /// Saves a timetable version. A version from the same date replaces the one imported before (a corrected file);
    /// `replaced` says so.
    public func saveTimetable(schoolID: Int, _ t: Timetable, filename: String, by actor: Actor, at now: String) async throws
        -> (row: TimetableRow, replaced: Bool)
    {
        let doc = String(decoding: try JSONEncoder().encode(t), as: UTF8.self)
        return try await write { db in
            let existing = try await TimetableRow.query(on: db).filter(\.$schoolID == schoolID)
                .filter(\.$effectiveFrom == t.effectiveFrom.iso).first()
            let row = existing ?? TimetableRow()
            row.schoolID = schoolID
            row.effectiveFrom = t.effectiveFrom.iso
            row.document = doc
            row.filename = filename
            row.importedBy = "\(actor.name), \(actor.position)"
            row.importedAt = now
            try await row.save(on: db)
            return (row, existing != nil)
        }
    }

    /// Every version of the school's timetable, oldest first.
    public func timetableVersions(schoolID: Int) async throws -> [TimetableRow] {
        try await TimetableRow.query(on: db).filter(\.$schoolID == schoolID).sort(\.$effectiveFrom).all()
    }

    /// The version in force on `date`: the latest that took effect on or before it; nil before the first.
    public func timetable(schoolID: Int, on date: LocalDate) async throws -> Timetable? {
        try await TimetableRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$effectiveFrom <= date.iso)
            .sort(\.$effectiveFrom, .descending).first()?.timetable()
    }

    /// Records who took a lesson's register (the latest taking wins).
    public func recordLessonRegister(
        schoolID: Int, date: LocalDate, lesson: String, teacher: String, cover: Bool, by actor: Actor, at now: String
    ) async throws {
        try await write { db in
            let row =
                try await LessonRegisterRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$date == date.iso)
                .filter(\.$lesson == lesson).first() ?? LessonRegisterRow()
            row.schoolID = schoolID
            row.date = date.iso
            row.lesson = lesson
            row.teacher = teacher
            row.takenBy = "\(actor.name), \(actor.position)"
            row.cover = cover
            row.takenAt = now
            try await row.save(on: db)
        }
    }

    /// The lesson registers taken on `date`, by register name.
    public func lessonRegisters(schoolID: Int, date: LocalDate) async throws -> [String: LessonRegisterRow] {
        let rows = try await LessonRegisterRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$date == date.iso).all()
        return Dictionary(rows.map { ($0.lesson, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// How many pupils have a mark in each lesson register of `date`, by register name.
    public func lessonMarkCounts(schoolID: Int, date: LocalDate) async throws -> [String: Int] {
        let rows = try await sql.select().column(SQLColumn("lesson", table: "lesson_marks"))
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("lesson_marks").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "lesson_marks"))
            .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
            .where(SQLColumn("date", table: "lesson_marks"), .equal, SQLBind(date.iso))
            .groupBy(SQLColumn("lesson", table: "lesson_marks")).all()
        var out: [String: Int] = [:]
        for r in rows { out[try r.decode(column: "lesson", as: String.self)] = try r.decode(column: "n", as: Int.self) }
        return out
    }
}
