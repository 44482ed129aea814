import Foundation
import RollbookCore
import RollbookStore
import Vapor

extension Request {
    /// The signed-in member of staff, holding `permission`, and the pupil of the path's `:upn` in their school; 404
    /// naming `upn` when there is none.
    func staffAndPupil(requiring permission: Permission) async throws -> (StaffUser, PupilRow) {
        let u = try auth.require(StaffUser.self)
        try u.require(permission)
        let upn = parameters.get("upn") ?? ""
        guard let p = try await store.pupil(schoolID: u.schoolID, upn: upn) else {
            throw APIError(.notFound, field: "upn", reason: "no pupil with UPN '\(upn)'")
        }
        return (u, p)
    }
}

/// The JSON API under /api/v1. Every route needs a personal API token; what it may do follows the staff member's role.
struct APIController {
    func user(_ req: Request) throws -> StaffUser { try req.auth.require(StaffUser.self) }

    func pupil(_ req: Request, _ user: StaffUser) async throws -> PupilRow {
        try user.require(.readPupils)
        let upn = req.parameters.get("upn") ?? ""
        guard let p = try await req.store.pupil(schoolID: user.schoolID, upn: upn) else {
            throw APIError(.notFound, field: "upn", reason: "no pupil with UPN '\(upn)'")
        }
        try user.requireRead(p)
        return p
    }

    func school(req: Request) async throws -> Response {
        let u = try user(req)
        let s = try await req.store.school(u.schoolID)
        let today = req.clock.now().date
        let policy = try await req.store.policy(schoolID: u.schoolID, on: today)
        struct DTO: Content {
            var name: String
            var registerTimes: RegisterTimes
            var attendanceTarget: Double?
            var today: String
        }
        return try await DTO(
            name: s.name, registerTimes: policy.register, attendanceTarget: policy.attendanceTarget,
            today: today.iso
        ).encodeResponse(for: req)
    }

    /// Sets the school's name and register times (attendance lead or head).
    func updateSchool(req: Request) async throws -> Response {
        let u = try user(req)
        try u.require(.manageRoll)
        struct Body: Content {
            var name: String?
            var registerTimes: RegisterTimes?
            var attendanceTarget: Double?
        }
        let body = try req.content.decode(Body.self)
        if let t = body.registerTimes {
            try t.am.validate(field: "register_times.am")
            try t.pm.validate(field: "register_times.pm")
            guard t.am.closes < t.pm.opens else {
                throw APIError.invalid("register_times.pm.opens", "must be after the AM register closes (\(t.am.closes))")
            }
        }
        if let n = body.name, n.trimmingCharacters(in: .whitespaces).isEmpty { throw APIError.invalid("name", "must not be empty") }
        if let t = body.attendanceTarget, !(0.5...1).contains(t) {
            throw APIError.invalid("attendance_target", "must be a fraction from 0.5 to 1, e.g. 0.96 for 96%")
        }
        if body.registerTimes != nil || body.attendanceTarget != nil, !(try await req.store.policyVersions(schoolID: u.schoolID).isEmpty) {
            throw APIError(
                .conflict, field: body.registerTimes != nil ? "register_times" : "attendance_target",
                reason: "the school's policy sets these: save a new policy version instead")
        }
        try await req.store.updateSchool(u.schoolID, name: body.name, times: body.registerTimes, attendanceTarget: body.attendanceTarget)
        return try await school(req: req)
    }

    func codes(req: Request) async throws -> [CodeDTO] {
        _ = try user(req)
        return AttendanceCode.allCases.map(CodeDTO.init)
    }

    func calendar(req: Request) async throws -> CalendarDTO {
        let u = try user(req)
        let entries = try await req.store.calendarEntries(schoolID: u.schoolID)
        let cal = SchoolCalendar(entries: entries)
        var days: [CalendarDayDTO] = []
        if let span = cal.span {
            let year = try req.yearGroup()
            let asked = req.query[String.self, at: "from"] != nil || req.query[String.self, at: "to"] != nil
            let r = asked ? try req.dateRange() : span
            if let r = r.clamped(to: span) {
                var d = r.from
                while d <= r.to {
                    let am = cal.isOpen(d, .am, yearGroup: year)
                    let pm = cal.isOpen(d, .pm, yearGroup: year)
                    if am || pm { days.append(CalendarDayDTO(date: d.iso, am: am, pm: pm)) }
                    d = d.adding(days: 1)
                }
            }
        }
        return CalendarDTO(
            entries: entries.map {
                .init(start: $0.start.iso, end: $0.end.iso, kind: $0.kind.rawValue, label: $0.label, yearGroups: $0.yearGroups)
            },
            terms: cal.terms.map(TermDTO.init), days: days)
    }

    func listPupils(req: Request) async throws -> [PupilSummaryDTO] {
        let u = try user(req)
        try u.require(.readPupils)
        var (f, _) = try req.pupilFilter()
        if let s = req.query[String.self, at: "on_roll_on"] {
            let d = try parseDate(s, field: "on_roll_on")
            f.onRollDuring = DateRange(from: d, to: d)
        }
        let rows = try await req.store.pupils(schoolID: u.schoolID, filter: u.scoped(f))
        try await SensitiveAccessLog.listed(req, user: u, upns: rows.map(\.upn), characteristic: f.characteristic)
        return rows.map(PupilSummaryDTO.init)
    }

    func admitPupil(req: Request) async throws -> Response {
        let u = try user(req)
        try u.require(.manageRoll)
        let body = try req.content.decode(AdmitPupilDTO.self)
        let record = try body.record()
        try Self.checkAdmission(record, calendar: try await req.store.calendar(schoolID: u.schoolID))
        if try await req.store.pupil(schoolID: u.schoolID, upn: record.upn) != nil {
            throw APIError(.conflict, field: "upn", reason: "a pupil with UPN \(record.upn) is already on the admission register")
        }
        try await req.store.savePupils(schoolID: u.schoolID, [record], yearGroupYear: AcademicYear(containing: record.startingDay))
        let p = try await req.store.pupil(schoolID: u.schoolID, upn: record.upn)!
        let r = try await PupilDetailDTO.load(p, store: req.store).encodeResponse(for: req)
        r.status = .created
        return r
    }

    /// Checks a record to admit, with its temporary address against the calendar; the register's details sit under
    /// `register` in the body, so their errors are named so.
    static func checkAdmission(_ record: PupilRecord, calendar: SchoolCalendar) throws(ValidationError) {
        func named(_ e: ValidationError) -> ValidationError {
            ["last_school", "first_expected_day", "temporary_address"].contains(where: e.field.hasPrefix)
                ? ValidationError(field: "register.\(e.field)", reason: e.reason) : e
        }
        do throws(ValidationError) { try record.validate() } catch { throw named(error) }
        if let t = record.temporaryAddress {
            do throws(ValidationError) {
                try AdmissionRules.checkTemporaryAddress(t, yearGroup: record.yearGroup, calendar: calendar)
            } catch { throw named(error) }
        }
    }

    func getPupil(req: Request) async throws -> PupilDetailDTO {
        let u = try user(req)
        let p = try await pupil(req, u)
        try await SensitiveAccessLog.record(req, user: u, pupils: [p])
        return try await PupilDetailDTO.load(p, store: req.store)
    }

    func contacts(req: Request) async throws -> [ContactDTO] {
        let u = try user(req)
        let p = try await pupil(req, u)
        return try await req.store.contacts(pupilID: p.id!).map(ContactDTO.init)
    }

    func deleteFromRoll(req: Request) async throws -> PupilSummaryDTO {
        let u = try user(req)
        try u.require(.manageRoll)
        let p = try await pupil(req, u)
        let body = try req.content.decode(DeletionDTO.self)
        let ground = try RollDeletion.ground(body.ground)
        let day = try parseDate(body.leavingDay, field: "leaving_day")
        if p.leavingDay != nil { throw APIError(.conflict, field: "upn", reason: "\(p.upn) has already been deleted from the roll") }
        // Enquiries given with another ground are still checked, though not kept.
        let given = try body.enquiries?.confirmation()
        let enquiries = ground.needsEnquiries ? given : nil
        _ = try await RollDeletion.delete(
            req, user: u, pupil: p, ground: ground, leavingDay: day, enquiries: enquiries, homeEducation: try body.homeEducation())
        return PupilSummaryDTO(try await req.store.pupil(schoolID: u.schoolID, upn: p.upn)!)
    }

    func pupilMarks(req: Request) async throws -> [MarkDTO] {
        let u = try user(req)
        try u.require(.readRegisters)
        let p = try await pupil(req, u)
        let range = try req.dateRange()
        let amendments = Dictionary(grouping: try await req.store.amendments(pupilID: p.id!), by: { "\($0.date) \($0.session)" })
        return try await req.store.marks(pupilID: p.id!, range: range).map { m in
            let c = AttendanceCode.lookup(m.code)
            return MarkDTO(
                date: m.date, session: m.session, code: m.code, meaning: c.map { $0.meaning(on: m.day) } ?? "",
                statisticalMeaning: c?.statisticalMeaning.rawValue ?? "", minutesLate: m.minutesLate,
                recordedBy: m.recordedBy, recordedAt: m.recordedAt,
                amendments: (amendments["\(m.date) \(m.session)"] ?? []).map(AmendmentDTO.init))
        }
    }

    func pupilStatistics(req: Request) async throws -> PupilStatisticsDTO {
        let u = try user(req)
        let p = try await pupil(req, u)
        let range = try req.dateRange()
        let engine = StatisticsEngine(calendar: try await req.store.calendar(schoolID: u.schoolID))
        let (c, a) = try await req.store.pupilStatistics(schoolID: u.schoolID, pupil: p, range: range, engine: engine)
        let codes = engine.codeTotals(a, enrolment: p.enrolment, range: range)
        return PupilStatisticsDTO(
            upn: p.upn, from: range.from.iso, to: range.to.iso, sessions: CountsDTO(c),
            persistentAbsence: c.isPersistentAbsence, severeAbsence: c.isSevereAbsence,
            codes: Dictionary(uniqueKeysWithValues: codes.map { ($0.key.symbol, $0.value) }))
    }

    func getRegister(req: Request) async throws -> RegisterDTO {
        let u = try user(req)
        let (d, s) = try req.dateAndSession()
        let form = req.query[String.self, at: "form"]
        let year = try req.yearGroup()
        return try await Registers(req: req, user: u).load(date: d, session: s, form: form, yearGroup: year)
    }

    func submitRegister(req: Request) async throws -> SubmitResultDTO {
        let u = try user(req)
        try u.require(.takeRegister)
        let (d, s) = try req.dateAndSession()
        let body = try req.content.decode(SubmitRegisterDTO.self)
        return try await Registers(req: req, user: u).submit(date: d, session: s, body: body)
    }

    func getLesson(req: Request) async throws -> LessonRegisterDTO {
        let u = try user(req)
        let d = try parseDate(req.parameters.get("date") ?? "", field: "date")
        let lesson = try Registers.lessonName(req.parameters.get("lesson"))
        return try await Registers(req: req, user: u).loadLesson(
            date: d, lesson: lesson, form: req.query[String.self, at: "form"],
            yearGroup: try req.yearGroup())
    }

    func submitLesson(req: Request) async throws -> SubmitLessonResultDTO {
        let u = try user(req)
        try u.require(.takeRegister)
        let d = try parseDate(req.parameters.get("date") ?? "", field: "date")
        let lesson = try Registers.lessonName(req.parameters.get("lesson"))
        let body = try req.content.decode(SubmitLessonDTO.self)
        // A lesson on the timetable that day: its group's pupils, recorded with who took it (cover or not).
        let timetabled = TimetabledLessons(req: req, user: u)
        if let l = try await timetabled.day(d)?.lessons.first(where: { $0.registerName == lesson }) {
            return try await timetabled.submit(date: d, lesson: l, body: body)
        }
        return try await Registers(req: req, user: u).submitLesson(date: d, lesson: lesson, body: body)
    }

    func overdue(req: Request) async throws -> [OverdueDTO] {
        let u = try user(req)
        try u.require(.readRegisters)
        let asOf = try req.asOf()
        let limit = try await req.store.policy(schoolID: u.schoolID, on: asOf).noReason.nToOSchoolDays
        return try await req.store.overdueNoReason(schoolID: u.schoolID, asOf: asOf, limit: limit).filter {
            u.ownForms?.contains($0.0.form) ?? true
        }.map { p, m in
            OverdueDTO(upn: p.upn, name: p.displayName, form: p.form, date: m.date.iso, session: m.session.rawValue)
        }
    }

    /// The daily evaluation's actions, as `rollbook evaluate --format json` prints them (attendance lead, head).
    func actions(req: Request) async throws -> Response {
        let u = try user(req)
        try u.require(.casework)
        let asOf = try req.asOf()
        let (_, actions) = try await req.store.evaluate(schoolID: u.schoolID, asOf: asOf)
        try await SensitiveAccessLog.actions(req, user: u, actions)
        return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: DueAction.json(actions)))
    }

    func statistics(req: Request) async throws -> GroupStatisticsDTO {
        let u = try user(req)
        try u.require(.readStatistics)
        let range = try req.dateRange()
        let (f, echo) = try req.pupilFilter()
        if f.upns != nil { try u.require(.readPupils) }
        // A teacher's figures are their own forms'.
        try u.requireForm(f.form)
        let g = try await req.store.groupStatistics(schoolID: u.schoolID, range: range, filter: u.scoped(f))
        return GroupStatisticsDTO(range: range, filter: echo, stats: g)
    }

    /// Per-pupil figures, as JSON or (`format=csv`) in the `rollbook report` CSV layout.
    func statisticsByPupil(req: Request) async throws -> Response {
        let u = try user(req)
        try u.require(.readPupils)
        let range = try req.dateRange()
        let (f, _) = try req.pupilFilter()
        let lines = try await req.store.pupilStatistics(schoolID: u.schoolID, range: range, filter: u.scoped(f)).map {
            ReportLine(upn: $0.0.upn, counts: $0.1)
        }
        try await SensitiveAccessLog.listed(req, user: u, upns: lines.map(\.upn), characteristic: f.characteristic)
        switch req.query[String.self, at: "format"] ?? "json" {
        case "json":
            return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(string: ReportLine.json(lines)))
        case "csv":
            return Response(
                status: .ok,
                headers: [
                    "Content-Type": "text/csv; charset=utf-8",
                    "Content-Disposition": "attachment; filename=\"attendance-\(range.from)-\(range.to).csv\"",
                ],
                body: .init(string: ReportLine.csv(lines)))
        case let other: throw APIError.invalid("format", "'\(other)' must be json or csv")
        }
    }
}
