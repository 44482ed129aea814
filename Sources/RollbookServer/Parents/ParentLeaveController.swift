import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/parent/children/:upn/leave`: a parent asks for leave of absence, with documents; the head decides at `/leave`.
struct ParentLeaveController {
    struct RequestForm: Content {
        var from: String?
        var fromSession: String?
        var to: String?
        var toSession: String?
        var reason: String?
        var exceptional: String?
        /// What the leave is for: a code of `LeaveRequest.purposes`.
        var code: String?
        /// Where the child stays: needed for 15 school days or more (seed 004).
        var temporaryAddress: String?
        var documents: [File]?
    }
    struct Purpose: Encodable {
        var code: String
        var words: String
    }
    struct RequestContent: Encodable {
        var child: ChildSummary
        var noticeDays: Int
        var earliest: String
        var form: RequestForm
        var error: String?
        var errorField: String?
        var maxDocuments: Int
        var purposes: [Purpose]
    }

    func requestPage(req: Request) async throws -> View {
        let (_, p) = try await req.ownChild()
        return try await requestView(req, p, form: RequestForm(fromSession: "am", toSession: "pm"), error: nil)
    }

    func requestView(_ req: Request, _ p: PupilRow, form: RequestForm, error: APIError?) async throws -> View {
        let (s, _, policy) = try await ChildSummary.load(req, p)
        var shown = form
        shown.documents = nil
        return try await req.render(
            "Parents/parent-leave", title: "Ask for leave of absence",
            RequestContent(
                child: s, noticeDays: policy.leave.noticeDays,
                earliest: ParentWords.date(req.clock.now().date.adding(days: policy.leave.noticeDays)),
                form: shown, error: error?.reason, errorField: error?.field, maxDocuments: Uploads.maxDocuments,
                purposes: LeaveRequest.purposes.map { Purpose(code: $0.code, words: $0.words) }))
    }

    func request(req: Request) async throws -> Response {
        let (u, p) = try await req.ownChild()
        let form = try req.content.decode(RequestForm.self)
        let now = req.clock.now()
        do {
            guard let rawFrom = form.from, !rawFrom.isEmpty else { throw APIError.invalid("from", "give the first day of the leave") }
            let from = try parseDate(rawFrom, field: "from")
            let to = try parseDate(form.to.flatMap { $0.isEmpty ? nil : $0 } ?? rawFrom, field: "to")
            let request = LeaveRequest(
                from: from, fromSession: try formSession(form.fromSession, field: "from_session"), to: to,
                toSession: try formSession(form.toSession ?? "pm", field: "to_session"), requestedOn: now.date,
                exceptional: form.exceptional == "on" || form.exceptional == "true",
                reason: (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                code: form.code.flatMap { $0.isEmpty ? nil : $0 })
            var asked = request
            let address = (form.temporaryAddress ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            asked.temporaryAddress = address.isEmpty ? nil : address
            let policy = try await req.store.policy(schoolID: p.schoolID, on: now.date)
            do {
                try LeaveCheck.canRequest(asked, policy: policy, today: now.date)
                try asked.checkTemporaryAddress(calendar: try await req.store.calendar(schoolID: p.schoolID), enrolment: p.enrolment)
            } catch let e as ValidationError { throw APIError.invalid(e.field, e.reason) }
            guard address.count <= 1000 else { throw APIError.invalid("temporary_address", "keep the address under 1,000 characters") }
            guard request.reason.count <= 2000 else { throw APIError.invalid("reason", "keep the reason under 2,000 characters") }
            let docs = try Uploads.documents(form.documents, photoOrPDF: false).map { f in
                let d = LeaveDocumentRow()
                d.filename = f.filename
                d.contentType = f.contentType
                d.data = f.data
                d.uploadedAt = now.timestamp
                return d
            }
            let row = LeaveRequestRow()
            row.pupilID = p.id!
            row.parentID = u.id
            row.requestedBy = u.name
            row.request = LeaveRequestRow.json(asked)
            row.state = .pending
            row.createdAt = now.timestamp
            try await req.store.addLeaveRequest(row, documents: docs)
            req.session.data["flash"] =
                "Your request for leave (\(ParentWords.range(request.from, request.to))) has gone to the headteacher. You will be told the decision in writing."
            return req.redirect(to: "/parent/children/\(p.upn)")
        } catch let e as APIError {
            let r = try await requestView(req, p, form: form, error: e).encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }

}
