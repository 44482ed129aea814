import ArgumentParser
import Foundation
import RollbookCore
import RollbookDemo
import RollbookServer
import RollbookStore
import SQLKit

// `rollbook bench analytics`: the full-year school report of 2025/26 timed in Rollbook's analytics engine, in DuckDB
// (a Python script, scripts/bench/duckdb_report.py, on the same data exported as CSV) and in SQL on the SQLite
// database, on one generated roll. The three must give the same figures: the command checks them and fails if not.
//
// The report (BENCHMARKS.md, "Analytics: Rollbook's engine, DuckDB and SQLite"), over the possible sessions of the
// whole academic year (sessions open for the pupil's year group while on roll; D, X, Q, Y1-Y7, Z and # are not
// possible sessions):
//   1. school totals: possible, present (with L), approved educational activity, authorised, unauthorised, unmarked;
//   2. pupils with a possible session, persistent (>= 10% absence) and severe (>= 50%) absentees;
//   3. for every cohort (year group, form, house, sex, ethnicity, SEN none/support/EHCP, and each flag yes/no: FSM,
//      pupil premium, EAL, looked after, previously looked after, child in need, child protection, young carer):
//      pupils, possible, attended (present + approved activity), persistent and severe absentees;
//   4. the penalty-threshold scan: pupils with 10 or more sessions of G, N, O or U (the codes whose statistical
//      meaning is unauthorised absence) within any 10 consecutive school weeks of the year (a school week is a week
//      with a session open for the whole school), and the sum over them of their most sessions in such a window.

/// `rollbook bench analytics`: Rollbook's engine against DuckDB and SQLite on the full-year school report.
struct BenchAnalytics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract:
            "Time the full-year school report (2025/26) in Rollbook's engine, DuckDB and SQLite on one generated roll; fail unless all agree."
    )
    @Option(help: "Pupils in the generated roll.") var pupils = 50_000
    @Option(help: "Timed runs of each report (the median is printed).") var runs = 3
    @Option(
        help:
            "Folder for the SQLite database and the exported CSV files (default: a temporary folder, removed afterwards). A database left there by an earlier run with the same --pupils and --seed is reused."
    )
    var folder: String?
    @Option(
        help:
            "Python with duckdb installed (default: $ROLLBOOK_BENCH_PYTHON, else /tmp/rollbook-bench-venv/bin/python if present, else python3)."
    )
    var python: String?
    @Option(help: "The DuckDB script (default: scripts/bench/duckdb_report.py of the source tree).") var duckdbScript: String?
    @Option(help: "Timed runs of the SQLite report (default: --runs; each takes minutes at 50,000 pupils).") var sqliteRuns: Int?
    @Option(help: "Seed of the generated roll.") var seed: UInt64 = 2025

    static let year = AcademicYear(startYear: 2025)
    static let rule = PenaltyRule.national

    func run() async throws {
        let settings = try benchSettings()
        let year = Self.year
        let runs = max(1, self.runs)
        let dir =
            folder
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "rollbook-bench-analytics-\(ProcessInfo.processInfo.processIdentifier)"
            ).path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if folder == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let (pythonPath, scriptPath) = try locatePython(settings)
        say(
            "rollbook bench analytics: \(pupils) pupils, full year \(year) (\(year.range.from) to \(year.range.to)), \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )

        // The roll: generated and loaded into SQLite like `bench report` (or reused from --folder).
        let dbPath = dir + "/analytics-\(pupils)-seed\(seed).sqlite"
        if folder == nil { try? FileManager.default.removeItem(atPath: dbPath) }
        let db = try await StandaloneDatabase(.sqlite(path: dbPath))
        do {
            let schoolID = try await prepareDatabase(db, path: dbPath)
            try await measure(db: db, schoolID: schoolID, dir: dir, python: pythonPath, script: scriptPath, runs: runs)
        } catch {
            await db.shutdown()
            throw error
        }
        await db.shutdown()
    }

    func prepareDatabase(_ db: StandaloneDatabase, path: String) async throws -> Int {
        if let s = try await db.store.schools().first, let id = s.id {
            say("  reusing \(path) (school \(id))")
            return id
        }
        var t = Date()
        let school = Demo.generate(DemoOptions(phase: .secondary, pupils: pupils, through: Self.year.range.to, seed: seed))
        let marks = school.pupils.reduce(0) { $0 + $1.marks.bytes.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } }
        say("  generated \(school.pupils.count) pupils, \(marks) marks in \(secs(t))")
        t = Date()
        let id = try await db.store.loadGeneratedSchool(school, recordedBy: "bench", at: SystemClock().now().timestamp)
        say("  loaded into SQLite (\(path)) in \(secs(t))")
        return id
    }

    // MARK: - The run

    func measure(db: StandaloneDatabase, schoolID: Int, dir: String, python: String, script: String, runs: Int) async throws {
        let year = Self.year
        let store = db.store

        // (a) Rollbook: read the year's session arrays and the roll from the database into the engine's compact form.
        var t = Date()
        let arrays = try await store.sessionArrays(schoolID: schoolID, range: year.range)
        let readArrays = Date().timeIntervalSince(t)
        t = Date()
        let rows = try await store.analyticsPupils(schoolID: schoolID, year: year)
        let readPupils = Date().timeIntervalSince(t)
        t = Date()
        let calendar = try await store.calendar(schoolID: schoolID)
        let empty = SessionArray(base: year.range.from, days: 0)
        var roll = AnalyticsRoll(calendar: calendar, year: year)
        roll.reserveCapacity(rows.count)
        for r in rows { roll.append(r.pupil, marks: arrays[r.id] ?? empty) }
        let build = Date().timeIntervalSince(t)
        let rollbookLoad = readArrays + readPupils + build
        say(
            String(
                format:
                    "  Rollbook load: %.2f s (session arrays %.2f s, pupils %.2f s, compact roll %.2f s): %d pupils, %d school days, %.1f MB of session bytes",
                rollbookLoad, readArrays, readPupils, build, roll.count, roll.schoolDays.count, Double(roll.sessionBytes.count) / 1e6))

        var report: FullYearReport?
        let rollbookTimes = timed(runs) { report = roll.fullYearReport(year.range, rule: Self.rule) }
        let rollbook = Self.figures(report!)
        var sum: UInt64 = 0
        let baselineTimes = timed(runs) { sum &+= AnalyticsRoll.memoryScanBaseline(roll.sessionBytes) }
        precondition(sum > 0)

        // The established per-pupil engine (StatisticsEngine.counts) as an independent check of the totals.
        let engine = StatisticsEngine(calendar: calendar)
        var perPupil = GroupStatistics()
        let perPupilTimes = timed(1) {
            perPupil = GroupStatistics()
            for r in rows { perPupil.add(engine.counts(arrays[r.id] ?? empty, enrolment: r.pupil.enrolment, range: year.range)) }
        }

        // (b) DuckDB: export the same data as CSV, then the script loads it and runs the report.
        t = Date()
        let exportInfo = try export(rows: rows, arrays: arrays, calendar: calendar, to: dir)
        let exportTime = Date().timeIntervalSince(t)
        say(
            String(
                format: "  exported %d marks, %d pupils, %d open sessions as CSV in %.2f s (%.0f MB)",
                exportInfo.marks, rows.count, exportInfo.openSessions, exportTime, Double(exportInfo.bytes) / 1e6))
        let duck = try runDuckDB(python: python, script: script, dir: dir, runs: runs)

        // (c) SQLite: SQL over `marks` and `pupils` with the open-session calendar and the codes as two small tables.
        let sqlite = try await runSQLite(store: store, schoolID: schoolID, calendar: calendar, runs: max(1, sqliteRuns ?? runs))

        // The figures, then the times.
        let t0 = rollbook
        func pct(_ n: Int, _ d: Int) -> String { d > 0 ? String(format: "%.2f%%", Double(n) * 100 / Double(d)) : "-" }
        say("\nFull-year school report \(year), \(t0.pupils) pupils with possible sessions:")
        say(
            "  possible \(t0.possible), present \(t0.present), approved activity \(t0.activity), authorised \(t0.authorised), unauthorised \(t0.unauthorised), unmarked \(t0.unmarked)"
        )
        say(
            "  attendance \(pct(t0.present + t0.activity, t0.possible)), absence \(pct(t0.authorised + t0.unauthorised, t0.possible)) (authorised \(pct(t0.authorised, t0.possible)), unauthorised \(pct(t0.unauthorised, t0.possible)))"
        )
        say(
            "  persistent absence \(t0.pa) (\(pct(t0.pa, t0.pupils))), severe \(t0.sa) (\(pct(t0.sa, t0.pupils))); \(t0.cohorts.count) cohorts; penalty threshold reached by \(t0.penaltyPupils) pupils"
        )

        var mismatches: [String] = []
        let perPupilFigures = [
            perPupil.sessions.possible, perPupil.sessions.present, perPupil.sessions.approvedActivity, perPupil.sessions.authorised,
            perPupil.sessions.unauthorised, perPupil.sessions.unmarked, perPupil.pupils, perPupil.persistentAbsence, perPupil.severeAbsence,
        ]
        if perPupilFigures != [t0.possible, t0.present, t0.activity, t0.authorised, t0.unauthorised, t0.unmarked, t0.pupils, t0.pa, t0.sa] {
            mismatches.append("StatisticsEngine.counts per pupil: totals \(perPupilFigures) differ from fullYearReport's")
        }
        for v in duck.variants { mismatches += Self.differences(rollbook, v.figures, name: v.name) }
        mismatches += Self.differences(rollbook, sqlite.figures, name: "SQLite")
        if mismatches.isEmpty {
            say(
                "  the same in all: school totals, PA/SA, \(t0.cohorts.count) cohorts (pupils, possible, attended, PA, SA), penalty count and window maxima;"
                    + " StatisticsEngine.counts per pupil gives the same totals")
        }

        let rb = median(rollbookTimes)
        say("\n" + row("implementation", "load", "report (median)", "vs Rollbook"))
        say(row("Rollbook engine (fullYearReport)", secs(rollbookLoad), ms(rb), "1.0x"))
        say(row("memory scan of the same bytes", "-", ms(median(baselineTimes)), ratio(median(baselineTimes), rb)))
        for v in duck.variants {
            say(row("DuckDB \(duck.version), \(v.label)", secs(v.load), ms(median(v.times)), ratio(median(v.times), rb)))
        }
        say(row("SQLite \(sqlite.version), SQL on marks", secs(sqlite.load), ms(median(sqlite.times)), ratio(median(sqlite.times), rb)))
        say(row("(StatisticsEngine.counts per pupil, totals only)", "-", ms(median(perPupilTimes)), ratio(median(perPupilTimes), rb)))
        say(
            "  load: Rollbook reads session_codes and pupils from SQLite and builds the compact roll; DuckDB loads the CSV export "
                + String(format: "(written in %.2f s, not counted)", exportTime)
                + "; SQLite creates and analyses its two small helper tables.")
        say("  DuckDB: \(duck.threads) threads. Runs: \(runs) of each, \(sqlite.times.count) of SQLite.")

        let fastestDuck = duck.variants.map { median($0.times) }.min() ?? .infinity
        let base = median(baselineTimes)
        say(
            String(
                format:
                    "\nTargets: Rollbook %.1fx faster than DuckDB (best variant; target >= 5x): %@; %.1fx a plain memory scan (target <= 10x): %@",
                fastestDuck / rb, fastestDuck / rb >= 5 ? "met" : "NOT met", rb / base, rb / base <= 10 ? "met" : "NOT met"))

        if !mismatches.isEmpty {
            for m in mismatches.prefix(40) { say("  MISMATCH " + m) }
            if mismatches.count > 40 { say("  ... and \(mismatches.count - 40) more") }
            throw BenchAnalyticsError(
                "the implementations disagree on the full-year report (\(mismatches.count) differences): the timings above are not comparable"
            )
        }
    }

    // MARK: - Figures

    /// What the three implementations must agree on.
    struct Figures: Codable, Equatable {
        struct Cohort: Codable, Equatable {
            var pupils = 0, possible = 0, attended = 0, pa = 0, sa = 0
        }
        var possible = 0, present = 0, activity = 0, authorised = 0, unauthorised = 0, unmarked = 0
        var pupils = 0, pa = 0, sa = 0
        /// "year_group=7", "form=7A", "sen=support", "fsm=Y", "fsm=N", ...
        var cohorts: [String: Cohort] = [:]
        var penaltyPupils = 0
        /// Over the pupils who reached the threshold: the sum of their most G/N/O/U sessions in a window.
        var penaltyMaxSessions = 0

        enum CodingKeys: String, CodingKey {
            case possible, present, activity, authorised, unauthorised, unmarked, pupils, pa, sa, cohorts
            case penaltyPupils = "penalty_pupils"
            case penaltyMaxSessions = "penalty_max_sessions"
        }
    }

    static let flags = [
        "fsm", "pupil_premium", "eal", "looked_after", "previously_looked_after", "child_in_need", "child_protection", "young_carer",
    ]

    static func figures(_ r: FullYearReport) -> Figures {
        func cohort(_ g: GroupStatistics) -> Figures.Cohort {
            .init(
                pupils: g.pupils, possible: g.sessions.possible, attended: g.sessions.present + g.sessions.approvedActivity,
                pa: g.persistentAbsence, sa: g.severeAbsence)
        }
        let t = r.overview.statistics
        var f = Figures(
            possible: t.sessions.possible, present: t.sessions.present, activity: t.sessions.approvedActivity,
            authorised: t.sessions.authorised, unauthorised: t.sessions.unauthorised, unmarked: t.sessions.unmarked,
            pupils: t.pupils, pa: t.persistentAbsence, sa: t.severeAbsence)
        var characteristic: [String: CohortComparison] = [:]
        for c in r.cohorts {
            if c.group.dimension == .characteristic {
                characteristic[c.group.value] = c
            } else {
                f.cohorts["\(c.group.dimension.rawValue)=\(c.group.value)"] = cohort(c.members)
            }
        }
        let everyone = r.overview.pupilsSelected
        // A characteristic's "no" side is the rest of the school (everyone when nobody has it).
        func split(_ name: String, yes: String, no: String) {
            if let c = characteristic[name] {
                f.cohorts[yes] = cohort(c.members)
                if c.restSelected > 0 { f.cohorts[no] = cohort(c.rest) }
            } else if everyone > 0 {
                f.cohorts[no] = cohort(t)
            }
        }
        for name in flags { split(name, yes: "\(name)=Y", no: "\(name)=N") }
        split("sen", yes: "sen=any", no: "sen=none")
        f.cohorts["sen=any"] = nil
        if let c = characteristic["sen_support"] { f.cohorts["sen=support"] = cohort(c.members) }
        if let c = characteristic["ehcp"] { f.cohorts["sen=ehcp"] = cohort(c.members) }
        f.penaltyPupils = r.penalty.count
        f.penaltyMaxSessions = r.penalty.reduce(0) { $0 + $1.maximumSessions }
        return f
    }

    static func differences(_ a: Figures, _ b: Figures, name: String) -> [String] {
        var out: [String] = []
        let totals: [(String, Int, Int)] = [
            ("possible", a.possible, b.possible), ("present", a.present, b.present),
            ("approved activity", a.activity, b.activity), ("authorised", a.authorised, b.authorised),
            ("unauthorised", a.unauthorised, b.unauthorised), ("unmarked", a.unmarked, b.unmarked), ("pupils", a.pupils, b.pupils),
            ("persistent absence", a.pa, b.pa), ("severe absence", a.sa, b.sa), ("penalty pupils", a.penaltyPupils, b.penaltyPupils),
            ("penalty window maxima", a.penaltyMaxSessions, b.penaltyMaxSessions),
        ]
        for (label, x, y) in totals where x != y { out.append("\(name): \(label) \(y), Rollbook \(x)") }
        for key in Set(a.cohorts.keys).union(b.cohorts.keys).sorted() {
            switch (a.cohorts[key], b.cohorts[key]) {
            case (let x?, let y?) where x != y: out.append("\(name): cohort \(key) \(y), Rollbook \(x)")
            case (nil, _?): out.append("\(name): cohort \(key) is not in Rollbook's report")
            case (_?, nil): out.append("\(name): cohort \(key) is missing")
            default: break
            }
        }
        return out
    }

    // MARK: - Export for DuckDB

    /// For each day of the year (from 1 September): its school week, numbering the weeks with a session open for the
    /// whole school from 0; -1 on a day with no such session.
    static func schoolWeeks(_ calendar: SchoolCalendar) -> [Int] {
        var out = [Int](repeating: -1, count: year.range.days)
        var week = -1
        var lastMonday: LocalDate?
        for i in 0..<year.range.days {
            let d = year.range.from.adding(days: i)
            guard calendar.isSchoolDay(d) else { continue }
            if d.weekStart != lastMonday {
                week += 1
                lastMonday = d.weekStart
            }
            out[i] = week
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Writes codes.csv, open_sessions.csv (per year group: day, session, school week), pupils.csv and marks.csv
    /// (every mark of the year, one row each: pupil, day, session, code). Days are counted from 1 September.
    func export(rows: [(id: Int, pupil: AnalyticsPupil)], arrays: [Int: SessionArray], calendar: SchoolCalendar, to dir: String) throws -> (
        marks: Int, openSessions: Int, bytes: Int
    ) {
        let year = Self.year
        let days = year.range.days
        var bytes = 0
        func write(_ name: String, _ text: String) throws {
            let d = Data(text.utf8)
            try d.write(to: URL(fileURLWithPath: dir + "/" + name))
            bytes += d.count
        }
        var codes = "code,category\n"
        for c in AttendanceCode.allCases {
            codes += "\"\(c.symbol.replacingOccurrences(of: "\"", with: "\"\""))\",\(StatisticsEngine.category(c))\n"
        }
        try write("codes.csv", codes)

        let weekOfDay = Self.schoolWeeks(calendar)
        let groups = Set(rows.map { $0.pupil.enrolment.yearGroup(in: year) }).sorted()
        var open = "year_group,day,session,week\n"
        var openCount = 0
        for g in groups {
            for i in 0..<days where weekOfDay[i] >= 0 {
                let d = year.range.from.adding(days: i)
                for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                    open += "\(Self.csvField(g)),\(i),\(s.index),\(weekOfDay[i])\n"
                    openCount += 1
                }
            }
        }
        try write("open_sessions.csv", open)

        var pupilsCSV =
            "pupil_id,year_group,form,house,sex,ethnicity,sen,fsm,pupil_premium,eal,looked_after,previously_looked_after,child_in_need,child_protection,young_carer,start_day,end_day\n"
        for (id, p) in rows {
            let e = p.enrolment
            guard let onRoll = e.onRoll.clamped(to: year.range) else { continue }
            let c = p.characteristics
            let sen =
                switch c.sen {
                case .none: "none"
                case .senSupport: "support"
                case .ehcp: "ehcp"
                }
            let flags = [
                c.freeSchoolMeals, c.pupilPremium, c.englishAdditionalLanguage, c.lookedAfter, c.previouslyLookedAfter,
                c.childInNeed, c.childProtectionPlan, c.youngCarer,
            ].map { $0 ? "true" : "false" }.joined(separator: ",")
            pupilsCSV +=
                "\(id),\(Self.csvField(e.yearGroup(in: year))),\(Self.csvField(p.form)),\(Self.csvField(p.house)),\(Self.csvField(p.sex)),"
                + "\(Self.csvField(c.ethnicity)),\(sen),\(flags),\(year.range.from.days(to: onRoll.from)),\(year.range.from.days(to: onRoll.to))\n"
        }
        try write("pupils.csv", pupilsCSV)

        // marks.csv: built as bytes, flushed in pieces.
        var symbol = [[UInt8]](repeating: [], count: 256)
        for c in AttendanceCode.allCases {
            let s = c.symbol
            symbol[Int(c.rawValue)] = s.contains(where: { $0 == "," || $0 == "\"" }) ? Array("\"\(s)\"".utf8) : Array(s.utf8)
        }
        let url = URL(fileURLWithPath: dir + "/marks.csv")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let out = try FileHandle(forWritingTo: url)
        defer { try? out.close() }
        var buf: [UInt8] = Array("pupil_id,day,session,code\n".utf8)
        buf.reserveCapacity(1 << 23)
        func append(_ n: Int) {
            if n >= 10 { append(n / 10) }
            buf.append(UInt8(48 + n % 10))
        }
        var marks = 0
        for (id, _) in rows {
            guard let a = arrays[id] else { continue }
            let shift = a.base.days(to: year.range.from)  // array day = year day + shift
            a.bytes.withUnsafeBufferPointer { b in
                for yd in 0..<days {
                    let j = (yd + shift) * 2
                    guard j >= 0, j + 1 < b.count else { continue }
                    for s in 0..<2 where b[j + s] != 0 {
                        append(id)
                        buf.append(44)
                        append(yd)
                        buf.append(44)
                        buf.append(UInt8(48 + s))
                        buf.append(44)
                        let sym = symbol[Int(b[j + s])]
                        if sym.isEmpty { buf.append(63) } else { buf.append(contentsOf: sym) }
                        buf.append(10)
                        marks += 1
                    }
                }
            }
            if buf.count > 1 << 23 {
                try out.write(contentsOf: buf)
                bytes += buf.count
                buf.removeAll(keepingCapacity: true)
            }
        }
        try out.write(contentsOf: buf)
        bytes += buf.count
        let meta = """
            {"academic_year": "\(year)", "first_day": "\(year.range.from)", "days": \(days), "threshold_sessions": \(Self.rule.thresholdSessions), "window_school_weeks": \(Self.rule.windowSchoolWeeks)}

            """
        try write("meta.json", meta)
        return (marks, openCount, bytes)
    }

    // MARK: - DuckDB

    struct DuckResult: Decodable {
        struct Variant: Decodable {
            var name: String
            var label: String
            var load: Double
            var times: [Double]
            var figures: Figures
        }
        var version: String
        var threads: Int
        var variants: [Variant]
    }

    func locatePython(_ settings: Settings) throws -> (String, String) {
        let venv = "/tmp/rollbook-bench-venv/bin/python"
        let py =
            python ?? settings.benchPython
            ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3")
        // The checkout: walk up from this file to the directory with Package.swift, so moving the file cannot break it.
        var sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: sourceRoot.appendingPathComponent("Package.swift").path),
            sourceRoot.pathComponents.count > 1
        {
            sourceRoot.deleteLastPathComponent()
        }
        let candidates = [
            duckdbScript, "scripts/bench/duckdb_report.py", sourceRoot.appendingPathComponent("scripts/bench/duckdb_report.py").path,
        ].compactMap { $0 }
        guard let script = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw BenchAnalyticsError("the DuckDB script is not at \(candidates.joined(separator: " or ")): give --duckdb-script")
        }
        // Check duckdb is importable before spending minutes on the roll.
        let check = try runProcess(py, ["-c", "import duckdb; print(duckdb.__version__)"])
        guard check.status == 0 else {
            throw BenchAnalyticsError(
                "\(py) cannot import duckdb. Install it with:\n  python3 -m venv /tmp/rollbook-bench-venv && /tmp/rollbook-bench-venv/bin/pip install -r scripts/bench/requirements.txt\n(or give --python)"
            )
        }
        return (py, script)
    }

    func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data) {
        let p = Process()
        if executable.contains("/") {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [executable] + arguments
        }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.standardError
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, data)
    }

    func runDuckDB(python: String, script: String, dir: String, runs: Int) throws -> DuckResult {
        let r = try runProcess(python, [script, "--data", dir, "--runs", String(runs)])
        guard r.status == 0 else { throw BenchAnalyticsError("\(script) failed (exit \(r.status))") }
        // Keys as printed (no key strategy: it would rewrite the cohort names too).
        do { return try JSONDecoder().decode(DuckResult.self, from: r.stdout) } catch {
            throw BenchAnalyticsError(
                "\(script) printed something other than its JSON result: \(error)\n\(String(decoding: r.stdout.prefix(2000), as: UTF8.self))"
            )
        }
    }

    // MARK: - SQLite

    struct SQLiteResult {
        var version: String
        var load: Double
        var times: [Double]
        var figures: Figures
    }

    /// The report in SQL on the database itself: `marks` (one row per current mark, ISO dates, 'AM'/'PM', code text)
    /// and `pupils`, with two small tables made here: the open sessions per year group (with school week and a running
    /// number, so a pupil's open sessions on roll are two index look-ups) and the codes' categories.
    func runSQLite(store: Store, schoolID: Int, calendar: SchoolCalendar, runs: Int) async throws -> SQLiteResult {
        guard let sql = store.db as? any SQLDatabase else { throw BenchAnalyticsError("the store is not an SQL database") }
        let year = Self.year
        let version = try await sql.raw("SELECT sqlite_version() AS v").first()?.decode(column: "v", as: String.self) ?? "?"
        let other =
            try await sql.raw(
                "SELECT count(*) AS n FROM pupils WHERE school_id = \(bind: schoolID) AND year_group_year <> \(bind: year.startYear)"
            ).first()?
            .decode(column: "n", as: Int.self) ?? 0
        // The SQL takes year groups as recorded; the generated roll records them for this year.
        guard other == 0 else {
            throw BenchAnalyticsError("\(other) pupils have year groups recorded for another year: the SQL would need to move them on")
        }

        let t = Date()
        try await sql.raw("DROP TABLE IF EXISTS bench_open_sessions").run()
        try await sql.raw("DROP TABLE IF EXISTS bench_codes").run()
        try await sql.raw(
            "CREATE TABLE bench_open_sessions (year_group TEXT NOT NULL, date TEXT NOT NULL, session TEXT NOT NULL, week INTEGER NOT NULL, ord INTEGER NOT NULL, PRIMARY KEY (year_group, date, session)) WITHOUT ROWID"
        ).run()
        try await sql.raw("CREATE TABLE bench_codes (code TEXT PRIMARY KEY, category INTEGER NOT NULL) WITHOUT ROWID").run()
        let groups = try await sql.raw("SELECT DISTINCT year_group FROM pupils WHERE school_id = \(bind: schoolID)").all().map {
            try $0.decode(column: "year_group", as: String.self)
        }
        let weekOfDay = Self.schoolWeeks(calendar)
        var openRows: [(String, String, String, Int, Int)] = []
        for g in groups {
            var ord = 0
            for i in 0..<year.range.days where weekOfDay[i] >= 0 {
                let d = year.range.from.adding(days: i)
                for s in Session.allCases where calendar.isOpen(d, s, yearGroup: g) {
                    ord += 1
                    openRows.append((g, d.iso, s == .am ? "AM" : "PM", weekOfDay[i], ord))
                }
            }
        }
        let rowsToInsert = openRows
        try await store.write { db in
            let sql = db as! any SQLDatabase
            for start in stride(from: 0, to: rowsToInsert.count, by: 150) {
                var q = sql.insert(into: "bench_open_sessions").columns("year_group", "date", "session", "week", "ord")
                for r in rowsToInsert[start..<min(start + 150, rowsToInsert.count)] {
                    q = q.values(SQLBind(r.0), SQLBind(r.1), SQLBind(r.2), SQLBind(r.3), SQLBind(r.4))
                }
                try await q.run()
            }
            var q = sql.insert(into: "bench_codes").columns("code", "category")
            for c in AttendanceCode.allCases { q = q.values(SQLBind(c.symbol), SQLBind(Int(StatisticsEngine.category(c)))) }
            try await q.run()
        }
        try await sql.raw("ANALYZE bench_open_sessions").run()
        try await sql.raw("ANALYZE bench_codes").run()
        let load = Date().timeIntervalSince(t)

        let query = Self.sqliteReport(schoolID: schoolID, from: year.range.from.iso, to: year.range.to.iso)
        var times: [Double] = []
        var resultRows: [any SQLRow] = []
        for _ in 0..<runs {
            let t0 = Date()
            resultRows = try await sql.raw(SQLQueryString(stringLiteral: query)).all()
            times.append(Date().timeIntervalSince(t0))
        }
        var f = Figures()
        for r in resultRows {
            let dim = try r.decode(column: "dim", as: String.self)
            let value = try r.decode(column: "value", as: String?.self) ?? ""
            func n(_ c: String) throws -> Int { try r.decode(column: c, as: Int?.self) ?? 0 }
            if dim == "total" {
                f.possible = try n("possible")
                f.present = try n("present")
                f.activity = try n("activity")
                f.authorised = try n("authorised")
                f.unauthorised = try n("unauthorised")
                f.unmarked = try n("unmarked")
                f.pupils = try n("pupils")
                f.pa = try n("pa")
                f.sa = try n("sa")
                f.penaltyPupils = try n("penalty_pupils")
                f.penaltyMaxSessions = try n("penalty_max_sessions")
            } else {
                f.cohorts["\(dim)=\(value)"] = Figures.Cohort(
                    pupils: try n("pupils"), possible: try n("possible"),
                    attended: try n("present") + n("activity"), pa: try n("pa"), sa: try n("sa"))
            }
        }
        return SQLiteResult(version: version, load: load, times: times, figures: f)
    }

    /// One statement: per pupil, open sessions on roll (two look-ups in the calendar table) and the counts of their
    /// marks on those sessions by category (one pass over `marks`, pupil by pupil through its unique index, so the
    /// GROUP BY needs no sort); per pupil and school week, G/N/O/U sessions (found through the codes table and the
    /// `marks_code_date` index) with a 10-week window; then the school and each cohort as a UNION ALL of GROUP BYs
    /// over the materialised per-pupil rows. CROSS JOIN fixes SQLite's join order (the plans it picks by itself
    /// are slower: marks through the code index, then a sort for the GROUP BY); `+p.school_id` keeps the pupils
    /// scan in id order.
    static func sqliteReport(schoolID: Int, from: String, to: String) -> String {
        let window = rule.windowSchoolWeeks - 1
        let threshold = rule.thresholdSessions
        func cohort(_ dim: String, _ expr: String, where cond: String = "1") -> String {
            "SELECT '\(dim)' AS dim, \(expr) AS value, \(aggregates) FROM pp WHERE \(cond) GROUP BY value"
        }
        let flags = Self.flags.map { cohort($0, "CASE WHEN \($0) THEN 'Y' ELSE 'N' END") }
        return """
            WITH
            pp0 AS MATERIALIZED (
              SELECT p.id AS pupil_id, p.year_group, p.form, p.house, p.sex, p.ethnicity, p.sen, p.fsm, p.pupil_premium, p.eal,
                     p.looked_after, p.previously_looked_after, p.child_in_need, p.child_protection, p.young_carer,
                     max(p.starting_day, '\(from)') AS start_day, min(coalesce(p.leaving_day, '9999-12-31'), '\(to)') AS end_day,
                     coalesce((SELECT o.ord FROM bench_open_sessions o
                               WHERE o.year_group = p.year_group AND o.date <= min(coalesce(p.leaving_day, '9999-12-31'), '\(to)')
                               ORDER BY o.date DESC, o.session DESC LIMIT 1), 0)
                     - coalesce((SELECT o.ord FROM bench_open_sessions o
                                 WHERE o.year_group = p.year_group AND o.date < max(p.starting_day, '\(from)')
                                 ORDER BY o.date DESC, o.session DESC LIMIT 1), 0) AS n_open
              FROM pupils p
              WHERE p.school_id = \(schoolID) AND p.starting_day <= '\(to)' AND (p.leaving_day IS NULL OR p.leaving_day >= '\(from)')
            ),
            m AS MATERIALIZED (
              SELECT p.id AS pupil_id, count(*) AS marked, sum(c.category = 1) AS present, sum(c.category = 2) AS activity,
                     sum(c.category = 3) AS authorised, sum(c.category = 4) AS unauthorised, sum(c.category = 5) AS not_possible
              FROM pupils p
              CROSS JOIN marks mk ON mk.pupil_id = p.id
              CROSS JOIN bench_open_sessions o ON o.year_group = p.year_group AND o.date = mk.date AND o.session = mk.session
              CROSS JOIN bench_codes c ON c.code = mk.code
              WHERE +p.school_id = \(schoolID) AND mk.date BETWEEN '\(from)' AND '\(to)'
                AND mk.date >= p.starting_day AND (p.leaving_day IS NULL OR mk.date <= p.leaving_day)
              GROUP BY p.id
            ),
            weekly AS (
              SELECT mk.pupil_id, o.week, count(*) AS n
              FROM bench_codes c
              CROSS JOIN marks mk ON mk.code = c.code
              CROSS JOIN pupils p ON p.id = mk.pupil_id
              CROSS JOIN bench_open_sessions o ON o.year_group = p.year_group AND o.date = mk.date AND o.session = mk.session
              WHERE c.category = 4 AND p.school_id = \(schoolID) AND mk.date BETWEEN '\(from)' AND '\(to)'
                AND mk.date >= p.starting_day AND (p.leaving_day IS NULL OR mk.date <= p.leaving_day)
              GROUP BY mk.pupil_id, o.week
            ),
            pen AS (
              SELECT pupil_id, max(w) AS max_window FROM (
                SELECT pupil_id, sum(n) OVER (PARTITION BY pupil_id ORDER BY week RANGE BETWEEN \(window) PRECEDING AND CURRENT ROW) AS w FROM weekly
              ) GROUP BY pupil_id
            ),
            pp AS MATERIALIZED (
              SELECT pp0.*, pp0.n_open - coalesce(m.not_possible, 0) AS possible, coalesce(m.present, 0) AS present,
                     coalesce(m.activity, 0) AS activity, coalesce(m.authorised, 0) AS authorised,
                     coalesce(m.unauthorised, 0) AS unauthorised, pp0.n_open - coalesce(m.marked, 0) AS unmarked,
                     CASE WHEN pen.max_window >= \(threshold) THEN pen.max_window END AS penalty_window
              FROM pp0 LEFT JOIN m ON m.pupil_id = pp0.pupil_id LEFT JOIN pen ON pen.pupil_id = pp0.pupil_id
            )
            SELECT 'total' AS dim, NULL AS value, \(aggregates) FROM pp
            UNION ALL \(cohort("year_group", "year_group"))
            UNION ALL \(cohort("form", "form", where: "form <> ''"))
            UNION ALL \(cohort("house", "house", where: "house <> ''"))
            UNION ALL \(cohort("sex", "sex", where: "sex <> ''"))
            UNION ALL \(cohort("ethnicity", "ethnicity", where: "ethnicity <> ''"))
            UNION ALL \(cohort("sen", "CASE sen WHEN 'K' THEN 'support' WHEN 'E' THEN 'ehcp' ELSE 'none' END"))
            UNION ALL \(flags.joined(separator: "\nUNION ALL "))
            """
    }

    /// The columns of every row: the school's and each cohort's.
    static let aggregates = """
        sum(possible > 0) AS pupils, sum(possible) AS possible, sum(present) AS present, sum(activity) AS activity,
        sum(authorised) AS authorised, sum(unauthorised) AS unauthorised, sum(unmarked) AS unmarked,
        sum(possible > 0 AND (authorised + unauthorised) * 10 >= possible) AS pa,
        sum(possible > 0 AND (authorised + unauthorised) * 2 >= possible) AS sa,
        count(penalty_window) AS penalty_pupils, sum(penalty_window) AS penalty_max_sessions
        """

    // MARK: - Helpers

    /// Times `runs` calls of `body` after one untimed warm-up call.
    func timed(_ runs: Int, _ body: () -> Void) -> [Double] {
        body()
        return (0..<runs).map { _ in
            let t = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        }
    }
    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? .nan : s[s.count / 2]
    }
    func secs(_ s: Double) -> String { String(format: "%.2f s", s) }
    func secs(_ since: Date) -> String { secs(Date().timeIntervalSince(since)) }
    func ms(_ s: Double) -> String { s < 0.01 ? String(format: "%.2f ms", s * 1000) : String(format: "%.0f ms", s * 1000) }
    func ratio(_ x: Double, _ rollbook: Double) -> String { String(format: "%.1fx", x / rollbook) }
    func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
        "  " + a.padding(toLength: 50, withPad: " ", startingAt: 0) + b.leftPadded(10) + c.leftPadded(18) + d.leftPadded(13)
    }
}

struct BenchAnalyticsError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = "bench analytics: " + d }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
