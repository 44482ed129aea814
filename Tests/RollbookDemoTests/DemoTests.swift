import Foundation
import RollbookCore
import Testing

@testable import RollbookDemo

@Suite("Demo school generator")
struct DemoTests {
    static let endOf2025 = LocalDate(year: 2026, month: 7, day: 22)!
    static let year2025 = AcademicYear(startYear: 2025)
    static let primary = Demo.generate(DemoOptions(through: endOf2025))
    static let secondary = Demo.generate(DemoOptions(phase: .secondary, through: endOf2025))

    static func enrolment(_ p: DemoPupil, in school: DemoSchool) -> Enrolment {
        Enrolment(
            startingDay: p.record.startingDay, leavingDay: p.record.leavingDay, yearGroup: p.record.yearGroup,
            yearGroupYear: AcademicYear(containing: school.through))
    }

    static func counts(_ school: DemoSchool, range: DateRange) -> [SessionCounts] {
        let engine = StatisticsEngine(calendar: SchoolCalendar(entries: school.calendar))
        return school.pupils.map { engine.counts($0.marks, enrolment: enrolment($0, in: school), range: range) }
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    // MARK: Determinism

    @Test func sameSeedSameSchool() {
        let through = LocalDate(year: 2026, month: 3, day: 11)!
        let a = Demo.generate(DemoOptions(pupils: 90, through: through, seed: 7))
        let b = Demo.generate(DemoOptions(pupils: 90, through: through, seed: 7))
        #expect(a == b)
        #expect(a.pupils.map(\.marks) == b.pupils.map(\.marks))
    }

    @Test func differentSeedDifferentSchool() {
        let through = LocalDate(year: 2026, month: 3, day: 11)!
        let a = Demo.generate(DemoOptions(pupils: 90, through: through, seed: 7))
        let b = Demo.generate(DemoOptions(pupils: 90, through: through, seed: 8))
        #expect(a != b)
        #expect(Set(a.pupils.map(\.record.upn)) == Set(b.pupils.map(\.record.upn)))  // UPNs are positional
        #expect(a.pupils.map(\.marks) != b.pupils.map(\.marks))
        #expect(a.pupils.map(\.record.legalSurname) != b.pupils.map(\.record.legalSurname))
    }

    @Test func splitMix64MatchesReference() {
        // Reference values of SplitMix64 seeded with 0.
        var g = SeededGenerator(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(g.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func historyDoesNotDependOnThrough() {
        // Within a year, a later `through` only adds marks (apart from N on its own last two days).
        let early = Demo.generate(DemoOptions(pupils: 70, through: LocalDate(year: 2025, month: 12, day: 5)!))
        let late = Demo.generate(DemoOptions(pupils: 70, through: LocalDate(year: 2026, month: 6, day: 5)!))
        let cut = Demo.firstDay.days(to: LocalDate(year: 2025, month: 12, day: 3)!) * 2
        // Joiners and leavers whose day falls between the two are on roll all year in the earlier school.
        let later = Dictionary(uniqueKeysWithValues: late.pupils.map { ($0.record.upn, $0) })
        var same = 0
        for a in early.pupils {
            let b = later[a.record.upn]!
            guard a.record == b.record else {
                #expect(a.record.startingDay != b.record.startingDay || a.record.leavingDay != b.record.leavingDay)
                continue
            }
            same += 1
            #expect(Array(a.marks.bytes[..<cut]) == Array(b.marks.bytes[..<cut]))
        }
        #expect(same >= 65)
    }

    // MARK: Register

    @Test func pupilCounts() {
        #expect(Self.primary.pupils.count == 420)
        #expect(Self.secondary.pupils.count == 1200)
        #expect(Demo.generate(DemoOptions(pupils: 101, through: Self.endOf2025)).pupils.count == 101)
        #expect(Demo.generate(DemoOptions(pupils: 0, through: Self.endOf2025)).pupils.isEmpty)

        let byYear = Dictionary(grouping: Self.primary.pupils, by: \.record.yearGroup).mapValues(\.count)
        #expect(byYear == ["R": 60, "1": 60, "2": 60, "3": 60, "4": 60, "5": 60, "6": 60])
        let forms = Set(Self.primary.pupils.map(\.record.form))
        #expect(forms.count == 14 && forms.contains("3H") && forms.contains("3L") && forms.contains("RH"))

        let secYears = Dictionary(grouping: Self.secondary.pupils, by: \.record.yearGroup).mapValues(\.count)
        #expect(secYears == ["7": 240, "8": 240, "9": 240, "10": 240, "11": 240])
        let nine = Set(Self.secondary.pupils.filter { $0.record.yearGroup == "9" }.map(\.record.form))
        #expect(nine == Set("ABCDEFGH".map { "9\($0)" }))
        #expect(Set(Self.secondary.pupils.map(\.record.house)).count == 4)
        #expect(Self.primary.name != Self.secondary.name)
    }

    @Test func upnsValidUniqueWithCheckLetter() {
        for school in [Self.primary, Self.secondary] {
            let upns = school.pupils.map(\.record.upn)
            #expect(Set(upns).count == upns.count)
            for u in upns {
                #expect(UPN.isValid(u))
                #expect(u.first!.isUppercase && u.dropFirst().allSatisfy(\.isNumber))
                #expect(UPNMaker.checkLetter(String(u.dropFirst())) == u.first!)
            }
        }
        let big = Demo.generate(DemoOptions(pupils: 9000, through: LocalDate(year: 2025, month: 9, day: 10)!))
        #expect(Set(big.pupils.map(\.record.upn)).count == 9000)
    }

    @Test func recordsValidateAndDatesOfBirthFitYearGroups() throws {
        for school in [Self.primary, Self.secondary] {
            let s = AcademicYear(containing: school.through).startYear
            for p in school.pupils {
                try p.record.validate()
                let n = p.record.yearGroup == "R" ? 0 : Int(p.record.yearGroup)!
                // Year R turns 5 during the year; year n turns n + 5.
                let fifthBirthdayYear = AcademicYear(
                    containing: LocalDate(
                        year: p.record.dateOfBirth.year + 5 + n,
                        month: p.record.dateOfBirth.month, day: 1)!)
                #expect(fifthBirthdayYear.startYear == s, "\(p.record.upn) born \(p.record.dateOfBirth) in year \(p.record.yearGroup)")
            }
        }
    }

    @Test func joinersAndLeavers() {
        let yearStart = LocalDate(year: 2025, month: 9, day: 3)!
        for school in [Self.primary, Self.secondary] {
            let joiners = school.pupils.filter { $0.record.startingDay > yearStart.adding(days: 7) }
            let leavers = school.pupils.filter { $0.record.leavingDay != nil }
            #expect(!joiners.isEmpty && joiners.count < school.pupils.count / 10)
            #expect(!leavers.isEmpty && leavers.count < school.pupils.count / 20)
            for l in leavers {
                #expect(l.record.deletionGround != nil)
                #expect(l.record.leavingDay! <= school.through)
            }
            #expect(school.pupils.allSatisfy { $0.record.startingDay <= school.through })
        }
    }

    @Test func contacts() {
        for p in Self.primary.pupils + Self.secondary.pupils {
            let c = p.record.contacts
            // A few of this year's mid-year joiners have none on record yet (the contacts to chase).
            if c.isEmpty {
                #expect(p.record.startingDay > AcademicYear(containing: Self.endOf2025).range.from, "\(p.record.upn) has no contacts")
                continue
            }
            #expect((2...3).contains(c.count))
            #expect(c.map(\.priority) == Array(1...c.count))
            #expect(c.contains { $0.livesWith })
            for x in c {
                #expect(x.phone.hasPrefix("07700 900") && x.phone.count == 12 && x.phone.dropFirst(6).allSatisfy(\.isNumber))
                #expect(x.email.hasSuffix("@example.org") || x.email.hasSuffix("@example.com"))
                #expect(!x.name.isEmpty && !x.relationship.isEmpty)
            }
            if !p.record.characteristics.lookedAfter { #expect(c[0].parentalResponsibility) }
        }
        let names = (Self.primary.pupils + Self.secondary.pupils).flatMap { p in
            ["\(p.record.legalForename) \(p.record.legalSurname)", p.record.characteristics.socialWorkerName]
                + p.record.contacts.map(\.name)
        }
        #expect(names.allSatisfy { !Names.famous.contains($0) })
        let relationships = Set((Self.primary.pupils + Self.secondary.pupils).flatMap { $0.record.contacts.map(\.relationship) })
        #expect(relationships.isSuperset(of: ["Mother", "Father", "Grandparent"]))
    }

    @Test func characteristicsAtRealisticRates() {
        let all = Self.primary.pupils + Self.secondary.pupils
        let n = Double(all.count)
        func share(_ f: (Characteristics) -> Bool) -> Double { Double(all.filter { f($0.record.characteristics) }.count) / n }
        #expect((0.21...0.29).contains(share(\.freeSchoolMeals)))
        #expect((0.24...0.33).contains(share(\.pupilPremium)))
        #expect(all.allSatisfy { !$0.record.characteristics.freeSchoolMeals || $0.record.characteristics.pupilPremium })
        #expect((0.12...0.18).contains(share { $0.sen == .senSupport }))
        #expect((0.015...0.045).contains(share { $0.sen == .ehcp }))
        #expect((0.15...0.25).contains(share(\.englishAdditionalLanguage)))
        #expect((0.015...0.045).contains(share(\.childInNeed)))
        #expect((0.002...0.02).contains(share(\.lookedAfter)))
        #expect((0.002...0.02).contains(share(\.childProtectionPlan)))
        #expect((0.01...0.035).contains(share(\.youngCarer)))
        for p in all where p.record.characteristics.childProtectionPlan || p.record.characteristics.lookedAfter {
            #expect(!p.record.characteristics.socialWorkerName.isEmpty && !p.record.characteristics.socialWorkerContact.isEmpty)
        }
        let ethnicities = Set(all.map(\.record.characteristics.ethnicity))
        #expect(ethnicities.isSuperset(of: ["WBRI", "WOTH", "APKN", "BAFR", "MWBC", "CHNE", "AOTH"]))
    }

    // MARK: Calendar

    @Test func calendarRows() {
        let rows = Demo.calendar(phase: .primary)
        let terms = rows.filter { $0.kind == .term }
        #expect(terms.count == 12)
        #expect(terms.allSatisfy { !$0.start.isWeekend && !$0.end.isWeekend && !$0.label.isEmpty })
        let inset = rows.filter { $0.kind == .inset }
        #expect(inset.count == 10)
        for d in inset {
            #expect(!d.start.isWeekend && d.label == "INSET day")
            #expect(terms.contains { $0.start <= d.start && d.end <= $0.end })
        }
        for y in [2025, 2026] {
            #expect(inset.filter { AcademicYear(containing: $0.start).startYear == y }.count == 5)
        }
        let closures = rows.filter { $0.kind == .closure }
        #expect(closures.allSatisfy { !$0.label.isEmpty })
        let bank = closures.filter { $0.label == "Early May bank holiday" }.map(\.start)
        #expect(bank == [LocalDate(year: 2026, month: 5, day: 4)!, LocalDate(year: 2027, month: 5, day: 3)!])
        let reception = closures.filter { $0.yearGroups == ["R"] }
        #expect(reception.map(\.start) == [LocalDate(year: 2025, month: 9, day: 4)!, LocalDate(year: 2026, month: 9, day: 3)!])
        #expect(reception.allSatisfy { $0.start.days(to: $0.end) == 1 })
        #expect(Demo.calendar(phase: .secondary).allSatisfy { $0.yearGroups.isEmpty })

        let cal = SchoolCalendar(entries: rows)
        #expect(cal.terms.count == 6)
        #expect(cal.terms.map(\.season) == [.autumn, .spring, .summer, .autumn, .spring, .summer])
        // 2025/26: 195 term weekdays less 5 INSET and 1 bank holiday is 190 school days.
        #expect(cal.openSessions(in: Self.year2025.range) == 380)
        #expect(cal.openSessions(in: Self.year2025.range, yearGroup: "R") == 376)
        // 2026/27 as given: 195 term weekdays less 5 INSET and 1 bank holiday is 189 school days.
        #expect(cal.openSessions(in: AcademicYear(startYear: 2026).range) == 378)
    }

    @Test func registerTimes() {
        let p = Self.primary.registerTimes
        let s = Self.secondary.registerTimes
        #expect(p.am.opens.description == "8:45" && p.am.lateAfter.description == "8:55" && p.am.closes.description == "9:15")
        #expect(p.pm.opens.description == "13:00" && p.pm.closes.description == "13:15")
        #expect(s.am.opens.description == "8:30" && s.am.lateAfter.description == "8:40" && s.am.closes.description == "9:10")
        #expect(s.pm.opens.description == "13:30" && s.pm.closes.description == "13:45")
        #expect(throws: Never.self) {
            try p.am.validate(field: "am")
            try s.pm.validate(field: "pm")
        }
    }

    // MARK: Marks

    /// Every mark is on a session open for the pupil's year group (or '#' on a planned closure), on roll,
    /// up to `through`; every open session on roll up to `through` has a mark.
    static func checkMarkPlacement(_ school: DemoSchool) {
        let cal = SchoolCalendar(entries: school.calendar)
        let span = cal.span!
        var problems: [String] = []
        for p in school.pupils {
            let e = enrolment(p, in: school)
            let bytes = p.marks.bytes
            #expect(p.marks.base == Demo.firstDay)
            #expect(bytes.count == (Demo.firstDay.days(to: Demo.lastDay) + 1) * 2)
            var d = Demo.firstDay
            while d <= Demo.lastDay {
                let year = AcademicYear(containing: d)
                let g = e.yearGroup(in: year)
                for s in Session.allCases {
                    let raw = bytes[Demo.firstDay.days(to: d) * 2 + s.index]
                    let open = span.contains(d) && cal.isOpen(d, s, yearGroup: g)
                    let closure = span.contains(d) && cal.isPlannedClosure(d, s, yearGroup: g)
                    let expected = e.isOnRoll(d) && d <= school.through && (open || closure)
                    if expected != (raw != 0) { problems.append("\(p.record.upn) \(d) \(s): raw \(raw), open \(open)") }
                    if raw != 0 && (raw == AttendanceCode.closure.rawValue) != closure {
                        problems.append("\(p.record.upn) \(d) \(s): # mismatch")
                    }
                    if raw != 0 {
                        let c = AttendanceCode(rawValue: raw)!
                        if s == .am && c == .presentPM || s == .pm && c == .presentAM {
                            problems.append("\(p.record.upn) \(d) \(s): \(c.symbol)")
                        }
                    }
                }
                d = d.adding(days: 1)
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test func marksOnlyOnOpenSessionsOnRoll() {
        Self.checkMarkPlacement(Self.primary)
        Self.checkMarkPlacement(
            Demo.generate(DemoOptions(phase: .secondary, pupils: 150, through: LocalDate(year: 2026, month: 1, day: 21)!)))
        // Through in 2026/27: two years of history, year groups of 2026/27, reception starting in September 2026.
        let next = Demo.generate(DemoOptions(pupils: 140, through: LocalDate(year: 2026, month: 10, day: 15)!))
        Self.checkMarkPlacement(next)
        #expect(
            next.pupils.filter { $0.record.yearGroup == "R" }.allSatisfy {
                $0.record.startingDay >= LocalDate(year: 2026, month: 9, day: 2)!
            })
        #expect(next.pupils.contains { $0.marks[LocalDate(year: 2025, month: 10, day: 1)!, .am] != nil })
        // Through before or after the calendar is clamped.
        let after = Demo.generate(DemoOptions(pupils: 20, through: LocalDate(year: 2030, month: 1, day: 1)!))
        #expect(after.through == Demo.lastDay)
        Self.checkMarkPlacement(after)
        let before = Demo.generate(DemoOptions(pupils: 20, through: LocalDate(year: 2020, month: 1, day: 1)!))
        #expect(before.pupils.allSatisfy { $0.marks.bytes.allSatisfy { $0 == 0 } })
    }

    @Test func receptionInductionAndInsetAreClosures() {
        let r = Self.primary.pupils.first {
            $0.record.yearGroup == "R" && $0.record.startingDay.month == 9 && $0.record.startingDay.day == 3
        }!
        let one = Self.primary.pupils.first { $0.record.yearGroup == "1" }!
        let induction = LocalDate(year: 2025, month: 9, day: 4)!
        #expect(r.marks[induction, .am] == .closure && r.marks[induction, .pm] == .closure)
        #expect(one.marks[induction, .am] != .closure && one.marks[induction, .am] != nil)
        let inset = LocalDate(year: 2025, month: 11, day: 3)!
        let bankHoliday = LocalDate(year: 2026, month: 5, day: 4)!
        #expect(one.marks[inset, .am] == .closure && one.marks[bankHoliday, .pm] == .closure)
        #expect(one.marks[LocalDate(year: 2025, month: 10, day: 28)!, .am] == nil)  // half term: no mark
    }

    @Test func statisticsFor2025() {
        for school in [Self.primary, Self.secondary] {
            let counts = Self.counts(school, range: Self.year2025.range).filter { $0.possible > 0 }
            let attendance = Self.median(counts.map { $0.attendanceRate! })
            let persistent = Double(counts.filter(\.isPersistentAbsence).count) / Double(counts.count)
            let severe = counts.filter(\.isSevereAbsence).count
            #expect((0.95...0.99).contains(attendance), "median attendance \(attendance)")
            #expect((0.12...0.28).contains(persistent), "persistent absence \(persistent)")
            #expect(severe >= 1 && Double(severe) < 0.05 * Double(counts.count), "severe \(severe)")
            #expect(counts.allSatisfy { $0.unmarked == 0 })
        }
    }

    @Test func noReasonOnlyOnTheLastTwoSchoolDays() {
        for through in [Self.endOf2025, LocalDate(year: 2026, month: 2, day: 2)!, LocalDate(year: 2026, month: 11, day: 20)!] {
            for phase in DemoOptions.Phase.allCases {
                let school = Demo.generate(DemoOptions(phase: phase, pupils: 600, through: through))
                let cal = SchoolCalendar(entries: school.calendar)
                let last = cal.latestSchoolDay(onOrBefore: through)!
                let previous = cal.latestSchoolDay(onOrBefore: last.adding(days: -1))!
                var withN = 0
                for p in school.pupils {
                    var has = false
                    for (j, raw) in p.marks.bytes.enumerated() where raw == AttendanceCode.n.rawValue {
                        let d = Demo.firstDay.adding(days: j / 2)
                        #expect(d == last || d == previous)
                        has = true
                    }
                    if has { withN += 1 }
                }
                let share = Double(withN) / Double(school.pupils.count)
                #expect(share > 0.01 && share < 0.08, "\(phase) \(through): \(share) with N")
            }
        }
    }

    @Test func mondayAndFridayDips() {
        for school in [Self.primary, Self.secondary] {
            var possible = [Int](repeating: 0, count: 8)
            var absent = [Int](repeating: 0, count: 8)
            for p in school.pupils {
                for (j, raw) in p.marks.bytes.enumerated() where raw != 0 {
                    let c = AttendanceCode(rawValue: raw)!
                    guard c.isPossibleSession else { continue }
                    let w = Demo.firstDay.adding(days: j / 2).weekday
                    possible[w] += 1
                    if c.isAbsence { absent[w] += 1 }
                }
            }
            let rate = (0..<8).map { possible[$0] > 0 ? Double(absent[$0]) / Double(possible[$0]) : 0 }
            #expect(rate[1] > rate[3] && rate[5] > rate[3], "Mon \(rate[1]) Wed \(rate[3]) Fri \(rate[5])")
        }
    }

    @Test func illnessClustersInWinter() {
        var winter = (0, 0)
        var summer = (0, 0)
        for p in Self.primary.pupils + Self.secondary.pupils {
            for (j, raw) in p.marks.bytes.enumerated() where raw != 0 && raw != AttendanceCode.closure.rawValue {
                let m = Demo.firstDay.adding(days: j / 2).month
                let ill = raw == AttendanceCode.i.rawValue ? 1 : 0
                if [12, 1, 2].contains(m) {
                    winter.0 += ill
                    winter.1 += 1
                } else if (4...7).contains(m) {
                    summer.0 += ill
                    summer.1 += 1
                }
            }
        }
        #expect(Double(winter.0) / Double(winter.1) > 1.5 * Double(summer.0) / Double(summer.1))
    }

    @Test func codeVariety() {
        func codes(_ s: DemoSchool) -> [AttendanceCode: Int] {
            var out: [AttendanceCode: Int] = [:]
            for p in s.pupils { for raw in p.marks.bytes where raw != 0 { out[AttendanceCode(rawValue: raw)!, default: 0] += 1 } }
            return out
        }
        let p = codes(Self.primary)
        let s = codes(Self.secondary)
        for c in [AttendanceCode.presentAM, .presentPM, .late, .i, .m, .g, .o, .u, .v, .closure, .n] {
            #expect(p[c, default: 0] > 0, "primary has no \(c.symbol)")
            #expect(s[c, default: 0] > 0, "secondary has no \(c.symbol)")
        }
        #expect(s[.e, default: 0] > 0 && s[.c, default: 0] > 0 && s[.p, default: 0] > 0)
        let legacyOrOdd = p.keys.filter { $0.isLegacy || $0 == .z || $0 == .d || $0 == .x }
        #expect(legacyOrOdd.isEmpty)
    }

    @Test func minutesLateMatchRegisterTimes() {
        for school in [Self.primary, Self.secondary] {
            var lates = 0
            for p in school.pupils {
                let bytes = p.marks.bytes
                let lateIndices = Set(
                    bytes.indices.filter { bytes[$0] == AttendanceCode.late.rawValue || bytes[$0] == AttendanceCode.u.rawValue })
                #expect(Set(p.minutesLate.keys) == lateIndices)
                for (j, minutes) in p.minutesLate {
                    let session: Session = j % 2 == 0 ? .am : .pm
                    let arrival = TimeOfDay(minutes: school.registerTimes[session].lateAfter.minutes + minutes)
                    let expected = school.registerTimes.arrival(at: arrival, session: session)
                    #expect(expected.code.rawValue == bytes[j] && expected.minutesLate == minutes)
                    if bytes[j] == AttendanceCode.late.rawValue {
                        #expect((1...25).contains(minutes))
                        lates += 1
                    } else {
                        #expect((30...60).contains(minutes))
                    }
                }
            }
            #expect(lates > 0)
        }
    }

    /// The statistical expectations hold for other seeds too, not just the default (slow in debug builds).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ROLLBOOK_DEMO_BENCH"] != nil), arguments: DemoOptions.Phase.allCases)
    func statisticsAcrossSeeds(phase: DemoOptions.Phase) {
        var worst = (median: (1.0, 0.0), persistent: (1.0, 0.0), severe: (Int.max, 0))
        for seed in [UInt64(2025)] + (1...39) {
            let school = Demo.generate(DemoOptions(phase: phase, through: Self.endOf2025, seed: seed))
            let counts = Self.counts(school, range: Self.year2025.range).filter { $0.possible > 0 }
            let attendance = Self.median(counts.map { $0.attendanceRate! })
            let persistent = Double(counts.filter(\.isPersistentAbsence).count) / Double(counts.count)
            let severe = counts.filter(\.isSevereAbsence).count
            worst = (
                (min(worst.median.0, attendance), max(worst.median.1, attendance)),
                (min(worst.persistent.0, persistent), max(worst.persistent.1, persistent)),
                (min(worst.severe.0, severe), max(worst.severe.1, severe))
            )
            if seed == 2025 {
                print("\(phase) default seed: median \(attendance), persistent \(persistent), severe \(severe) of \(counts.count)")
            }
            #expect((0.95...0.99).contains(attendance), "seed \(seed): median attendance \(attendance)")
            #expect((0.12...0.28).contains(persistent), "seed \(seed): persistent absence \(persistent)")
            #expect(severe >= 1 && Double(severe) < 0.05 * Double(counts.count), "seed \(seed): severe \(severe)")
        }
        print("\(phase) over 40 seeds: median \(worst.median), persistent \(worst.persistent), severe \(worst.severe)")
    }

    /// ROLLBOOK_DEMO_BENCH=1 ROLLBOOK_CORE_ONLY=1 swift test -c release --no-parallel --scratch-path .build-core-release --filter "DemoTests/(benchmark|statisticsAcrossSeeds)"
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ROLLBOOK_DEMO_BENCH"] != nil), arguments: DemoOptions.Phase.allCases)
    func benchmark(phase: DemoOptions.Phase) {
        let clock = ContinuousClock()
        var school: DemoSchool?
        let elapsed = clock.measure { school = Demo.generate(DemoOptions(phase: phase, pupils: 50_000, through: Self.endOf2025)) }
        let counts = Self.counts(school!, range: Self.year2025.range).filter { $0.possible > 0 }
        let rates = counts.map { $0.attendanceRate! }.sorted()
        let pct = { (q: Double) in (rates[Int(q * Double(rates.count - 1))] * 1000).rounded() / 10 }
        let total = counts.reduce(SessionCounts(), +)
        let share = { (n: Int) in (Double(n) / Double(counts.count) * 1000).rounded() / 10 }
        print(
            """
            demo benchmark \(phase): 50,000 pupils generated in \(elapsed)
              attendance %: p5 \(pct(0.05)) p10 \(pct(0.1)) p25 \(pct(0.25)) median \(pct(0.5)) p75 \(pct(0.75)) p90 \(pct(0.9))
              overall absence \(total.absenceRate!) authorised \(total.authorisedAbsenceRate!) unauthorised \(total.unauthorisedAbsenceRate!)
              persistent \(share(counts.filter(\.isPersistentAbsence).count))% severe \(share(counts.filter(\.isSevereAbsence).count))%
            """)
        var possible = [Int](repeating: 0, count: 8)
        var absent = [Int](repeating: 0, count: 8)
        var withN = 0
        for p in school!.pupils {
            var n = false
            for (j, raw) in p.marks.bytes.enumerated() where raw != 0 {
                let c = AttendanceCode(rawValue: raw)!
                guard c.isPossibleSession else { continue }
                let w = Demo.firstDay.adding(days: j / 2).weekday
                possible[w] += 1
                if c.isAbsence { absent[w] += 1 }
                if c == .n { n = true }
            }
            if n { withN += 1 }
        }
        print(
            "  absence by weekday %: "
                + (1...5).map { String((Double(absent[$0]) / Double(possible[$0]) * 1000).rounded() / 10) }.joined(separator: " ")
                + "; pupils with N \(share(withN))%")
        #expect(elapsed < .seconds(10))
    }
}
