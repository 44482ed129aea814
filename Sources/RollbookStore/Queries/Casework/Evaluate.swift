import FluentKit
import Foundation
import RollbookCore
import SQLKit

extension DueAction {
    /// Stable JSON, as `rollbook evaluate` and the API give it: one object per action in worklist order, keys sorted, snake_case.
    public static func json(_ actions: [DueAction]) -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(actions)) ?? Data("[]".utf8)
    }
}

extension Casework {
    /// What a pupil's timeline (oldest first) means for the evaluation: the stage they are in, contact with the
    /// family, agreed leave, notices issued, and the proposed actions already completed or dismissed.
    public init(timeline rows: [CaseworkRow]) {
        self.init()
        for r in rows {
            guard let kind = r.caseworkKind, let day = LocalDate(iso: r.happenedOn) else { continue }
            if let key = r.actionKey { done.insert(key) }
            switch kind {
            case .stageEntered:
                if let current = stage { stageHistory.append(StageState(stage: current.stage, entered: current.entered, left: day)) }
                if let id = r.stageID { stage = StageState(stage: id, entered: day, rateAtEntry: r.figure) }
            case .stageEnded:
                if let current = stage { stageHistory.append(StageState(stage: current.stage, entered: current.entered, left: day)) }
                stage = nil
            case .targetAgreed:
                // A target agreed at a meeting applies to the stage the pupil is in.
                if stage != nil, let t = r.figure { stage!.agreedTarget = t }
            case .educationSupervisionOrder, .individualAttendancePlan, .attendanceContract, .earlyHelpPlan:
                plans.append(PlanState(kind: kind.rawValue, started: day))
            case .sendHealthPlan:
                plans.append(PlanState(kind: kind.rawValue, started: day, note: r.summary))
            case .planEnded:
                if let i = plans.lastIndex(where: { $0.kind == r.outcome && $0.ended == nil }) { plans[i].ended = day }
            case .familyContact, .meeting:
                // A call made is not contact unless it was answered: staff record that as contact with the family.
                lastFamilyContact = max(lastFamilyContact ?? day, day)
            case .leaveEnded:
                leaveEnded = max(leaveEnded ?? day, day)
            case .noticeToImprove, .penaltyNotice:
                notices.append(
                    NoticeRecord(parent: r.parent ?? "", kind: kind == .penaltyNotice ? .penaltyNotice : .noticeToImprove, issued: day))
            case .penaltyNoticePaidEarly:
                notices.markPaidWithin21Days(parent: r.parent ?? "")
            case .latenessRungEntered:
                if let current = latenessRung {
                    latenessHistory.append(StageState(stage: current.stage, entered: current.entered, left: day))
                }
                if let id = r.stageID { latenessRung = StageState(stage: id, entered: day) }
            case .latenessRungEnded:
                if let current = latenessRung {
                    latenessHistory.append(StageState(stage: current.stage, entered: current.entered, left: day))
                }
                latenessRung = nil
            case .truancy:
                let slot = r.sessionList.first
                truancies.append(
                    TruancyRecord(
                        date: slot?.date ?? day, session: slot?.session, kind: TruancyRecord.Kind(rawValue: r.outcome ?? "") ?? .leftSite))
            case .evidenceRequested:
                evidenceRequests.append(
                    EvidenceRequestRecord(
                        raised: day, sessions: r.sessionList.map { SessionSlot(date: $0.date, session: $0.session) },
                        rule: r.outcome ?? EvidenceRequestRecord.byHand))
            case .evidenceReceived:
                for s in r.sessionList { evidenceReceived.insert(SessionSlot(date: s.date, session: s.session)) }
            case .exclusion:
                if let x = r.exclusion { exclusions.append(x) }
            case .contactFailed:
                if let priority = r.figure { failedContacts.append(ContactAttempt(date: day, priority: Int(priority))) }
            default:
                break
            }
        }
    }
}

extension Store {
    /// Every contact of a school's pupils (or of some), in priority order; read with SQLKit, as the evaluation reads every pupil's.
    public func contacts(schoolID: Int, pupilIDs: [Int]? = nil) async throws -> [Int: [Contact]] {
        var q = sql.select().columns(
            SQLColumn("pupil_id", table: "contacts"), SQLColumn("priority", table: "contacts"), SQLColumn("name", table: "contacts"),
            SQLColumn("relationship", table: "contacts"), SQLColumn("parental_responsibility", table: "contacts"),
            SQLColumn("lives_with", table: "contacts"), SQLColumn("phone", table: "contacts"), SQLColumn("email", table: "contacts")
        )
        .from("contacts").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "contacts"))
        .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        if let ids = pupilIDs {
            guard !ids.isEmpty else { return [:] }
            q = q.where(SQLColumn("pupil_id", table: "contacts"), .in, SQLBind.group(ids))
        }
        var out: [Int: [Contact]] = [:]
        for r in try await q.orderBy(SQLColumn("priority", table: "contacts")).rows() {
            out[try r.int("pupil_id"), default: []].append(
                Contact(
                    priority: try r.int("priority"), name: try r.string("name"),
                    relationship: try r.string("relationship"),
                    parentalResponsibility: try r.bool("parental_responsibility"),
                    livesWith: try r.bool("lives_with"), phone: try r.string("phone"),
                    email: try r.string("email")))
        }
        return out
    }

    /// Each pupil's date of birth (for compulsory school age), whether they are vulnerable (child protection or child in
    /// need plan, looked after, or another reason recorded), whether they have a social worker, and their characteristics (stages for a group), by
    /// pupil id.
    func evaluationFacts(schoolID: Int, pupilIDs: [Int]?) async throws -> [Int: (
        dateOfBirth: LocalDate, vulnerable: Bool, socialWorker: Bool, characteristics: Characteristics
    )] {
        var q = sql.select().columns(["id", "date_of_birth", "social_worker_name"] + Characteristics.columns).from(PupilRow.schema)
            .where("school_id", .equal, SQLBind(schoolID))
        if let ids = pupilIDs {
            // PostgreSQL refuses `IN ()`.
            guard !ids.isEmpty else { return [:] }
            q = q.where("id", .in, SQLBind.group(ids))
        }
        var out: [Int: (dateOfBirth: LocalDate, vulnerable: Bool, socialWorker: Bool, characteristics: Characteristics)] = [:]
        for r in try await q.rows() {
            let dob = try r.string("date_of_birth")
            guard let dateOfBirth = LocalDate(iso: dob) else {
                throw ValidationError(field: "date_of_birth", reason: "'\(dob)' is not a date")
            }
            var c = try Characteristics(row: r)
            c.socialWorkerName = try r.string("social_worker_name")
            out[try r.int("id")] = (
                dateOfBirth, c.isVulnerable, !c.socialWorkerName.isEmpty, c
            )
        }
        return out
    }

    /// Notices to Improve and penalty notices recorded for the same children (by UPN) at the deployment's other
    /// schools: the 3-year limit counts every notice for a parent and child, wherever it was recorded (seed 000
    /// §6.5.7.4). Notices are few, so every other school's are read and matched here.
    func noticesAtOtherSchools(schoolID: Int, upns: Set<String>) async throws -> [String: [NoticeRecord]] {
        guard !upns.isEmpty else { return [:] }
        let kinds = [CaseworkKind.noticeToImprove, .penaltyNotice, .penaltyNoticePaidEarly].map(\.rawValue)
        let rows = try await sql.select()
            .columns(
                SQLColumn("upn", table: "pupils"), SQLColumn("kind", table: "casework"), SQLColumn("parent", table: "casework"),
                SQLColumn("happened_on", table: "casework"), SQLColumn("name", table: "schools")
            )
            .from("casework")
            .join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "casework"))
            .join("schools", on: SQLColumn("id", table: "schools"), .equal, SQLColumn("school_id", table: "pupils"))
            .where(SQLColumn("school_id", table: "pupils"), .notEqual, SQLBind(schoolID))
            .where(SQLColumn("kind", table: "casework"), .in, SQLBind.group(kinds))
            .orderBy(SQLColumn("happened_on", table: "casework")).orderBy(SQLColumn("id", table: "casework"))
            .all()
        var out: [String: [NoticeRecord]] = [:]
        for r in rows {
            let upn = try r.decode(column: "upn", as: String.self)
            guard upns.contains(upn), let kind = CaseworkKind(rawValue: try r.decode(column: "kind", as: String.self)),
                let day = LocalDate(iso: try r.decode(column: "happened_on", as: String.self))
            else { continue }
            let parent = try r.decode(column: "parent", as: String?.self) ?? ""
            let school = try r.decode(column: "name", as: String.self)
            switch kind {
            case .penaltyNoticePaidEarly:
                out[upn]?.markPaidWithin21Days(parent: parent)
            default:
                out[upn, default: []].append(
                    NoticeRecord(
                        parent: parent, kind: kind == .penaltyNotice ? .penaltyNotice : .noticeToImprove,
                        issued: day, recordedAt: school))
            }
        }
        return out
    }

    /// The daily evaluation for a school on `asOf`: marks, the policy in force, the calendar and every pupil's casework
    /// turned into the actions due (`Evaluation.run`).
    public func evaluate(schoolID: Int, asOf: LocalDate, upns: [String]? = nil) async throws -> (policy: Policy, actions: [DueAction]) {
        let policy = try await policy(schoolID: schoolID, on: asOf)
        let calendar = try await calendar(schoolID: schoolID)
        // Exactly the days the rules read: the year to date and the windows before it, which may reach into last year.
        let range = Evaluation.marksNeeded(policy: policy, calendar: calendar, asOf: asOf) ?? DateRange(from: asOf, to: asOf)
        let from = range.from
        let pupils = try await listings(schoolID: schoolID, filter: PupilFilter(onRollDuring: DateRange(from: asOf, to: asOf), upns: upns))
        let ids = pupils.map(\.id)
        let arrays = try await sessionArrays(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range)
        let contacts = try await contacts(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids)
        let flags = try await evaluationFacts(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids)
        let noticesElsewhere = try await noticesAtOtherSchools(schoolID: schoolID, upns: Set(pupils.map(\.upn)))
        let orders = try await parentingOrders(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids)
        var timelines: [Int: [CaseworkRow]] = [:]
        if upns == nil {
            for r in try await casework(schoolID: schoolID) { timelines[r.pupilID, default: []].append(r) }
        } else {
            for id in ids { timelines[id] = try await casework(pupilID: id).reversed() }
        }
        // Leave decisions: granted leave that has ended (for "not back after leave"), and the G and evidence follow-ups.
        var decisions: [Int: [LeaveDecisionFacts]] = [:]
        for r in try await leaveRequests(pupilIDs: upns == nil ? nil : ids, schoolID: schoolID) {
            guard let d = r.decision else { continue }
            decisions[r.pupilID, default: []].append(d)
        }
        // Each input only when a rule of the policy reads it.
        let notice =
            policy.evidence?.medicalAppointments?.advanceNotice == true
            ? try await advanceNotice(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range) : [:]
        let illness =
            (policy.evidence?.allowances.isEmpty ?? true)
            ? [:] : try await illnessReasons(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range)
        // With the not-in-lesson alert, a lesson counts once an alert is resolved as truancy; otherwise every N or O.
        let lessonTruancy =
            policy.truancy == nil
            ? [:]
            : policy.schoolDay?.notInLesson != nil
                ? try await alertTruancies(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range)
                : try await lessonTruancies(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range)
        let lessonLates =
            policy.countsLessonLates ? try await lessonLates(schoolID: schoolID, pupilIDs: upns == nil ? nil : ids, range: range) : [:]
        // A Traveller pupil's last attendance here, for the base-school rule.
        let travellers = pupils.filter { flags[$0.id]?.characteristics.traveller == true }.map(\.id)
        let lastAttended = policy.traveller == nil || travellers.isEmpty ? [:] : try await lastAttended(pupilIDs: travellers)
        var casework: [String: Casework] = [:]
        var followUps: [DueAction] = []
        let facts = try pupils.map { p in
            let id = p.id
            var cw = timelines[id].map(Casework.init(timeline:))
            if let other = noticesElsewhere[p.upn] {
                if cw == nil { cw = Casework() }
                cw!.notices += other
            }
            if let o = orders[id] {
                if cw == nil { cw = Casework() }
                cw!.parentingOrders = o
            }
            let ended = decisions[id]?.compactMap { $0.grant?.to }.filter { $0 < asOf }.max()
            if let ended {
                if cw == nil { cw = Casework() }
                cw!.leaveEnded = max(cw!.leaveEnded ?? ended, ended)
            }
            if notice[id] != nil || illness[id] != nil || lessonTruancy[id] != nil {
                if cw == nil { cw = Casework() }
                cw!.advanceNotice.formUnion(notice[id] ?? [])
                cw!.illnessReasons.merge(illness[id] ?? [:]) { a, _ in a }
                cw!.truancies += lessonTruancy[id] ?? []
            }
            if let l = lessonLates[id] {
                if cw == nil { cw = Casework() }
                cw!.lessonLates = l
            }
            if let cw { casework[p.upn] = cw }
            guard let facts = flags[id] else { throw ValidationError(field: "pupil", reason: "\(p.upn) is not on the admission register") }
            var f = PupilFacts(
                upn: p.upn, name: p.displayName, dateOfBirth: facts.dateOfBirth, enrolment: p.enrolment,
                codes: arrays[id] ?? SessionArray(base: from, days: 0),
                vulnerable: facts.vulnerable, socialWorker: facts.socialWorker, contacts: contacts[id] ?? [],
                characteristics: facts.characteristics, traveller: facts.characteristics.traveller)
            f.lastAttended = lastAttended[id]
            if let d = decisions[id] {
                let done = cw?.done ?? []
                followUps += LeaveFollowUp.run(
                    policy: policy, calendar: calendar, asOf: asOf, pupil: f, decisions: d, casework: cw ?? Casework()
                )
                .filter { !done.contains($0.key) }
            }
            return f
        }
        let actions = Evaluation.run(policy: policy, calendar: calendar, asOf: asOf, pupils: facts, casework: casework)
        return (policy, followUps.isEmpty ? actions : (actions + followUps).sorted(by: DueAction.worklistOrder))
    }

    /// Sessions the school was told of before their day, by pupil id: the advance notice a policy's medical-appointment
    /// rule asks for. A parent's absence report made the day before or earlier, or an M the office recorded before the
    /// day (notice given by phone or letter).
    func advanceNotice(schoolID: Int, pupilIDs: [Int]?, range: DateRange) async throws -> [Int: Set<SessionSlot>] {
        if let ids = pupilIDs, ids.isEmpty { return [:] }
        var q = sql.select().columns(
            SQLColumn("pupil_id", table: "absence_reports"), SQLColumn("from_date", table: "absence_reports"),
            SQLColumn("to_date", table: "absence_reports"), SQLColumn("sessions", table: "absence_reports"),
            SQLColumn("created_at", table: "absence_reports")
        )
        .from("absence_reports").join(
            "pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "absence_reports")
        )
        .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        .where(SQLColumn("to_date", table: "absence_reports"), .greaterThanOrEqual, SQLBind(range.from.iso))
        if let ids = pupilIDs { q = q.where(SQLColumn("pupil_id", table: "absence_reports"), .in, SQLBind.group(ids)) }
        var out: [Int: Set<SessionSlot>] = [:]
        var m = sql.select().columns(
            SQLColumn("pupil_id", table: "marks"), SQLColumn("date", table: "marks"), SQLColumn("session", table: "marks")
        )
        .from("marks").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "marks"))
        .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        // A literal, not a bound value, so the partial index `marks_medical` serves it.
        .where(SQLColumn("code", table: "marks"), .equal, SQLLiteral.string("M"))
        .where(SQLColumn("date", table: "marks"), .greaterThanOrEqual, SQLBind(range.from.iso))
        .where(
            SQLFunction("substr", args: SQLColumn("recorded_at", table: "marks"), SQLLiteral.numeric("1"), SQLLiteral.numeric("10")),
            .lessThan, SQLColumn("date", table: "marks"))
        if let ids = pupilIDs { m = m.where(SQLColumn("pupil_id", table: "marks"), .in, SQLBind.group(ids)) }
        for r in try await m.all() {
            guard let d = LocalDate(iso: try r.decode(column: "date", as: String.self)),
                let s = Session(rawValue: try r.decode(column: "session", as: String.self))
            else { continue }
            out[try r.decode(column: "pupil_id", as: Int.self), default: []].insert(SessionSlot(date: d, session: s))
        }
        for r in try await q.all() {
            guard let from = LocalDate(iso: try r.decode(column: "from_date", as: String.self)),
                let to = LocalDate(iso: try r.decode(column: "to_date", as: String.self)),
                let made = LocalDate(iso: String(try r.decode(column: "created_at", as: String.self).prefix(10)))
            else { continue }
            let which = try r.decode(column: "sessions", as: String.self)
            let sessions: [Session] = which == "am" ? [.am] : which == "pm" ? [.pm] : [.am, .pm]
            var d = max(from, made.adding(days: 1))
            while d <= to {
                for s in sessions {
                    out[try r.decode(column: "pupil_id", as: Int.self), default: []].insert(SessionSlot(date: d, session: s))
                }
                d = d.adding(days: 1)
            }
        }
        return out
    }

    /// The reason the office recorded with each illness (I) mark, by pupil id: what a policy's allowances match (seed
    /// 003's "D&V").
    func illnessReasons(schoolID: Int, pupilIDs: [Int]?, range: DateRange) async throws -> [Int: [SessionSlot: String]] {
        if let ids = pupilIDs, ids.isEmpty { return [:] }
        var q = sql.select().columns(
            SQLColumn("pupil_id", table: "marks"), SQLColumn("date", table: "marks"), SQLColumn("session", table: "marks"),
            SQLColumn("note", table: "marks")
        )
        .from("marks").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "marks"))
        .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        .where(SQLColumn("code", table: "marks"), .equal, SQLBind("I"))
        .where(SQLColumn("date", table: "marks"), .greaterThanOrEqual, SQLBind(range.from.iso))
        .where(SQLColumn("note", table: "marks"), .isNot, SQLLiteral.null)
        if let ids = pupilIDs { q = q.where(SQLColumn("pupil_id", table: "marks"), .in, SQLBind.group(ids)) }
        var out: [Int: [SessionSlot: String]] = [:]
        for r in try await q.all() {
            guard let d = LocalDate(iso: try r.decode(column: "date", as: String.self)),
                let s = Session(rawValue: try r.decode(column: "session", as: String.self)),
                let note = try r.decode(column: "note", as: String?.self)
            else { continue }
            out[try r.decode(column: "pupil_id", as: Int.self), default: [:]][SessionSlot(date: d, session: s)] = note
        }
        return out
    }

    /// Lessons missed while present at registration, by pupil id: a lesson marked N or O on a day the pupil was marked
    /// present (or late) at the AM or PM register. Until lesson registers have a timetable the session is not known.
    func lessonTruancies(schoolID: Int, pupilIDs: [Int]?, range: DateRange) async throws -> [Int: [TruancyRecord]] {
        if let ids = pupilIDs, ids.isEmpty { return [:] }
        var q = sql.select().columns(
            SQLColumn("pupil_id", table: "lesson_marks"), SQLColumn("date", table: "lesson_marks"),
            SQLColumn("lesson", table: "lesson_marks")
        )
        .distinct()
        .from("lesson_marks").join("pupils", on: SQLColumn("id", table: "pupils"), .equal, SQLColumn("pupil_id", table: "lesson_marks"))
        .join(
            "marks",
            on: SQLBinaryExpression(
                SQLBinaryExpression(SQLColumn("pupil_id", table: "marks"), .equal, SQLColumn("pupil_id", table: "lesson_marks")), .and,
                SQLBinaryExpression(SQLColumn("date", table: "marks"), .equal, SQLColumn("date", table: "lesson_marks")))
        )
        .where(SQLColumn("school_id", table: "pupils"), .equal, SQLBind(schoolID))
        .where(SQLColumn("code", table: "lesson_marks"), .in, SQLBind.group(["N", "O"]))
        .where(SQLColumn("code", table: "marks"), .in, SQLBind.group(["/", "\\", "L"]))
        .where(SQLColumn("date", table: "lesson_marks"), .greaterThanOrEqual, SQLBind(range.from.iso))
        if let ids = pupilIDs { q = q.where(SQLColumn("pupil_id", table: "lesson_marks"), .in, SQLBind.group(ids)) }
        var out: [Int: [TruancyRecord]] = [:]
        for r in try await q.all() {
            guard let d = LocalDate(iso: try r.decode(column: "date", as: String.self)) else { continue }
            out[try r.decode(column: "pupil_id", as: Int.self), default: []].append(
                TruancyRecord(date: d, kind: .missedLesson, lesson: try r.decode(column: "lesson", as: String.self)))
        }
        return out
    }
}
