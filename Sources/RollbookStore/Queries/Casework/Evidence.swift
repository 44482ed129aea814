import FluentKit
import Foundation
import RollbookCore
import SQLKit

/// A document the family sent as evidence for an absence (a photo of an appointment card, a doctor's letter), kept
/// with the "evidence received" entry on the pupil's timeline that it supports.
public final class EvidenceDocumentRow: Model, @unchecked Sendable {
    public static let schema = "evidence_documents"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "casework_id") public var caseworkID: Int
    @Field(key: "filename") public var filename: String
    @Field(key: "content_type") public var contentType: String
    @Field(key: "data") public var data: Data
    @Field(key: "uploaded_at") public var uploadedAt: String
    public init() {}
    public init(filename: String, contentType: String, data: Data, uploadedAt: String) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
        self.uploadedAt = uploadedAt
    }
}

/// Evidence documents, and an index of the medical-appointment marks the evidence rules read.
struct M018EvidenceDocuments: AsyncMigration {
    var name: String { "M018EvidenceDocuments" }

    func prepare(on db: any Database) async throws {
        try await db.schema("evidence_documents")
            .field("id", .int, .identifier(auto: true))
            .field("casework_id", .int, .required, .references("casework", "id"))
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("data", .data, .required)
            .field("uploaded_at", .string, .required)
            .create()
        // Medical appointments (M) are few: the evaluation finds those recorded before their day without reading every mark.
        try await (db as! any SQLDatabase).raw("CREATE INDEX marks_medical ON marks (date) WHERE code = 'M'").run()
    }

    func revert(on db: any Database) async throws {
        try await (db as! any SQLDatabase).drop(index: "marks_medical").run()
        try await db.schema("evidence_documents").delete()
    }
}

/// An evidence request and how much of it is still open: the sessions asked about with no evidence received yet.
public struct EvidenceRequestStatus: Sendable {
    public var request: CaseworkRow
    public var open: [(date: LocalDate, session: Session)]
}

extension Store {
    /// Records evidence received (or any casework entry) with its documents, in one transaction.
    public func recordEvidence(_ entry: CaseworkRow, documents: [EvidenceDocumentRow]) async throws {
        try await write { db in
            try await entry.create(on: db)
            for d in documents {
                d.caseworkID = entry.id!
                try await d.create(on: db)
            }
        }
    }

    /// The documents sent with timeline entries, by entry id.
    public func evidenceDocuments(caseworkIDs: [Int]) async throws -> [Int: [EvidenceDocumentRow]] {
        guard !caseworkIDs.isEmpty else { return [:] }
        var out: [Int: [EvidenceDocumentRow]] = [:]
        for chunk in caseworkIDs.chunks(of: 500) {
            for d in try await EvidenceDocumentRow.query(on: db).filter(\.$caseworkID ~~ Array(chunk)).sort(\.$id).all() {
                out[d.caseworkID, default: []].append(d)
            }
        }
        return out
    }

    public func evidenceDocument(id: Int) async throws -> EvidenceDocumentRow? { try await EvidenceDocumentRow.find(id, on: db) }

    /// A pupil's evidence requests with the sessions still waiting for evidence, oldest first; fully answered ones left out.
    public func openEvidenceRequests(pupilID: Int) async throws -> [EvidenceRequestStatus] {
        let rows = try await casework(pupilID: pupilID).reversed()
        var received = Set<String>()
        for r in rows where r.caseworkKind == .evidenceReceived {
            for s in r.sessionList { received.insert("\(s.date.iso) \(s.session.rawValue)") }
        }
        return rows.filter { $0.caseworkKind == .evidenceRequested }.compactMap { r in
            let open = r.sessionList.filter { !received.contains("\($0.date.iso) \($0.session.rawValue)") }
            return open.isEmpty ? nil : EvidenceRequestStatus(request: r, open: open)
        }
    }
}
