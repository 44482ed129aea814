import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// `/census`: the census's attendance figures (`Census`) for a term, as a page, JSON (`?format=json`), CSV and XLSX.
/// The head, the attendance lead and the office see their school; the LA officer every school of the deployment.
struct CensusController {
    struct CensusLineContent: Content {
        var school: String
        var upn: String
        var name: String
        var yearGroup: String
        var possible: Int
        var present: Int
        var approvedActivity: Int
        var authorised: Int
        var unauthorised: Int
        var unmarked: Int
        var absenceRate: Double?
        var absence: String
        /// Sessions of each reason, in the order of `reasons`.
        var reasons: [Int]
        /// Suspensions and permanent exclusions recorded as starting in the census term.
        var suspensions: Int
        var permanentExclusions: Int
    }
    struct CensusContent: Content {
        var term: String
        var termName: String
        var from: String
        var to: String
        var through: String
        var terms: [ReturnPages.Link]
        var acrossSchools: Bool
        /// The absence codes counted, as symbols (the column order of each line's `reasons`).
        var reasons: [String]
        var reasonMeanings: [String]
        var lines: [CensusLineContent]
        /// Totals over `lines`: suspensions and permanent exclusions starting in the term.
        var suspensions: Int
        var permanentExclusions: Int
        var csv: String
        var xlsx: String
    }

    func census(req: Request) async throws -> Response {
        let u = try req.auth.require(StaffUser.self)
        try ReturnPages.require(
            u, ReturnPages.censusRoles, "census figures are for the head, the attendance lead, the office and the LA officer")
        let format = try ReturnPages.format(req)
        let now = req.clock.now()
        let policy = try await req.store.policy(schoolID: u.schoolID, on: now.date)
        let through = figuresThrough(now, policy: policy)
        var term = CensusTerm(containing: through)
        if let t = req.query[String.self, at: "term"], !t.isEmpty {
            guard let chosen = CensusTerm(id: t) else {
                throw APIError.invalid(
                    "term", "'\(t)' is not a census term: autumn-YYYY, spring-YYYY or summer-YYYY (the year of its first day)")
            }
            guard chosen.range.from <= through else { throw APIError.invalid("term", "the \(chosen) census term has not begun") }
            term = chosen
        }
        let range = Census.range(term, through: through)!
        var all: [(String, CensusLine)] = []
        var exclusions: [String: [ExclusionRecord]] = [:]
        for school in try await ReturnPages.schools(req, u) {
            let calendar = try await req.store.calendar(schoolID: school.id!)
            let pupils = try await ReturnPages.roll(req, schoolID: school.id!, range: range)
            all += Census.lines(pupils, calendar: calendar, term: term, through: through).map { (school.name, $0) }
            exclusions.merge(try await req.store.exclusions(schoolID: school.id!, startingIn: range)) { $0 + $1 }
        }
        let codes = Census.reasonCodes(including: all.map(\.1))
        let lines = all.map { school, l in
            CensusLineContent(
                school: school, upn: l.upn, name: l.name, yearGroup: l.yearGroup, possible: l.counts.possible, present: l.counts.present,
                approvedActivity: l.counts.approvedActivity, authorised: l.counts.authorised, unauthorised: l.counts.unauthorised,
                unmarked: l.counts.unmarked, absenceRate: l.counts.absenceRate, absence: percent(l.counts.absenceRate),
                reasons: codes.map { l.byReason[$0] ?? 0 },
                suspensions: exclusions[l.upn]?.filter { $0.kind == .suspension }.count ?? 0,
                permanentExclusions: exclusions[l.upn]?.filter { $0.kind == .permanent }.count ?? 0)
        }
        let current = AcademicYear(containing: through)
        let choices = (CensusTerm.terms(of: AcademicYear(startYear: current.startYear - 1)) + CensusTerm.terms(of: current))
            .filter { $0.range.from <= through }
        let content = CensusContent(
            term: term.id, termName: term.description, from: range.from.iso, to: range.to.iso, through: through.iso,
            terms: choices.reversed().map { ReturnPages.Link(label: $0.description, href: "/census?term=\($0.id)", current: $0 == term) },
            acrossSchools: u.role == .laOfficer, reasons: codes.map(\.symbol),
            reasonMeanings: codes.map { "\($0.symbol): \($0.meaning)" }, lines: lines,
            suspensions: lines.reduce(0) { $0 + $1.suspensions }, permanentExclusions: lines.reduce(0) { $0 + $1.permanentExclusions },
            csv: "/census?term=\(term.id)&format=csv", xlsx: "/census?term=\(term.id)&format=xlsx")
        switch format {
        case "json": return try await content.encodeResponse(for: req)
        case "csv", "xlsx":
            let school = content.acrossSchools ? ["school"] : []
            let header =
                school + [
                    "upn", "name", "year_group", "census_term", "from", "to", "possible_sessions", "present_sessions",
                    "approved_activity_sessions", "authorised_absence_sessions", "unauthorised_absence_sessions", "absence_rate",
                ]
                + codes.map { "sessions_\($0.symbol)" } + ["suspensions", "permanent_exclusions"]
            let rows: [[Spreadsheet.Cell]] = lines.map { l in
                (content.acrossSchools ? [.text(l.school)] : [])
                    + [
                        .text(l.upn), .text(l.name), .text(l.yearGroup), .text(term.id), .text(range.from.iso), .text(range.to.iso),
                        .integer(l.possible), .integer(l.present), .integer(l.approvedActivity), .integer(l.authorised),
                        .integer(l.unauthorised),
                        .rate(l.absenceRate.map { ($0 * 10000).rounded() / 10000 }),
                    ]
                    + l.reasons.map { .integer($0) } + [.integer(l.suspensions), .integer(l.permanentExclusions)]
            }
            return try Spreadsheet(name: "Census \(term)", header: header, rows: rows).response(format: format, name: "census-\(term.id)")
        default:
            return try await req.render("Returns/census", title: "Census: \(term)", content).encodeResponse(for: req)
        }
    }
}
