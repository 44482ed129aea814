import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// One pupil's line on a register.
struct RegisterLine: Content {
    var upn: String
    var name: String
    var yearGroup: String
    var form: String
    /// False when the school is closed for this pupil's year group (the register shows #).
    var sessionOpen: Bool
    var code: String?
    var meaning: String?
    var category: String?
    var minutesLate: Int?
    var recordedBy: String?
    /// The reason given with the current code, e.g. a parent's report recorded before the register opened.
    var note: String?
    /// A part-time timetable's agreed late start today (`HH:MM`): an arrival by it is present.
    var agreedStart: String? = nil
    /// A part-time timetable's agreed early finish today (`HH:MM`).
    var agreedFinish: String? = nil
    /// A recurring pattern's code for this session (alternative provision, dual registration) while no mark is
    /// recorded: the register starts from it.
    var planned: String? = nil
    /// The pattern in words, with what it is.
    var plannedNote: String? = nil
}

struct RegisterDTO: Content {
    var date: String
    var session: String
    var group: String
    var state: String
    var opens: String
    var lateAfter: String
    var closes: String
    var taken: Bool
    var pupils: [RegisterLine]
}

/// One entry of a register submission: a code, or an arrival time from which L or U follows.
struct SubmittedMark: Content {
    var upn: String
    var code: String?
    var arrivalTime: String?
    var minutesLate: Int?
    var reason: String?
    /// With L or U: the pupil's reason for lateness, one of the policy's `late_arrival.reasons`.
    var lateReason: String?
}

struct SubmitRegisterDTO: Content {
    var form: String?
    var yearGroup: String?
    var marks: [SubmittedMark]
}

struct SubmitResultDTO: Content {
    var created: Int
    var amended: Int
    var unchanged: Int
    var register: RegisterDTO
}

/// Reading and taking registers: the rules shared by the API and the pages.
struct Registers {
    let req: Request
    let user: StaffUser

    var store: Store { req.store }

    /// Pupils in a group on roll on `date` (form, year group, or the whole school).
    func pupils(form: String?, yearGroup: String?, date: LocalDate) async throws -> [PupilRow] {
        try user.requireForm(form)
        return try await store.pupils(
            schoolID: user.schoolID,
            filter: user.scoped(
                PupilFilter(
                    yearGroup: yearGroup, form: form,
                    onRollDuring: DateRange(from: date, to: date)))
        )
        .sorted { ($0.legalSurname, $0.legalForename) < ($1.legalSurname, $1.legalForename) }
    }

    func state(date: LocalDate, session: Session, times: RegisterTimes) -> RegisterWindow.State {
        let now = req.clock.now()
        if date < now.date { return .closed }
        if date > now.date { return .notYetOpen }
        return times[session].state(at: now.time)
    }

    func load(date: LocalDate, session: Session, form: String?, yearGroup: String?) async throws -> RegisterDTO {
        guard user.can(.readRegisters) else {
            throw APIError(.forbidden, field: nil, reason: "a \(user.role.title.lowercased()) may not see registers")
        }
        let calendar = try await store.calendar(schoolID: user.schoolID)
        let pupils = try await pupils(form: form, yearGroup: yearGroup, date: date)
        let marks = try await store.marks(pupilIDs: pupils.compactMap(\.id), date: date, session: session)
        // The register times of the policy in force that day.
        let times = try await store.policy(schoolID: user.schoolID, on: date).register
        let agreed = try await store.agreedDays(pupilIDs: pupils.compactMap(\.id), on: date)
        let patterns = try await store.patterns(pupilIDs: pupils.compactMap(\.id), on: date)
        let lines = pupils.map { p -> RegisterLine in
            let m = marks[p.id!]
            let code = m.flatMap { AttendanceCode.lookup($0.code) }
            let sessionOpen = calendar.isOpen(date, session, yearGroup: p.yearGroup)
            let plan =
                m != nil || !sessionOpen
                ? nil
                : patterns[p.id!]?.lazy.compactMap { r in r.pattern.map { (r, $0) } }.first { $0.1.applies(on: date, session) }
            var line = RegisterLine(
                upn: p.upn, name: p.displayName, yearGroup: p.yearGroup, form: p.form,
                sessionOpen: sessionOpen,
                code: m?.code, meaning: code?.meaning(on: date), category: code?.statisticalMeaning.rawValue,
                minutesLate: m?.minutesLate, recordedBy: m?.recordedBy, note: m?.note, agreedStart: agreed[p.id!]?.start?.padded,
                agreedFinish: agreed[p.id!]?.finish?.padded)
            if let plan {
                line.planned = plan.1.code.symbol
                line.plannedNote = "\(plan.0.note): \(plan.1.words)"
            }
            return line
        }
        let open = lines.filter(\.sessionOpen)
        return RegisterDTO(
            date: date.iso, session: session.rawValue,
            group: Self.groupLabel(form: form, yearGroup: yearGroup),
            state: state(date: date, session: session, times: times).rawValue,
            opens: times[session].opens.description, lateAfter: times[session].lateAfter.description,
            closes: times[session].closes.description,
            taken: !open.isEmpty && open.allSatisfy { $0.code != nil }, pupils: lines)
    }

    static func groupLabel(form: String?, yearGroup: String?) -> String {
        form.map { "form \($0)" } ?? yearGroup.map { "year \($0)" } ?? "whole school"
    }

    /// The pupils a submission names, in its order: each on the admission register, listed once, on roll on the day.
    func submittedPupils(_ upns: [String], date: LocalDate) async throws -> [PupilRow] {
        let rows = try await store.pupils(schoolID: user.schoolID, filter: PupilFilter(upns: upns))
        let byUPN = Dictionary(rows.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
        var seen: Set<String> = []
        return try upns.enumerated().map { i, upn in
            guard let p = byUPN[upn] else {
                throw APIError.invalid("marks[\(i)].upn", "no pupil with UPN '\(upn)' on the admission register")
            }
            guard seen.insert(upn).inserted else { throw APIError.invalid("marks[\(i)].upn", "\(upn) appears twice") }
            guard p.enrolment.isOnRoll(date) else { throw APIError.invalid("marks[\(i)].upn", "\(upn) is not on roll on \(date)") }
            return p
        }
    }

    /// Validates every entry first; writes all of them in one transaction, or none.
    func submit(date: LocalDate, session: Session, body: SubmitRegisterDTO) async throws -> SubmitResultDTO {
        guard !body.marks.isEmpty else { throw APIError.invalid("marks", "must list at least one mark") }
        guard user.can(.takeRegister) else {
            throw APIError(.forbidden, field: nil, reason: "a \(user.role.title.lowercased()) may not take registers")
        }
        let policy = try await store.policy(schoolID: user.schoolID, on: date)
        let times = policy.register
        let calendar = try await store.calendar(schoolID: user.schoolID)
        let state = state(date: date, session: session, times: times)
        if state == .notYetOpen && date > req.clock.now().date && !user.can(.amendMarks) {
            throw APIError(.forbidden, field: "date", reason: "only office staff may record marks for a future day")
        }
        let pupils = try await submittedPupils(body.marks.map(\.upn), date: date)
        let existing = try await store.marks(pupilIDs: pupils.compactMap(\.id), date: date, session: session)
        // Agreed late starts of part-time timetables, for the arrival times given.
        let timed = zip(body.marks, pupils).filter { $0.0.arrivalTime != nil }.compactMap { $0.1.id }
        let agreed = timed.isEmpty ? [:] : try await store.agreedDays(pupilIDs: timed, on: date)
        var writes: [MarkWrite] = []
        var arrivals: [LateArrivals.Arrival] = []
        for (i, (m, p)) in zip(body.marks, pupils).enumerated() {
            let f = "marks[\(i)]"
            guard calendar.isOpen(date, session, yearGroup: p.yearGroup) else {
                throw APIError.invalid("date", "the school is not open for year \(p.yearGroup) on \(date) \(session.rawValue)")
            }
            guard user.mayTakeRegister(form: p.form) else {
                throw APIError(.forbidden, field: "\(f).upn", reason: "\(m.upn) is in form \(p.form), which is not one of your forms")
            }
            let mark: Mark
            var arrivedAt: TimeOfDay?
            switch (m.code, m.arrivalTime) {
            case (let c?, nil):
                let code: AttendanceCode
                do { code = try AttendanceCode.parse(c, on: date) } catch { throw APIError.invalid("\(f).code", error.description) }
                if code == .closure || code == .z {
                    throw APIError.invalid(
                        "\(f).code", code == .z ? "Z is for pupils not yet on the admission register" : "# comes from the school calendar")
                }
                if let ml = m.minutesLate {
                    guard code == .late || code == .u else { throw APIError.invalid("\(f).minutes_late", "is only kept with L or U") }
                    guard (0..<1440).contains(ml) else { throw APIError.invalid("\(f).minutes_late", "must be 0 to 1439") }
                }
                mark = Mark(date: date, session: session, code: code, minutesLate: m.minutesLate)
            case (nil, let t?):
                guard let time = TimeOfDay(t) else { throw APIError.invalid("\(f).arrival_time", "'\(t)' is not a time in the form HH:MM") }
                let a = times.arrival(at: time, session: session, agreedStart: agreed[p.id!]?.start)
                mark = Mark(date: date, session: session, code: a.code, minutesLate: a.minutesLate)
                arrivedAt = time
            case (nil, nil): throw APIError.invalid("\(f).code", "give a code or an arrival_time")
            case (_?, _?): throw APIError.invalid("\(f).arrival_time", "give either a code or an arrival_time, not both")
            }
            let current = existing[p.id!].flatMap { r in
                AttendanceCode.lookup(r.code).map { Mark(date: date, session: session, code: $0, minutesLate: r.minutesLate) }
            }
            var reason = m.reason
            if RegisterRules.change(from: current, to: mark) == .amendment {
                if state == .open {
                    if reason?.isEmpty ?? true { reason = "corrected while the register was open" }
                } else {
                    guard user.can(.amendMarks) else {
                        throw APIError(
                            .forbidden, field: "\(f).code",
                            reason: "the register has closed: changing a mark needs office, attendance lead or head access")
                    }
                    guard let r = reason, !r.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw APIError.invalid(
                            "\(f).reason",
                            "changing \(existing[p.id!]!.code) to \(mark.code.symbol) after the register closed needs a reason")
                    }
                }
            }
            let lateReason = try LateArrivals.checkReason(m.lateReason, code: mark.code, policy: policy, field: "\(f).late_reason")
            // A late arrival is a new L or U, not a minutes-late correction of one.
            if current?.code != .late && current?.code != .u {
                arrivals.append(
                    .init(
                        pupil: p, code: mark.code, register: session.rawValue.uppercased(), time: arrivedAt,
                        minutesLate: mark.minutesLate, reason: lateReason))
            }
            writes.append(MarkWrite(pupilID: p.id!, mark: mark, reason: reason))
        }
        let now = req.clock.now()
        let summary = try await store.record(
            writes, by: user.actor, at: now.timestamp,
            taken: TakenRegister(form: body.form, yearGroup: body.yearGroup, date: date, session: session))
        try await LateArrivals.follow(arrivals, date: date, policy: policy, store: store, by: user.actor, now: now)
        let reg = try await load(date: date, session: session, form: body.form, yearGroup: body.yearGroup)
        return SubmitResultDTO(created: summary.created, amended: summary.amended, unchanged: summary.unchanged, register: reg)
    }
}

struct LessonLine: Content {
    var upn: String
    var name: String
    var form: String
    var code: String?
    var minutesLate: Int?
    var recordedBy: String?
}

struct LessonRegisterDTO: Content {
    var date: String
    var lesson: String
    var group: String
    var pupils: [LessonLine]
}

struct SubmitLessonDTO: Content {
    struct Entry: Content {
        var upn: String
        var code: String
        var minutesLate: Int?
        var reason: String?
    }
    var form: String?
    var yearGroup: String?
    var marks: [Entry]
}

struct SubmitLessonResultDTO: Content {
    var created: Int
    var amended: Int
    var unchanged: Int
    var register: LessonRegisterDTO
}

/// Lesson registers (secondary schools): not statutory, kept apart from AM/PM, audited the same way.
extension Registers {
    static func lessonName(_ raw: String?) throws -> String {
        let l = (raw ?? "").removingPercentEncoding?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !l.isEmpty, l.count <= 40 else { throw APIError.invalid("lesson", "must be 1 to 40 characters, e.g. 'P1' or '9A Maths'") }
        return l
    }

    func loadLesson(date: LocalDate, lesson: String, form: String?, yearGroup: String?) async throws -> LessonRegisterDTO {
        guard user.can(.readRegisters) else {
            throw APIError(.forbidden, field: nil, reason: "a \(user.role.title.lowercased()) may not see registers")
        }
        let pupils = try await pupils(form: form, yearGroup: yearGroup, date: date)
        let marks = try await store.lessonMarks(pupilIDs: pupils.compactMap(\.id), date: date, lesson: lesson)
        return LessonRegisterDTO(
            date: date.iso, lesson: lesson,
            group: Self.groupLabel(form: form, yearGroup: yearGroup),
            pupils: pupils.map { p in
                let m = marks[p.id!]
                return LessonLine(
                    upn: p.upn, name: p.displayName, form: p.form, code: m?.code, minutesLate: m?.minutesLate, recordedBy: m?.recordedBy)
            })
    }

    /// All or nothing, like the AM/PM register: a change on a later day needs office access and a reason. For a
    /// timetabled lesson, `group` is its pupils: only they may be marked, by its teacher or anyone covering it.
    func submitLesson(date: LocalDate, lesson: String, body: SubmitLessonDTO, group: Set<String>? = nil) async throws
        -> SubmitLessonResultDTO
    {
        guard !body.marks.isEmpty else { throw APIError.invalid("marks", "must list at least one mark") }
        guard user.can(.takeRegister) else {
            throw APIError(.forbidden, field: nil, reason: "a \(user.role.title.lowercased()) may not take registers")
        }
        let calendar = try await store.calendar(schoolID: user.schoolID)
        let today = req.clock.now().date
        let pupils = try await submittedPupils(body.marks.map(\.upn), date: date)
        let existing = try await store.lessonMarks(pupilIDs: pupils.compactMap(\.id), date: date, lesson: lesson)
        var writes: [LessonMarkWrite] = []
        var arrivals: [LateArrivals.Arrival] = []
        for (i, (m, p)) in zip(body.marks, pupils).enumerated() {
            let f = "marks[\(i)]"
            guard calendar.isOpen(date, .am, yearGroup: p.yearGroup) || calendar.isOpen(date, .pm, yearGroup: p.yearGroup) else {
                throw APIError.invalid("date", "the school is not open for year \(p.yearGroup) on \(date)")
            }
            if let group {
                guard group.contains(p.upn) else {
                    throw APIError.invalid("\(f).upn", "\(m.upn) is not in the teaching group of \(lesson)")
                }
            } else if !(user.mayTakeRegister(form: p.form) || user.can(.amendMarks)) {
                throw APIError(.forbidden, field: "\(f).upn", reason: "\(m.upn) is in form \(p.form), which is not one of your forms")
            }
            let code: AttendanceCode
            do { code = try AttendanceCode.parse(m.code, on: date) } catch { throw APIError.invalid("\(f).code", error.description) }
            if code == .closure || code == .z { throw APIError.invalid("\(f).code", "\(code.symbol) is not a lesson mark") }
            if let ml = m.minutesLate, code != .late && code != .u || !(0..<1440).contains(ml) {
                throw APIError.invalid("\(f).minutes_late", "is 0 to 1439 and only kept with L or U")
            }
            var reason = m.reason
            if let c = existing[p.id!], c.code != code.symbol || c.minutesLate != m.minutesLate {
                if date == today {
                    if reason?.isEmpty ?? true { reason = "corrected during the day" }
                } else {
                    guard user.can(.amendMarks) else {
                        throw APIError(
                            .forbidden, field: "\(f).code",
                            reason: "changing a past lesson mark needs office, attendance lead or head access")
                    }
                    guard let r = reason, !r.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw APIError.invalid("\(f).reason", "changing \(c.code) to \(code.symbol) needs a reason")
                    }
                }
            }
            if code == .late || code == .u, existing[p.id!]?.code != "L" && existing[p.id!]?.code != "U" {
                arrivals.append(.init(pupil: p, code: code, register: lesson, time: nil, minutesLate: m.minutesLate, reason: nil))
            }
            writes.append(
                LessonMarkWrite(pupilID: p.id!, date: date, lesson: lesson, code: code, minutesLate: m.minutesLate, reason: reason))
        }
        let now = req.clock.now()
        let s = try await store.recordLessonMarks(writes, by: user.actor, at: now.timestamp)
        if !arrivals.isEmpty {
            let policy = try await store.policy(schoolID: user.schoolID, on: date)
            try await LateArrivals.follow(arrivals, date: date, policy: policy, store: store, by: user.actor, now: now)
        }
        // A timetabled lesson answers with its own group's register, not every pupil the user may see.
        let reg =
            if let group {
                try await loadGroupLesson(date: date, lesson: lesson, upns: group)
            } else {
                try await loadLesson(date: date, lesson: lesson, form: body.form, yearGroup: body.yearGroup)
            }
        return SubmitLessonResultDTO(created: s.created, amended: s.amended, unchanged: s.unchanged, register: reg)
    }
}
