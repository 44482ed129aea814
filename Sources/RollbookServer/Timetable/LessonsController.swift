import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// "My lessons" (`/lessons`): a teacher's periods of the day with each register's state, phone first; and a
/// timetabled lesson's register (`/lessons/:date/:lesson`), one tap per pupil, with each pupil's AM/PM mark and any
/// sign-out. Anyone who may take registers may take another teacher's lesson as cover; it is recorded as cover.
struct LessonsController {
    struct MyLessons: Encodable {
        struct Row: Encodable {
            var period: String
            var times: String
            var group: String
            var room: String
            var teacher: String
            var state: String
            var stateLabel: String
            var link: String
            var mine: Bool
        }
        var date: String
        var dateLabel: String
        var summary: String
        var mine: [Row]
        var others: [Row]
        var showAll: Bool
        var allLink: String
        var previous: String
        var next: String
        var flash: String?
    }

    func myLessons(req: Request) async throws -> View {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let now = req.clock.now()
        let date = try req.query[String.self, at: "date"].map { try parseDate($0, field: "date") } ?? now.date
        let showAll = req.query[String.self, at: "all"] == "1" || u.role != .teacher
        let lessons = TimetabledLessons(req: req, user: u)
        let day = try await lessons.day(date)
        let taken = try await req.store.lessonRegisters(schoolID: u.schoolID, date: date)
        let counts = try await req.store.lessonMarkCounts(schoolID: u.schoolID, date: date)
        let shown = (day?.lessons ?? []).filter { showAll || lessons.teaches($0) }
        // A group's pupils who are on roll that day: leavers stay in a timetable version until the next one.
        let onRoll = Set(
            try await req.store.pupils(schoolID: u.schoolID, filter: PupilFilter(upns: Array(Set(shown.flatMap(\.pupils)))))
                .filter { $0.enrolment.isOnRoll(date) }.map(\.upn))
        var mine: [MyLessons.Row] = []
        var others: [MyLessons.Row] = []
        for l in shown {
            let marked = counts[l.registerName] ?? 0
            let expected = l.pupils.filter(onRoll.contains).count
            let started = date < now.date || (date == now.date && l.start <= now.time)
            let (state, label): (String, String) =
                if marked >= expected && expected > 0 {
                    ("taken", "Taken" + (taken[l.registerName].map { $0.cover ? " (cover: \($0.takenBy))" : "" } ?? ""))
                } else if marked > 0 {
                    ("part", "\(marked) of \(expected) marked")
                } else if started {
                    ("missing", "Not taken")
                } else {
                    ("later", "Starts \(l.start.padded)")
                }
            let row = MyLessons.Row(
                period: l.period, times: "\(l.start.padded)–\(l.end.padded)", group: l.group, room: l.room, teacher: l.teacher,
                state: state, stateLabel: label, link: TimetabledLessons.path(date, l), mine: lessons.teaches(l))
            if row.mine { mine.append(row) } else if showAll { others.append(row) }
        }
        let summary =
            day == nil
            ? "No lessons: \(try await req.store.timetable(schoolID: u.schoolID, on: date) == nil ? "no timetable is in force on this day" : "the school is closed")."
            : "Day \(day!.cycleDay) of the timetable cycle."
        return try await req.render(
            "Timetable/my-lessons", title: "My lessons",
            MyLessons(
                date: date.iso, dateLabel: "\(date.weekdayName) \(date.day) \(date.monthName) \(date.year)", summary: summary,
                mine: mine, others: others, showAll: showAll, allLink: "/lessons?date=\(date.iso)&all=1",
                previous: "/lessons?date=\(date.adding(days: -1).iso)", next: "/lessons?date=\(date.adding(days: 1).iso)",
                flash: req.takeFlash()))
    }

    struct LessonPage: Encodable {
        struct Line: Encodable {
            var upn: String
            var name: String
            var form: String
            var am: String
            var pm: String
            var signedOut: String?
            var choice: String
            var current: String
        }
        var date: String
        var lesson: String
        var period: String
        var times: String
        var group: String
        var room: String
        var teacher: String
        var cover: Bool
        var takenBy: String?
        var lines: [Line]
        var saved: String?
        var error: String?
    }

    func lesson(_ req: Request) async throws -> (StaffUser, LocalDate, DayTimetable.Lesson) {
        let u = try req.auth.require(StaffUser.self)
        try u.require(.takeRegister)
        let date = try parseDate(req.parameters.get("date") ?? "", field: "date")
        let name = try Registers.lessonName(req.parameters.get("lesson"))
        guard let l = try await TimetabledLessons(req: req, user: u).day(date)?.lessons.first(where: { $0.registerName == name }) else {
            throw APIError(.notFound, field: "lesson", reason: "no lesson '\(name)' on the timetable on \(date.iso)")
        }
        return (u, date, l)
    }

    func page(req: Request) async throws -> View {
        let (u, date, l) = try await lesson(req)
        return try await render(req, u, date, l, saved: req.takeFlash(), error: nil)
    }

    func render(_ req: Request, _ u: StaffUser, _ date: LocalDate, _ l: DayTimetable.Lesson, saved: String?, error: String?)
        async throws -> View
    {
        let pupils = try await req.store.pupils(schoolID: u.schoolID, filter: PupilFilter(upns: l.pupils))
            .filter { $0.enrolment.isOnRoll(date) }
        let byUPN = Dictionary(pupils.map { ($0.upn, $0) }, uniquingKeysWith: { a, _ in a })
        let ids = pupils.compactMap(\.id)
        let am = try await req.store.marks(pupilIDs: ids, date: date, session: .am)
        let pm = try await req.store.marks(pupilIDs: ids, date: date, session: .pm)
        let marks = try await req.store.lessonMarks(pupilIDs: ids, date: date, lesson: l.registerName)
        var signedOut: [Int: String] = [:]
        for s in try await req.store.signOuts(pupilIDs: ids, date: date) {
            signedOut[s.pupilID] = "Signed out at \(s.outAt): \(s.reason)" + (s.backAt.map { ", back at \($0)" } ?? ", not back yet")
        }
        let lines: [LessonPage.Line] = l.pupils.compactMap { upn in
            guard let p = byUPN[upn], let id = p.id else { return nil }
            let code = marks[id]?.code
            return .init(
                upn: upn, name: p.displayName, form: p.form, am: am[id]?.code ?? "not marked",
                pm: pm[id]?.code ?? "not marked", signedOut: signedOut[id],
                choice: code == nil ? "" : code == "L" ? "late" : code == "N" ? "absent" : code == "/" || code == "\\" ? "present" : "",
                current: code.map { "Marked \($0)" } ?? "Not marked")
        }
        let taken = try await req.store.lessonRegisters(schoolID: u.schoolID, date: date)[l.registerName]
        return try await req.render(
            "Timetable/lesson-register", title: "\(l.period) \(l.group)",
            LessonPage(
                date: date.iso, lesson: l.registerName, period: l.period, times: "\(l.start.padded)–\(l.end.padded)", group: l.group,
                room: l.room, teacher: l.teacher, cover: !TimetabledLessons.isTeacher(l.teacher, u),
                takenBy: taken.map { "Taken by \($0.takenBy) at \($0.takenAt.dropFirst(11).prefix(5))\($0.cover ? " (cover)" : "")" },
                lines: lines, saved: saved, error: error))
    }

    /// The form: `mark_UPN` = present, late or absent for each pupil. All or nothing.
    func save(req: Request) async throws -> Response {
        let (u, date, l) = try await lesson(req)
        let fields = try req.content.decode([String: String].self)
        let now = req.clock.now()
        do {
            let r = try await TimetabledLessons(req: req, user: u).submit(
                date: date, lesson: l, body: SubmitLessonDTO(form: nil, yearGroup: nil, marks: try entries(fields, l, date, now)))
            req.session.data["flash"] = "Saved: \(r.created) new, \(r.amended) changed, \(r.unchanged) unchanged."
            return req.redirect(to: TimetabledLessons.path(date, l))
        } catch let e as APIError where e.status == .unprocessableEntity {
            let v = try await render(req, u, date, l, saved: nil, error: "\(e.field.map { "\($0): " } ?? "")\(e.reason)")
            let r = try await v.encodeResponse(for: req)
            r.status = .unprocessableEntity
            return r
        }
    }

    func entries(_ fields: [String: String], _ l: DayTimetable.Lesson, _ date: LocalDate, _ now: SchoolNow) throws
        -> [SubmitLessonDTO.Entry]
    {
        var entries: [SubmitLessonDTO.Entry] = []
        for upn in l.pupils {
            guard let v = fields["mark_\(upn)"], !v.isEmpty else { continue }
            switch v {
            case "present": entries.append(.init(upn: upn, code: "/"))
            case "late":
                let late = date == now.date ? max(0, now.time.minutes - l.start.minutes) : nil
                entries.append(.init(upn: upn, code: "L", minutesLate: late))
            case "absent": entries.append(.init(upn: upn, code: "N"))
            default: throw APIError.invalid("mark_\(upn)", "'\(v)' must be present, late or absent")
            }
        }
        return entries
    }
}
