import Foundation
import Testing

@testable import RollbookCore

/// The example policies in `Policies/`, one per seed policy the requirements come from: each decodes (and so validates),
/// cites its seed for every setting, and says what the seed's text says where it matters most. Other suites may load
/// them with `SeedPolicyTests.seed(n)`.
@Suite("Seed example policies")
struct SeedPolicyTests {
    static let files = [
        "seed-000-secondary.json",
        "seed-001-secondary-academy.json",
        "seed-002-small-primary.json",
        "seed-003-primary.json",
        "seed-004-trust-primary.json",
    ]

    /// The repository's `Policies/` directory.
    static var directory: URL { Repository.root.appendingPathComponent("Policies") }

    static func data(_ file: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(file)) }

    static func policy(_ file: String) throws -> Policy { try PolicyFile.decode(data(file)) }

    /// The example policy for seed `n` (0...4).
    static func seed(_ n: Int) throws -> Policy { try policy(files[n]) }

    static func t(_ h: Int, _ m: Int) -> TimeOfDay { TimeOfDay(hour: h, minute: m)! }

    static func day(_ iso: String) -> LocalDate { LocalDate(iso: iso)! }

    // MARK: - Setting paths

    /// Every setting path in a policy's JSON: keys joined with dots; stages, lateness rungs, illness rules and truancy
    /// rungs by id (`stages.stage-2`, `lateness.weekly-1-2`, `truancy.first` for `truancy.ladder`); items of other lists
    /// as `bands[]`.
    static func paths(_ json: Any, prefix: String = "") -> Set<String> {
        var out: Set<String> = []
        if let object = json as? [String: Any] {
            for (key, value) in object {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                out.insert(path)
                out.formUnion(paths(value, prefix: path))
            }
        } else if let list = json as? [Any] {
            for item in list {
                guard let object = item as? [String: Any] else { continue }
                if let id = object["id"] as? String {
                    let path = (prefix == "truancy.ladder" ? "truancy" : prefix) + ".\(id)"
                    out.insert(path)
                    out.formUnion(paths(object, prefix: path))
                } else {
                    out.formUnion(paths(object, prefix: "\(prefix)[]"))
                }
            }
        }
        return out
    }

    /// The settings Rollbook reads for this policy: its own encoding with every optional setting filled in (the
    /// encoder leaves out nil ones), so a path the schema does not have is never among them.
    static func schemaPaths(_ p: Policy) throws -> Set<String> {
        var f = p
        f.stages = p.stages.map { s in
            var s = s
            s.windowSchoolWeeks = s.windowSchoolWeeks ?? 1
            s.letter = s.letter ?? "-"
            s.monitoringSchoolWeeks = s.monitoringSchoolWeeks ?? 1
            s.improvementTarget = s.improvementTarget ?? 1
            s.next = s.next ?? "-"
            return s
        }
        f.lateness = p.lateness.map { r in
            var r = r
            r.atMost = r.atMost ?? 1
            r.letter = r.letter ?? "-"
            r.schoolWeeks = r.schoolWeeks ?? 1
            r.monitoring = r.monitoring ?? .init(count: 1, unit: .schoolWeek)
            r.improvedAtMost = r.improvedAtMost ?? 0
            r.next = r.next ?? "-"
            r.handOver = r.handOver ?? "-"
            r.directEntry = r.directEntry ?? true
            return r
        }
        f.truancy?.ladder =
            p.truancy?.ladder.map { r in
                var r = r
                r.letter = r.letter ?? "-"
                return r
            } ?? []
        f.missingEducation.vulnerableAfterSchoolDays = p.missingEducation.vulnerableAfterSchoolDays ?? 1
        f.missingEducation.illnessSchoolDays = p.missingEducation.illnessSchoolDays ?? 1
        f.missingEducation.unauthorisedEnquirySchoolDays = p.missingEducation.unauthorisedEnquirySchoolDays ?? [1]
        f.penaltyNotice.improvementSchoolWeeks = p.penaltyNotice.improvementSchoolWeeks ?? 3
        f.penaltyNotice.travellerProtectionSessions = p.penaltyNotice.travellerProtectionSessions ?? 200
        f.penaltyNotice.repeatedEpisodes = p.penaltyNotice.repeatedEpisodes ?? .init(count: 3, withinSchoolWeeks: 39)
        f.leave.refuseWhenAuthorisedAbove = p.leave.refuseWhenAuthorisedAbove ?? 1
        f.leave.adjacentDaysEvidenceDays = p.leave.adjacentDaysEvidenceDays ?? 1
        if var e = f.evidence {
            e.tellParentsSchoolDaysBefore = e.tellParentsSchoolDaysBefore ?? 1
            e.reminderLetter = e.reminderLetter ?? "-"
            e.medicalAppointments = e.medicalAppointments ?? .init(advanceNotice: true, evidence: true)
            if e.allowances.isEmpty { e.allowances = [.init(id: "-", name: "-", maxSchoolDays: 1, perYear: 1, reasonContains: "-")] }
            f.evidence = e
        }
        if var x = f.exclusions {
            x.alternativeProvisionFromSchoolDay = x.alternativeProvisionFromSchoolDay ?? 6
            x.noticeLetter = x.noticeLetter ?? "-"
            f.exclusions = x
        }
        if f.leave.blackouts.isEmpty { f.leave.blackouts = [.init(from: p.effectiveFrom, to: p.effectiveFrom, reason: "-")] }
        return paths(try JSONSerialization.jsonObject(with: PolicyFile.encode(f)))
    }

    /// Settings every example cites, whatever the seed says (a silent seed is cited as silent, with the rule used).
    static let citedInEveryFile = [
        "register.am", "register.pm", "attendance_target", "bands", "persistent_absence", "severe_absence",
        "no_reason", "day_one", "penalty_notice", "penalty_notice.notice_to_improve",
        "missing_education.no_contact_school_days", "missing_education.vulnerable_after_school_days",
        "missing_education.continuous_unauthorised_school_days", "missing_education.illness_school_days",
        "missing_education.not_back_after_leave_school_days", "missing_education.tell_social_worker",
        "leave.notice_days", "leave.refuse_when_authorised_above", "leave.blackouts", "leave.adjacent_days_evidence_days",
        "evidence.by_hand", "evidence.deadline_school_days", "evidence.tell_parents_school_days_before", "evidence.report_to_la",
    ]

    // MARK: - Every file

    @Test("each seed's policy file decodes and passes validation, in force from 1 September 2025", arguments: files)
    func decodes(file: String) throws {
        let p = try Self.policy(file)
        #expect(p.rollbookPolicy == 1)
        #expect(p.effectiveFrom == Self.day("2025-09-01"))
        #expect(p.name.contains("example from seed \(file.dropFirst(5).prefix(3))"))
        #expect(p.bands.first?.tone == "green" && p.bands.last?.tone == "red")
    }

    @Test("every clause names a setting the file has, once; the file has no key the schema does not read", arguments: files)
    func clausesNameRealSettings(file: String) throws {
        let p = try Self.policy(file)
        let schema = try Self.schemaPaths(p)
        let written = Self.paths(try JSONSerialization.jsonObject(with: Self.data(file)))
        #expect(written.subtracting(schema).isEmpty, "keys Rollbook does not read: \(written.subtracting(schema).sorted())")
        var seen: Set<String> = []
        for c in p.clauses {
            #expect(schema.contains(c.setting), "the clause for '\(c.setting)' names no setting")
            #expect(seen.insert(c.setting).inserted, "two clauses for '\(c.setting)'")
        }
    }

    @Test("every stage, lateness rung, illness rule and main setting cites the seed's clause in a short quote", arguments: files)
    func everyRuleCitesItsSeed(file: String) throws {
        let p = try Self.policy(file)
        let cited = Set(p.clauses.map(\.setting))
        var needed = Self.citedInEveryFile
        needed += p.stages.map { "stages.\($0.id)" } + (p.planReviews ?? []).map { "plan_reviews.\($0.id)" }
        needed += p.lateness.isEmpty ? ["lateness"] : p.lateness.map { "lateness.\($0.id)" }
        needed += p.illnessEvidence.isEmpty ? ["illness_evidence"] : p.illnessEvidence.map { "illness_evidence.\($0.id)" }
        needed += p.truancy.map { t in t.ladder.map { "truancy.\($0.id)" } + ["truancy.notify"] } ?? []
        needed += (p.evidence?.allowances ?? []).map { "evidence.allowances.\($0.id)" }
        if p.evidence?.medicalAppointments != nil { needed.append("evidence.medical_appointments") }
        if p.exclusions != nil { needed += ["exclusions.alternative_provision_from_school_day", "exclusions.notice_letter"] }
        if p.traveller != nil { needed.append("traveller.base_school_months") }
        for path in needed { #expect(cited.contains(path), "no clause for \(path)") }

        let seed = "Seed \(file.dropFirst(5).prefix(3))"
        let quote = try NSRegularExpression(pattern: "(?<![A-Za-z])'(.+?)'(?![A-Za-z])")
        for c in p.clauses {
            #expect(c.source.hasPrefix(seed), "\(c.setting): '\(c.source)' does not cite \(seed)")
            #expect(p.clause(c.setting) == c.source)
            let text = c.source as NSString
            for m in quote.matches(in: c.source, range: NSRange(location: 0, length: text.length)) {
                let words = text.substring(with: m.range(at: 1)).split(separator: " ").count
                #expect(words <= 25, "\(c.setting): a quote of \(words) words")
            }
        }
    }

    @Test("the example in Policies/README.md (the documented schema) is a valid policy file")
    func documentedExampleDecodes() throws {
        let readme = try String(contentsOf: Self.directory.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```json\n"))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let p = try PolicyFile.decode(Data(readme[start.upperBound..<end.lowerBound].utf8))
        #expect(p.register.arrival(at: Self.t(9, 15), session: .am).code == .late)
        #expect(p.register.arrival(at: Self.t(9, 16), session: .am).code == .u)
        #expect(p.clause("stages.stage-1").contains("95%"))
        #expect(p.exclusions?.provisionDay == 6 && p.exclusions?.noticeLetterID == "exclusion-public-places")
    }

    /// The real schools, trusts and areas the seed policies were drawn from, as (UTF-8 length, FNV-1a 64 hash) of each
    /// lower-cased phrase: the test can look for them without the repository naming them.
    static let realNames: [(length: Int, hash: UInt64)] = [
        (6, 0x04dc_57e8_1c8e_95a8),
        (7, 0x35eb_9852_2958_1476),
        (7, 0xa588_04f2_5e27_4cbf),
        (8, 0x1671_340e_1cb6_679f),
        (8, 0x4a3c_c58d_599d_97ff),
        (10, 0xb31d_1f9e_c810_56a6),
        (10, 0xdc1d_ea9e_f549_83a7),
        (18, 0x29d4_a367_5200_8c9a),
        (20, 0xf85b_c3e7_bbd1_a24e),
        (21, 0x13e6_1ad6_182e_b678),
        (21, 0x632c_bfb1_8231_9caa),
        (21, 0x65ff_aee7_9d98_fd16),
        (22, 0x458d_a7c6_8682_ac6f),
        (22, 0xe2be_453f_dd89_39c8),
        (23, 0x58c3_affc_e870_0662),
        (29, 0x6a37_6814_fd7c_f24c),
    ]

    /// FNV-1a 64 of some bytes.
    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Whether the lower-cased text holds any phrase of `names`: each window of each length that starts a word, hashed.
    static func mentions(_ text: String, _ names: [(length: Int, hash: UInt64)]) -> Bool {
        let bytes = Array(text.lowercased().utf8)
        func isLetter(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || b >= 128 }
        let lengths = Set(names.map(\.length)).sorted()
        var wanted: [Int: Set<UInt64>] = [:]
        for n in names { wanted[n.length, default: []].insert(n.hash) }
        for i in bytes.indices where isLetter(bytes[i]) && (i == 0 || !isLetter(bytes[i - 1])) {
            // One pass of the hash over the longest window gives every shorter window's hash on the way.
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            var k = 0
            for n in lengths where i + n <= bytes.count {
                while k < n {
                    h = (h ^ UInt64(bytes[i + k])) &* 0x100_0000_01b3
                    k += 1
                }
                if wanted[n]!.contains(h) { return true }
            }
        }
        return false
    }

    @Test("no file of the repository names the real school, trust or area a seed was drawn from")
    func fictionalNames() throws {
        // The search finds a phrase that is there: the fictional school of seed 004's example.
        let elderbrook = Array("elderbrook primary".utf8)
        #expect(Self.fnv1a(elderbrook[...]) == 0x5b64_fd95_367f_ace0)  // the value the list's hashes were made with
        #expect(
            Self.mentions(
                String(decoding: try Self.data("seed-004-trust-primary.json"), as: UTF8.self),
                [(elderbrook.count, Self.fnv1a(elderbrook[...]))]))
        #expect(Self.realNames.count >= 10)
        for file in Self.files {
            #expect(
                !Self.mentions(String(decoding: try Self.data(file), as: UTF8.self), Self.realNames),
                "\(file) names a real school, trust or area")
        }
        // Nor does any source, test, document or view in the repository.
        let root = Repository.root
        var checked = 0
        for folder in ["Sources", "Tests", "docs", "Policies"] {
            let base = root.appendingPathComponent(folder)
            guard let walk = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in walk where ["swift", "md", "leaf", "json", "py", "csv"].contains(url.pathExtension) {
                checked += 1
                #expect(
                    !Self.mentions(String(decoding: try Data(contentsOf: url), as: UTF8.self), Self.realNames),
                    "\(url.path.dropFirst(root.path.count + 1)) names a real school, trust or area")
            }
        }
        #expect(
            !Self.mentions(String(decoding: try Data(contentsOf: root.appendingPathComponent("README.md")), as: UTF8.self), Self.realNames))
        #expect(checked > 100)
    }

    // MARK: - Seed 000 (secondary, 11-18)

    @Test(
        "Seed 000 §8.3.3 'School Attendance Monitoring': letter below 96%, early help plan monitored 2 weeks, contract monitored 4 weeks, LA referral"
    )
    func seed000FourStages() throws {
        let p = try Self.seed(0)
        #expect(p.stages.map(\.id) == ["stage-1", "stage-2", "stage-3", "stage-4"])
        #expect(p.stages.map(\.action) == [.letter, .earlyHelpPlan, .attendanceContract, .laReferral])
        #expect(p.stages.map(\.next) == ["stage-2", "stage-3", "stage-4", nil])
        #expect(p.stages.map(\.directEntry) == [true, false, false, false])
        #expect(p.stages.allSatisfy { $0.below == 0.96 && $0.windowSchoolWeeks == nil })
        #expect(p.stage("stage-2")?.monitoringSchoolWeeks == 2)
        #expect(p.stage("stage-3")?.monitoringSchoolWeeks == 4)
        #expect(p.stage("stage-4")?.monitoringSchoolWeeks == nil)
        #expect(p.attendanceTarget == 0.96)
    }

    @Test(
        "Seed 000 §6.3.4 'Children Missing in Education': LA referral if no contact by the 10th day; §7: social worker told of unexplained absence"
    )
    func seed000MissingEducation() throws {
        let p = try Self.seed(0)
        #expect(p.missingEducation.noContactSchoolDays == [10])
        #expect(p.missingEducation.tellSocialWorker)
        #expect(p.missingEducation.continuousUnauthorisedSchoolDays == 20)
    }

    @Test("Seed 000 §5.1.3 'Attendance register': AM taken 8.30 and open until 9.29, PM 1.00 until 1.59 (L while open, then U)")
    func seed000Registers() throws {
        let r = try Self.seed(0).register
        #expect(r.arrival(at: Self.t(8, 30), session: .am).code == .presentAM)
        #expect(r.arrival(at: Self.t(8, 31), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 29), session: .am) == (.late, 59))
        #expect(r.arrival(at: Self.t(9, 30), session: .am).code == .u)
        #expect(r.arrival(at: Self.t(13, 59), session: .pm).code == .late)
        #expect(r.arrival(at: Self.t(14, 0), session: .pm).code == .u)
    }

    @Test(
        "Seed 000 §5.5.1 'Following Up Unexplained Absence': call on the first morning and each day it continues; code within 5 working days"
    )
    func seed000DayOne() throws {
        let p = try Self.seed(0)
        #expect(p.dayOne.repeatDaily)
        #expect(p.dayOne.contactBy < Self.t(12, 0))
        #expect(p.noReason.nToOSchoolDays == 5)
    }

    // MARK: - Seed 001 (secondary academy)

    @Test("Seed 001 §7 'Attendance monitoring': a day 1 phone call when parents have not called by 9:10")
    func seed001DayOneCall() throws {
        let p = try Self.seed(1)
        #expect(p.dayOne.contactBy == Self.t(9, 10))
        #expect(p.dayOne.repeatDaily)
    }

    @Test("Seed 001 §3.1 and code U: in by 8:30, late until 9:10, U after 9:10")
    func seed001Registers() throws {
        let r = try Self.seed(1).register
        #expect(r.arrival(at: Self.t(8, 30), session: .am).code == .presentAM)
        #expect(r.arrival(at: Self.t(8, 31), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 10), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 11), session: .am) == (.u, 41))
    }

    @Test(
        "Seed 001 §5 'Children Missing From Education': enquiries at 5 days' continuous unauthorised absence; agencies after 2 days for CP and CIN pupils"
    )
    func seed001MissingEducation() throws {
        let me = try Self.seed(1).missingEducation
        #expect(me.noContactSchoolDays == [5])
        #expect(me.unauthorisedEnquirySchoolDays == [5])
        #expect(me.vulnerableAfterSchoolDays == 2)
        #expect(me.continuousUnauthorisedSchoolDays == 20)
    }

    @Test("Seed 001 §1 and §7: good attendance is at least 97%; below 90% is a persistent absentee and starts the stages")
    func seed001TargetAndPersistentAbsence() throws {
        let p = try Self.seed(1)
        #expect(p.attendanceTarget == 0.97)
        #expect(p.persistentAbsence == 0.10)
        #expect(p.attendanceBands.band(for: 0.97)?.tone == "green")
        #expect(p.attendanceBands.band(for: 0.95)?.tone == "amber")
        #expect(p.attendanceBands.band(for: 0.89)?.tone == "red")
        #expect(p.stages.first?.below == 0.90)
        #expect(p.stages.first?.directEntry == true)
    }

    @Test(
        "Seed 001 §4.2 'Legal sanctions': its pre-2024 '10 sessions in 12 months' gives way to the national 10 sessions in 10 school weeks")
    func seed001PenaltyNotice() throws {
        let pn = try Self.seed(1).penaltyNotice
        #expect(pn.thresholdSessions == 10 && pn.windowSchoolWeeks == 10)
    }

    // MARK: - Seed 002 (small primary and nursery)

    @Test("Seed 002 Flowchart 1: bands 96-100 green, 94-95.9 upper amber, 90-93.9 lower amber, below 90 red")
    func seed002Bands() throws {
        let p = try Self.seed(2)
        #expect(p.bands.map(\.from) == [0.96, 0.94, 0.90, 0])
        #expect(p.bands.map(\.tone) == ["green", "amber", "amber", "red"])
        #expect(p.attendanceBands.band(for: 0.95)?.name.contains("upper amber") == true)
        #expect(p.attendanceBands.band(for: 0.92)?.name.contains("lower amber") == true)
        #expect(p.attendanceBands.band(for: 0.899)?.tone == "red")
    }

    @Test("Seed 002 Flowchart 2 'LATENESS': 1 or 2 late arrivals in a week, then 3 or 4 (L and U both count)")
    func seed002LatenessLadder() throws {
        let rules = try Self.seed(2).lateness
        let direct = rules.filter(\.allowsDirectEntry)
        func rung(_ lates: Int) -> String? { direct.first { lates >= $0.atLeast && lates <= ($0.atMost ?? .max) }?.id }
        #expect(rules.map(\.id) == ["weekly-1-2", "weekly-3-4", "panel"])
        #expect(direct.map(\.id) == ["weekly-1-2", "weekly-3-4"])
        #expect(direct.allSatisfy { $0.per == .week && Set($0.codes) == ["L", "U"] && $0.action == .letter && $0.letter != nil })
        #expect(rung(0) == nil)
        #expect(rung(1) == "weekly-1-2" && rung(2) == "weekly-1-2")
        #expect(rung(3) == "weekly-3-4" && rung(4) == "weekly-3-4")
        #expect(rung(5) == "weekly-3-4")
    }

    @Test(
        "Seed 002 Flowchart 2 'At the end of monitoring': no improvement, a 'Lateness Panel Meeting' and contract; 'If lateness continues ... move over to the attendance escalation procedure'"
    )
    func seed002LatenessEscalation() throws {
        let p = try Self.seed(2)
        let written = try #require(p.latenessRung("weekly-3-4"))
        let panel = try #require(p.latenessRung("panel"))
        #expect(p.latenessRung("weekly-1-2")?.monitoring == nil && p.latenessRung("weekly-1-2")?.next == nil)
        #expect(written.monitoring == .init(count: 4, unit: .schoolWeek) && written.next == "panel" && written.improvedLimit == 2)
        #expect(panel.action == .attendanceContract && panel.letter == "lateness-panel-invitation" && panel.allowsDirectEntry == false)
        #expect(panel.monitoring == .init(count: 1, unit: .halfTerm) && panel.handOver == "stage-3" && panel.next == nil)
        #expect(p.stage("stage-3")?.monitoringPeriod != nil, "the hand-over is to the first monitored attendance stage")
    }

    @Test("Seed 002 §4.4.8 'Late arrival': registration begins 9.00, late after that, the register closes at 9.25 (U from then)")
    func seed002Register() throws {
        let r = try Self.seed(2).register
        #expect(r.arrival(at: Self.t(9, 0), session: .am).code == .presentAM)
        #expect(r.arrival(at: Self.t(9, 1), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 24), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 25), session: .am).code == .u)
    }

    @Test("Seed 002 Flowchart 1, below 90%: letter and a half term's monitoring, Attendance Panel Meeting, then the LA officer")
    func seed002Escalation() throws {
        let p = try Self.seed(2)
        #expect(p.stage("stage-1")?.below == 0.96 && p.stage("stage-1")?.next == nil)
        #expect(p.stage("stage-2")?.below == 0.94 && p.stage("stage-2")?.next == nil)
        let red = try #require(p.stage("stage-3"))
        let halfTerm = Policy.PeriodLength(count: 1, unit: .halfTerm)
        #expect(red.below == 0.90 && red.directEntry && red.monitoringPeriod == halfTerm && red.next == "stage-4")
        let panel = try #require(p.stage("stage-4"))
        #expect(panel.action == .attendanceContract && !panel.directEntry && panel.monitoringPeriod == halfTerm && panel.next == "stage-5")
        #expect(red.improvedLetter == "congratulations-improvement" && panel.improvedLetter == "congratulations-improvement")
        // Amber: termly letters while in the band, the pupil spoken to in school, left on leaving the band.
        for (id, exit) in [("stage-1", 0.96), ("stage-2", 0.94)] {
            let s = try #require(p.stage(id))
            #expect(s.repeat == .term && s.exitAbove == exit)
            #expect(s.pupilActions == [.init(action: .meeting, name: "Speak to the individual in school")])
        }
        #expect(p.stage("stage-5")?.action == .laReferral)
    }

    // MARK: - Seed 003 (primary)

    @Test("Seed 003 'Reactive Strategies for Attendance' 3-5: illness evidence at 5 consecutive days, 8 sessions in a term, 12 in a year")
    func seed003IllnessEvidence() throws {
        let rules = try Self.seed(3).illnessEvidence
        #expect(rules.count == 3)
        #expect(rules.first { $0.measure == .consecutiveSchoolDays }?.count == 5)
        #expect(rules.first { $0.measure == .sessionsInTerm }?.count == 8)
        #expect(rules.first { $0.measure == .sessionsInYear }?.count == 12)
    }

    @Test("Seed 003 'Reactive Strategies for Punctuality': a letter when there are more than 3 unauthorised lates")
    func seed003UnauthorisedLates() throws {
        let rules = try Self.seed(3).lateness
        #expect(rules.count == 1)
        let rule = try #require(rules.first)
        #expect(rule.codes == ["U"] && rule.atLeast == 4 && rule.atMost == nil)
        #expect(rule.action == .letter && rule.letter != nil)
    }

    @Test("Seed 003 'Start of the day': registers open 8:45, late after 9:00, unauthorised late (U) after 9.15")
    func seed003Register() throws {
        let r = try Self.seed(3).register
        #expect(r.am.opens == Self.t(8, 45))
        #expect(r.arrival(at: Self.t(9, 0), session: .am).code == .presentAM)
        #expect(r.arrival(at: Self.t(9, 1), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 15), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 16), session: .am).code == .u)
    }

    @Test("Seed 003 'Reactive Strategies' 1 and 3: penalty warning notice after 10 unauthorised sessions, then 30 school days to improve")
    func seed003PenaltyWarning() throws {
        let pn = try Self.seed(3).penaltyNotice
        #expect(pn.thresholdSessions == 10)
        #expect(pn.noticeToImprove == .always && pn.improvementSchoolWeeks == 6)
    }

    @Test("Seed 003 'Proactive strategies' 10: evidence for days next to a leave within one week of return")
    func seed003AdjacentDays() throws {
        #expect(try Self.seed(3).leave.adjacentDaysEvidenceDays == 7)
    }

    @Test("Seed 003 'Reactive Strategies' 3 and 15: evidence deadline, reported to the LA; one D&V period of 3 days a year")
    func seed003Evidence() throws {
        let e = try #require(try Self.seed(3).evidence)
        #expect(e.deadlineSchoolDays == 5)
        #expect(e.tellParentsSchoolDaysBefore == 2)
        #expect(e.reportToLA)
        #expect(e.byHand)
        #expect(
            e.allowances == [
                .init(id: "d-and-v", name: e.allowances.first?.name ?? "", maxSchoolDays: 3, perYear: 1, reasonContains: "D&V")
            ])
        #expect(e.medicalAppointments == nil)
    }

    @Test("Evidence by hand where there is doubt, told in advance (000 §5.2.4-5.2.6, 001 App. I, 002 §4.4.1, 004 'reserves the right')")
    func evidenceByHand() throws {
        for n in [0, 1, 2, 4] {
            let e = try #require(try Self.seed(n).evidence)
            #expect(e.byHand)
            #expect(e.deadlineSchoolDays == 10)
            #expect(e.tellParentsSchoolDaysBefore == 3)
            #expect(e.reminderLetterID == "evidence-reminder")
            #expect(!e.reportToLA)
            #expect(e.allowances.isEmpty)
        }
    }

    @Test("Medical appointments: advance notice (000 §5.3.1, 001 §3.3, 004) and evidence (001 App. I, 002 §4.4.2, 004)")
    func medicalAppointments() throws {
        #expect(try Self.seed(0).evidence?.medicalAppointments == .init(advanceNotice: true, evidence: false))
        #expect(try Self.seed(1).evidence?.medicalAppointments == .init(advanceNotice: true, evidence: true))
        #expect(try Self.seed(2).evidence?.medicalAppointments == .init(advanceNotice: false, evidence: true))
        #expect(try Self.seed(4).evidence?.medicalAppointments == .init(advanceNotice: true, evidence: true))
    }

    @Test(
        "Seed 003 'Proactive strategies' 8 and 'Reactive Strategies' 9: tracked below 95, 90 and 80%; severe absence below 50% referred at once"
    )
    func seed003BandsAndSevereAbsence() throws {
        let p = try Self.seed(3)
        #expect(p.bands.map(\.from) == [0.95, 0.90, 0.80, 0.50, 0])
        let severe = try #require(p.stages.first { $0.below == 0.50 })
        #expect(severe.directEntry && severe.action == .laReferral)
        #expect(p.missingEducation.tellSocialWorker)
    }

    // MARK: - Seed 004 (primary in a trust)

    @Test("Seed 004 Appendix 5 and 6: a letter when attendance falls below 93%, another below 90%")
    func seed004Letters() throws {
        let p = try Self.seed(4)
        // The rate stages with direct entry (at-risk and severe absence have their own triggers).
        let entries = p.stages.filter { $0.directEntry && $0.trigger == nil }
        #expect(entries.map(\.below) == [0.93, 0.90])
        #expect(entries.allSatisfy { $0.letter != nil && $0.monitoringSchoolWeeks == 2 })
        #expect(p.stages.filter { $0.directEntry && $0.trigger != nil }.map(\.id) == ["at-risk", "severe"])
        #expect(p.attendanceTarget == 0.96)
        #expect(p.bands.map(\.from) == [0.96, 0.93, 0.90, 0])
    }

    @Test(
        "Seed 004 Appendix 7-9: two weeks' monitoring, targets, an EWO contract for four weeks, a final warning for four more, then a fixed penalty notice"
    )
    func seed004Escalation() throws {
        let p = try Self.seed(4)
        var chain: [Policy.Stage] = []
        var id: String? = "stage-1"
        while let current = id, let stage = p.stage(current) {
            chain.append(stage)
            id = stage.next
        }
        #expect(chain.map(\.monitoringSchoolWeeks) == [2, 2, 4, 4, nil])
        #expect(chain.map(\.action) == [.letter, .meeting, .attendanceContract, .letter, .penaltyNotice])
        #expect(p.stage("stage-2")?.next == "stage-3")
    }

    @Test("Seed 004 Appendix 4: N codes without an explanation after a week are recorded as unauthorised")
    func seed004NToO() throws {
        let p = try Self.seed(4)
        #expect(p.noReason.nToOSchoolDays == 5)
        #expect(p.dayOne.repeatDaily)
    }

    @Test(
        "Seed 004 'Leave of absence': two weeks' notice in writing; refused above 10% authorised absence and around statutory assessments")
    func seed004Leave() throws {
        let leave = try Self.seed(4).leave
        func blackedOut(_ iso: String) -> Bool { leave.blackouts.contains { $0.from <= Self.day(iso) && Self.day(iso) <= $0.to } }
        #expect(leave.noticeDays == 14)
        #expect(leave.refuseWhenAuthorisedAbove == 0.10)
        #expect(blackedOut("2026-05-11") && blackedOut("2026-05-14"))
        #expect(blackedOut("2026-05-07"))
        #expect(!blackedOut("2026-05-15") && !blackedOut("2026-04-20"))
        // The key stage 2 tests are Year 6's, the phonics check Year 1's: other year groups are not blacked out.
        let ks2 = try #require(leave.blackouts.first { $0.from <= Self.day("2026-05-11") && Self.day("2026-05-11") <= $0.to })
        #expect(ks2.applies(to: "6") && !ks2.applies(to: "3"))
    }

    @Test("Seed 004 'Attendance expectations': AM late after 9:10 and absent from 9:20; PM late after 1:30 and absent from 1:45")
    func seed004Registers() throws {
        let r = try Self.seed(4).register
        #expect(r.arrival(at: Self.t(9, 10), session: .am).code == .presentAM)
        #expect(r.arrival(at: Self.t(9, 11), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 19), session: .am).code == .late)
        #expect(r.arrival(at: Self.t(9, 20), session: .am).code == .u)
        #expect(r.arrival(at: Self.t(13, 30), session: .pm).code == .presentPM)
        #expect(r.arrival(at: Self.t(13, 44), session: .pm).code == .late)
        #expect(r.arrival(at: Self.t(13, 45), session: .pm).code == .u)
    }

    @Test(
        "Seed 004 'Absence procedures' and health-related absence: LA told at 10 days not back after leave, 20 days unauthorised, over 15 days ill"
    )
    func seed004MissingEducation() throws {
        let me = try Self.seed(4).missingEducation
        #expect(me.notBackAfterLeaveSchoolDays == 10)
        #expect(me.continuousUnauthorisedSchoolDays == 20)
        #expect(me.illnessSchoolDays == 15)
    }

    // MARK: - Persistent lateness and truancy

    @Test(
        "Seeds 000 §5.4.2, 001 §3.4 and 004 'Truancy': 'persistent late arrival' is 6 late arrivals (L or U) in 6 school weeks, the seeds giving no number",
        arguments: [0, 1, 4])
    func persistentLateness(seed: Int) throws {
        let p = try Self.seed(seed)
        let r = try #require(p.latenessRung("persistent-late"))
        #expect(r.per == .schoolWeeks && r.schoolWeeks == 6 && r.atLeast == 6 && r.atMost == nil && Set(r.codes) == ["L", "U"])
        #expect(r.monitoring == nil && r.next == nil)
        #expect(r.action == (seed == 4 ? .penaltyNotice : .meeting))
        #expect(p.clause("lateness.persistent-late").contains("The seed gives no number"))
    }

    @Test(
        "Seed 004 'Truancy': first instance 'a letter of warning'; 'further truancy' a penalty notice considered; 'the headteacher is notified'"
    )
    func seed004Truancy() throws {
        let p = try Self.seed(4)
        let t = try #require(p.truancy)
        #expect(t.ladder.map(\.id) == ["first", "further"])
        #expect(t.ladder.map(\.atLeast) == [1, 2] && t.ladder.allSatisfy { $0.per == .year })
        #expect(t.ladder.map(\.action) == [.letter, .penaltyNotice] && t.ladder.first?.letter == "truancy-warning")
        #expect(p.truancyNotifies(.head) && p.truancyNotifies(.parents))
        for n in [0, 1, 2, 3] {
            let other = try Self.seed(n)
            #expect(other.truancy == nil && !other.truancyNotifies(.head))
        }
    }
}
