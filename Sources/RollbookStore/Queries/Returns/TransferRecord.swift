import FluentKit
import Foundation
import RollbookCore

// The parts of an imported pupil's CTF that the admission register has no field for, kept so that the next CTF sends
// them on (docs/ctf.md): the pupil's address, the CTF's own contact, SEN, FSM, language and school-history entries,
// and every pupil element Rollbook does not model, verbatim. One row a pupil; each column is XML elements one after
// another.

/// A CTF-imported pupil's record beyond the admission register's fields.
struct M038CTFPupilRecords: AsyncMigration {
    var name: String { "M038CTFPupilRecords" }

    func prepare(on db: any Database) async throws {
        try await db.schema(CTFRecordRow.schema)
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("address", .string, .required)
            .field("contacts", .string, .required)
            .field("sen_history", .string, .required)
            .field("fsm_history", .string, .required)
            .field("languages", .string, .required)
            .field("school_history", .string, .required)
            .field("carried", .string, .required)
            .field("carried_basic", .string, .required)
            .field("imported_at", .string, .required)
            .unique(on: "pupil_id")
            .create()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(CTFRecordRow.schema).delete()
    }
}

final class CTFRecordRow: Model, @unchecked Sendable {
    static let schema = "ctf_pupil_records"
    @ID(custom: "id", generatedBy: .database) var id: Int?
    @Field(key: "pupil_id") var pupilID: Int
    @Field(key: "address") var address: String
    @Field(key: "contacts") var contacts: String
    @Field(key: "sen_history") var senHistory: String
    @Field(key: "fsm_history") var fsmHistory: String
    @Field(key: "languages") var languages: String
    @Field(key: "school_history") var schoolHistory: String
    /// Pupil elements Rollbook does not model, exactly as the file gave them.
    @Field(key: "carried") var carried: String
    @Field(key: "carried_basic") var carriedBasic: String
    @Field(key: "imported_at") var importedAt: String
    init() {}

    init(pupilID: Int, _ r: CTFPupilRecord, importedAt: String) {
        func text(_ nodes: [XMLNode]) -> String { nodes.map { $0.rendered() }.joined() }
        self.pupilID = pupilID
        address = text(r.address.map { [$0] } ?? [])
        contacts = text(r.contacts)
        senHistory = text(r.senHistory)
        fsmHistory = text(r.fsmHistory)
        languages = text(r.languages)
        schoolHistory = text(r.schoolHistory)
        carried = text(r.carried)
        carriedBasic = text(r.carriedBasic)
        self.importedAt = importedAt
    }

    /// The record as imported; the register's ethnicity is not kept here (the register has it).
    func record() throws -> CTFPupilRecord {
        // Modelled sections are read back as elements (written afresh); carried ones keep their text.
        func nodes(_ s: String) throws -> [XMLNode] {
            try XMLNode.fragments(s).map {
                var n = $0
                n.raw = nil
                return n
            }
        }
        return CTFPupilRecord(
            address: try nodes(address).first, contacts: try nodes(contacts), senHistory: try nodes(senHistory),
            fsmHistory: try nodes(fsmHistory), languages: try nodes(languages), schoolHistory: try nodes(schoolHistory),
            carried: try XMLNode.fragments(carried), carriedBasic: try XMLNode.fragments(carriedBasic))
    }
}

extension Store {
    /// The CTF record kept for a pupil admitted from a CTF; nil for a pupil admitted otherwise.
    public func ctfRecord(pupilID: Int) async throws -> CTFPupilRecord? {
        try await CTFRecordRow.query(on: db).filter(\.$pupilID == pupilID).first()?.record()
    }

    static func saveCTFRecord(pupilID: Int, _ r: CTFPupilRecord, at now: String, on db: any Database) async throws {
        try await CTFRecordRow(pupilID: pupilID, r, importedAt: now).create(on: db)
    }
}
