import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/parent/children/:upn/evidence`: a parent sends evidence (a photo or PDF) for an absence the school asked about.
/// It satisfies every open request for those sessions.
struct ParentEvidenceController {
    struct Form: Content {
        /// The evidence request answered (its timeline entry's id).
        var request: Int?
        var note: String?
        var documents: [File]?
    }

    /// An open request as the parent sees it: the sessions in words, never the staff's own text.
    struct Asked: Encodable {
        var id: Int
        var asked: String
        var sessions: String
    }

    static func asked(_ store: Store, pupilID: Int) async throws -> [Asked] {
        try await store.openEvidenceRequests(pupilID: pupilID).map {
            Asked(
                id: $0.request.id!,
                asked: ParentWords.date(LocalDate(iso: $0.request.happenedOn) ?? LocalDate(year: 2000, month: 1, day: 1)!),
                sessions: ParentWords.sessions($0.open))
        }
    }

    func send(req: Request) async throws -> Response {
        let (u, p) = try await req.ownChild()
        let form = try req.content.decode(Form.self)
        let now = req.clock.now()
        guard let id = form.request,
            let open = try await req.store.openEvidenceRequests(pupilID: p.id!).first(where: { $0.request.id == id })
        else {
            throw APIError.invalid("request", "the school is not waiting for evidence for that absence (it may have been received already)")
        }
        let docs = try Uploads.documents(form.documents, photoOrPDF: true)
        guard !docs.isEmpty else { throw APIError.invalid("documents", "attach a photo or a PDF of the evidence") }
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 1000 else { throw APIError.invalid("note", "keep the note under 1,000 characters") }
        try await req.store.recordEvidence(
            CaseworkRow(
                pupilID: p.id!, kind: .evidenceReceived, actionKey: nil, happenedOn: now.date,
                summary:
                    "\(u.name) sent \(docs.count == 1 ? "a document" : "\(docs.count) documents") as evidence for \(ParentWords.sessions(open.open))\(note.isEmpty ? "" : ": \(note)")",
                sessions: open.open.map { ($0.date, $0.session) }, recordedAt: now.timestamp,
                by: Actor(name: u.name, position: "Parent or carer")),
            documents: Uploads.evidenceRows(docs, at: now.timestamp))
        req.session.data["flash"] = "Thank you. The school has your evidence for \(ParentWords.sessions(open.open))."
        return req.redirect(to: "/parent/children/\(p.upn)")
    }
}
