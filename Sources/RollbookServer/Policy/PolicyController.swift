import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// The school's attendance policy: what is in force, every version, and saving a new one (attendance lead, head).
struct PolicyController {
    struct Setting: Encodable {
        var name: String
        var value: String
        var source: String
    }
    struct Version: Encodable {
        var from: String
        var name: String
        var savedAt: String
        var savedBy: String
        var inForce: Bool
    }
    struct Content: Encodable {
        var name: String
        var from: String
        var settings: [Setting]
        var stages: [Setting]
        var versions: [Version]
        var canEdit: Bool
        /// The policy in force as a file, to edit on the page and save as a new version.
        var document: String
        var flash: String?
        var error: String?
        /// The approval and review record, and what parents are shown (PolicyApprovalController).
        var review: PolicyApprovalController.Section
    }

    static func noticeToImproveWords(_ pn: Policy.PenaltyNotice) -> String {
        let weeks = pn.improvementSchoolWeeks.map { " (improvement period \($0) school weeks)" } ?? ""
        switch pn.noticeToImprove {
        case .always: return "; a Notice to Improve first\(weeks)"
        case .discretionary: return "; a Notice to Improve or a penalty notice, case by case\(weeks)"
        case .never: return "; no Notice to Improve"
        }
    }

    func page(req: Request) async throws -> View {
        try await render(req, error: nil)
    }

    func render(_ req: Request, error: String?, draft: String? = nil, approvalError: String? = nil) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readStatistics)
        let today = req.clock.now().date
        let p = try await req.store.policy(schoolID: u.schoolID, on: today)
        let versions = try await req.store.policyVersions(schoolID: u.schoolID)
        let inForce = versions.first { $0.effectiveFrom <= today.iso }?.effectiveFrom
        func pc(_ v: Double) -> String { percent(v) }
        let r = p.register
        var settings = [
            Setting(
                name: "Registers",
                value:
                    "AM opens \(r.am.opens), late after \(r.am.lateAfter), closes \(r.am.closes); PM opens \(r.pm.opens), late after \(r.pm.lateAfter), closes \(r.pm.closes)",
                source: p.clause("register")),
            Setting(name: "Attendance target", value: pc(p.attendanceTarget), source: p.clause("attendance_target")),
            Setting(name: "Bands", value: p.bands.map { "\($0.name) (\($0.tone))" }.joined(separator: "; "), source: p.clause("bands")),
            Setting(
                name: "Persistent and severe absence",
                value: "\(pc(p.persistentAbsence)) and \(pc(p.severeAbsence)) of possible sessions missed",
                source: p.clause("persistent_absence")),
            Setting(
                name: "No reason (N)", value: "becomes O after \(p.noReason.nToOSchoolDays) school days", source: p.clause("no_reason")),
            Setting(
                name: "First-day contact",
                value: "by \(p.dayOne.contactBy)\(p.dayOne.repeatDaily ? ", again each day the absence stays unexplained" : "")",
                source: p.clause("day_one")),
            Setting(
                name: "Penalty notice threshold",
                value:
                    "\(p.penaltyNotice.thresholdSessions) sessions of G, N, O or U in \(p.penaltyNotice.windowSchoolWeeks) school weeks\(Self.noticeToImproveWords(p.penaltyNotice))",
                source: p.clause("penalty_notice")),
        ]
        let me = p.missingEducation
        settings.append(
            Setting(
                name: "Children missing education",
                value: [
                    me.noContactSchoolDays.isEmpty
                        ? nil : "no contact at day \(me.noContactSchoolDays.map(String.init).joined(separator: " and "))",
                    me.vulnerableAfterSchoolDays.map { "vulnerable pupils after \($0) days" },
                    "\(me.continuousUnauthorisedSchoolDays) continuous school days unauthorised",
                    me.illnessSchoolDays.map { "illness over \($0) school days: inform the LA" },
                    "not back \(me.notBackAfterLeaveSchoolDays) school days after leave",
                    me.tellSocialWorker ? "social worker told of unexplained absence" : nil,
                ].compactMap { $0 }.joined(separator: "; "), source: p.clause("missing_education")))
        func words(_ a: Policy.ActionKind) -> String { a.rawValue.replacingOccurrences(of: "_", with: " ") }
        for l in p.lateness {
            var value =
                "\(l.atLeast)\(l.atMost.map { "-\($0)" } ?? " or more") \(l.codes.joined(separator: " or ")) \(l.periodWords): \(words(l.action))"
            if let m = l.monitoring { value += "; monitored \(m.words)" }
            if let n = l.next.flatMap(p.latenessRung) { value += "; then \(n.name)" }
            if let h = l.handOver.flatMap(p.stage) { value += "; then the attendance stage \(h.name)" }
            settings.append(Setting(name: "Lateness: \(l.name)", value: value, source: p.clause("lateness.\(l.id)")))
        }
        let arrival = p.arrivals
        settings.append(
            Setting(
                name: "Each late arrival",
                value: [
                    arrival.sanction.map { "sanction: \($0)" },
                    arrival.notify.isEmpty
                        ? "the family is not told"
                        : "\(arrival.recipients == .first ? "the first contact" : "each parent") told by \(arrival.notify.map(\.rawValue).joined(separator: " and "))",
                    arrival.reasonRequired ? "the late book asks the reason" : nil,
                ].compactMap { $0 }.joined(separator: "; "), source: p.clause("late_arrival")))
        if let t = p.truancy {
            for r in t.ladder {
                settings.append(
                    Setting(
                        name: "Truancy: \(r.name)", value: "\(r.atLeast) or more \(r.per.words()): \(words(r.action))",
                        source: p.clause("truancy.\(r.id)")))
            }
        }
        if let e = p.evidence {
            settings.append(
                Setting(
                    name: "Evidence",
                    value: [
                        "due within \(e.deadlineSchoolDays) school days of the request",
                        e.tellParentsSchoolDaysBefore.map { "the parents told \($0) school days before" },
                        e.reportToLA ? "reported to the LA when not received" : nil,
                        e.byHand ? "staff may ask for it for any absence" : nil,
                        e.medicalAppointments.map {
                            "medical appointments need \([$0.advanceNotice ? "notice" : nil, $0.evidence ? "evidence" : nil].compactMap { $0 }.joined(separator: " and "))"
                        },
                    ].compactMap { $0 }.joined(separator: "; ") + e.allowances.map { "; \($0.name)" }.joined(),
                    source: p.clause("evidence.deadline_school_days")))
        }
        for r in p.planReviews ?? [] {
            settings.append(
                Setting(
                    name: r.name, value: "\(words(r.action)) every \(r.every.words) while the plan is open",
                    source: p.clause("plan_reviews.\(r.id)")))
        }
        for e in p.illnessEvidence {
            settings.append(
                Setting(
                    name: "Illness evidence: \(e.name)", value: "\(e.count) \(e.measure.rawValue.replacingOccurrences(of: "_", with: " "))",
                    source: p.clause("illness_evidence.\(e.id)")))
        }
        settings.append(
            Setting(
                name: "Leave of absence",
                value:
                    "\(p.leave.noticeDays) days' notice\(p.leave.refuseWhenAuthorisedAbove.map { "; refused when authorised absence is above \(pc($0))" } ?? "")\(p.leave.blackouts.isEmpty ? "" : "; not during " + p.leave.blackouts.map { "\($0.reason) (\($0.from) to \($0.to)\($0.yearGroups.map { ", year " + $0.joined(separator: ", ") } ?? ""))" }.joined(separator: ", "))",
                source: p.clause("leave")))
        let stages = p.stages.map { s in
            Setting(
                name: s.name,
                value: ([
                    s.triggerList.isEmpty
                        ? "below \(pc(s.below)) over \(s.windowSchoolWeeks.map { "the last \($0) school weeks" } ?? "the year to date")"
                        : s.triggerList.map { t in
                            "\(t.measure.rawValue.replacingOccurrences(of: "_", with: " "))\(t.atLeast.map { " \($0) or more" } ?? "")"
                                + (t.schoolWeeks.map { " in \($0) school weeks" } ?? t.per.map { " \($0.words())" } ?? "")
                        }.joined(separator: " or "),
                    s.groups.map { "for \($0.joined(separator: " or ").replacingOccurrences(of: "_", with: " ")) only" },
                    words(s.action),
                    s.repeat.map { "again each \($0.rawValue.replacingOccurrences(of: "_", with: " "))" },
                    s.monitoringPeriod.map { "monitored \($0.words)" },
                    s.improvement.map {
                        $0.kind == .agreed
                            ? "target agreed at the meeting"
                            : $0.kind == .rise ? "a rise of \(pc($0.by ?? 0))" : "target \(pc($0.target ?? s.below))"
                    },
                    s.improvedLetter.map { "'\($0)' letter when improved" },
                    s.exitAbove.map { "left at \(pc($0))" },
                    s.reviewEvery.map { "check-in every \($0.words)" },
                    s.next.flatMap { p.stage($0)?.name }.map { "then \($0)" },
                ] as [String?]).compactMap { $0 }.joined(separator: "; "),
                source: p.clause("stages.\(s.id)"))
        }
        let flash = req.session.data["flash"]
        req.session.data["flash"] = nil
        return try await req.render(
            "Policy/policy", title: "Attendance policy",
            Content(
                name: p.name, from: p.effectiveFrom.iso, settings: settings, stages: stages,
                versions: versions.map {
                    Version(
                        from: $0.effectiveFrom, name: $0.name,
                        savedAt: String($0.savedAt.prefix(16)).replacingOccurrences(of: "T", with: " "), savedBy: $0.savedBy,
                        inForce: $0.effectiveFrom == inForce)
                },
                canEdit: u.can(.managePolicy),
                document: draft ?? versions.first { $0.effectiveFrom <= today.iso }?.document
                    ?? String(decoding: PolicyFile.encode(p), as: UTF8.self),
                flash: flash, error: error,
                review: try await PolicyApprovalController.section(req, u, policy: p, today: today, error: approvalError)))
    }

    /// The policy file of one version, exactly as saved.
    func download(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.readStatistics)
        let from = req.parameters.get("from") ?? ""
        guard let v = try await req.store.policyVersions(schoolID: u.schoolID).first(where: { $0.effectiveFrom == from }) else {
            throw Abort(.notFound, reason: "No policy version from \(from).")
        }
        return Response(
            status: .ok,
            headers: [
                "Content-Type": "application/json; charset=utf-8",
                "Content-Disposition": "attachment; filename=\"policy-\(from).json\"",
            ], body: .init(string: v.document))
    }

    /// A new version from an uploaded file, or from the file as edited on the page.
    struct Upload: Codable {
        var file: File?
        var document: String?
    }

    func upload(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.managePolicy)
        let upload = try? req.content.decode(Upload.self)
        let data: Data
        if let f = upload?.file, f.data.readableBytes > 0 {
            data = Data(buffer: f.data)
        } else if let text = upload?.document, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            data = Data(text.utf8)
        } else {
            return try await failed(req, "file: choose a policy file (JSON) to upload, or edit the policy on the page")
        }
        let draft = String(decoding: data, as: UTF8.self)
        let policy: Policy
        do { policy = try PolicyFile.decode(data) } catch { return try await failed(req, "\(error.field): \(error.reason)", draft: draft) }
        do {
            _ = try await req.store.savePolicy(schoolID: u.schoolID, policy, document: draft, by: u.actor, at: req.clock.now().timestamp)
        } catch let e as StoreError { return try await failed(req, e.description, draft: draft) }
        req.session.data["flash"] = "Saved '\(policy.name)', in force from \(policy.effectiveFrom)."
        return req.redirect(to: "/policy")
    }

    func failed(_ req: Request, _ message: String, draft: String? = nil) async throws -> Response {
        let r = try await render(req, error: "\(message). Nothing was saved.", draft: draft).encodeResponse(for: req)
        r.status = .unprocessableEntity
        return r
    }
}
