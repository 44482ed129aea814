import Foundation
import RollbookCore
import RollbookDemo
import RollbookStore
import Vapor

/// Creates the demo school: fictional pupils and marks, and one staff account of each role.
public enum DemoSeeder {
    /// Marks run to `options.through`; when that is today, registers whose close time has not passed at `time`
    /// are left to take, and so are the demo teacher's form's registers for the day.
    public static func seed(store: Store, options: DemoOptions, time: TimeOfDay? = nil, bcryptCost: Int, now: String) async throws -> (
        schoolID: Int, pupils: Int
    ) {
        var school = Demo.generate(options)
        let firstForm = school.pupils.map(\.record.form).sorted(by: formOrder).first ?? ""
        if let time {
            for i in school.pupils.indices {
                for s in Session.allCases where school.registerTimes[s].closes >= time || school.pupils[i].record.form == firstForm {
                    school.pupils[i].marks[options.through, s] = nil
                }
            }
        }
        let id = try await store.loadGeneratedSchool(school, recordedBy: "Demo data", at: now)
        // LA and establishment numbers for its Common Transfer Files (fictional: LA 990 is not a real authority).
        try await store.setCTFNumbers(schoolID: id, la: "990", estab: "2001")
        try await store.updateSchool(id, name: nil, times: nil, attendanceTarget: 0.96)
        let hash = try Bcrypt.hash(DemoAccounts.password, cost: bcryptCost)
        let domain = options.phase == .primary ? "harbourlane.example.org" : "westmere.example.org"
        let accounts: [(String, String, String, Role, [String])] = [
            ("Sam Teacher", "teacher", "Class teacher, \(firstForm)", .teacher, [firstForm]),
            ("Olu Office", "office", "Attendance officer", .office, []),
            ("Lee Lead", "lead", "Senior leader for attendance", .attendanceLead, []),
            ("Harriet Head", "head", "Headteacher", .head, []),
            ("Gwen Governor", "governor", "Chair of governors", .governor, []),
            ("Lal Officer", "la", "Local authority attendance officer", .laOfficer, []),
            // Told of "in school, not in lesson" alerts when the policy names `head_of_year`; resolves them.
            ("Yara Yearhead", "year.head", "Head of Year (pastoral)", .attendanceLead, []),
        ]
        for (name, local, position, role, forms) in accounts {
            try await store.addStaff(
                StaffRow(
                    schoolID: id, name: name, email: "\(local)@\(domain)", position: position,
                    role: role, passwordHash: hash, forms: forms))
        }
        // Two families of the first form with parent portal accounts already set up (each a different child).
        for p in school.pupils.filter({ $0.record.form == firstForm }).prefix(2) {
            guard
                let c = p.record.contacts.sorted(by: { $0.priority < $1.priority }).first(where: {
                    $0.parentalResponsibility && !$0.email.isEmpty
                })
            else { continue }
            let account = try await store.inviteParent(
                schoolID: id, email: c.email, name: c.name, tokenHash: "demo-\(p.record.upn)",
                expiresAt: now, by: Actor(name: "Demo data", position: "Rollbook"), at: now)
            try await store.activateParent(id: account.id!, passwordHash: hash, at: now)
        }
        // One pupil of the first form with their own attendance tracker (seed 000 §3.2).
        if let p = school.pupils.first(where: { $0.record.form == firstForm }),
            let row = try await store.pupil(schoolID: id, upn: p.record.upn)
        {
            let account = try await store.invitePupil(
                schoolID: id, pupilID: row.id!, email: "pupil@\(domain)", tokenHash: "demo-pupil-\(p.record.upn)", expiresAt: now,
                by: Actor(name: "Demo data", position: "Rollbook"), at: now)
            try await store.activatePupilAccount(id: account.id!, passwordHash: hash, at: now)
        }
        if let t = demoTimetable(school, teacher: { $0 == firstForm ? "teacher@\(domain)" : "class.\($0.lowercased())@\(domain)" }) {
            _ = try await store.saveTimetable(
                schoolID: id, t, filename: "demo-timetable.csv", by: Actor(name: "Demo data", position: "Rollbook"), at: now)
        }
        // A grandmother on the contact list of the Year 4 pupil with the highest UPN, to show who may collect (issue 17).
        if let p = school.pupils.filter({ $0.record.yearGroup == "4" }).max(by: { $0.record.upn < $1.record.upn }),
            let row = try await store.pupil(schoolID: id, upn: p.record.upn)
        {
            let contact = Contact(
                priority: (p.record.contacts.map(\.priority).max() ?? 0) + 1, name: "Ivy \(p.record.legalSurname)",
                relationship: "Grandmother", parentalResponsibility: false, livesWith: false, phone: "07700 900777", email: "")
            try await store.addContact(pupilID: row.id!, contact)
        }
        return (id, school.pupils.count)
    }

    /// A one-week timetable from the first school day of the year: each form a class, taught by its class teacher in
    /// five lessons a day after registration.
    static func demoTimetable(_ school: DemoSchool, teacher: (String) -> String) -> Timetable? {
        let calendar = SchoolCalendar(entries: school.calendar)
        guard let first = school.calendar.filter({ $0.kind == .term }).map(\.start).min(),
            let start = (0..<14).map({ first.adding(days: $0) }).first(where: { calendar.isSchoolDay($0) })
        else { return nil }
        let times = [
            ("P1", "09:00", "10:00"), ("P2", "10:15", "11:15"), ("P3", "11:30", "12:30"), ("P4", "13:15", "14:15"),
            ("P5", "14:15", "15:15"),
        ]
        var forms: [String: [String]] = [:]
        for p in school.pupils { forms[p.record.form, default: []].append(p.record.upn) }
        let names = forms.keys.sorted(by: formOrder)
        var periods: [TimetablePeriod] = []
        var lessons: [TimetabledLesson] = []
        for d in 1...5 {
            for (id, from, to) in times {
                periods.append(TimetablePeriod(cycleDay: d, id: id, start: TimeOfDay(from)!, end: TimeOfDay(to)!))
                for f in names {
                    lessons.append(TimetabledLesson(cycleDay: d, period: id, group: f, teacher: teacher(f), room: "Room \(f)"))
                }
            }
        }
        return Timetable(
            effectiveFrom: start, cycleStart: start, cycleDays: 5, periods: periods,
            groups: names.map { TeachingGroup(id: $0, kind: .class, pupils: forms[$0] ?? []) }, lessons: lessons)
    }
}

/// Runs the server until interrupted; with `demoMode`, first creates the demo school if the database is empty.
public func runServer(hostname: String, port: Int, options: ServerOptions) async throws {
    let env = Environment(name: "production", arguments: ["rollbook", "serve", "--hostname", hostname, "--port", String(port)])
    let app = try await Application.make(env)
    do {
        try await configure(app, options)
        let store = Store(db: app.db)
        if options.demoMode, try await store.isEmpty() {
            let started = Date()
            let now = options.clock.now()
            let r = try await DemoSeeder.seed(
                store: store, options: DemoOptions(phase: .primary, through: now.date), time: now.time,
                bcryptCost: options.bcryptCost, now: now.timestamp)
            say("Created the demo school: \(r.pupils) fictional pupils (\(String(format: "%.1f", Date().timeIntervalSince(started))) s).")
        }
        say("Rollbook is running at http://\(hostname):\(port)/ using \(options.database).")
        if options.demoMode { say("Sign in with a demo account listed on that page (password: \(DemoAccounts.password)).") }
        try await app.execute()
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

/// A line on standard output, written at once (print is buffered when output goes to a file).
public func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
