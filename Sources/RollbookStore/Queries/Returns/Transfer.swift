import FluentKit
import Foundation
import RollbookCore
import SQLKit

// Common Transfer Files: a pupil's CTF from this school (with the years they brought from earlier schools), and
// admitting pupils from another school's CTF with their attendance history kept as it was sent (docs/ctf.md).

/// Attendance at previous schools (from an imported CTF), per pupil, academic year and school; and the school's own
/// LA and establishment numbers, which a CTF names it by.
struct M008TransferredAttendance: AsyncMigration {
    var name: String { "M008TransferredAttendance" }

    func prepare(on db: any Database) async throws {
        try await db.schema(TransferredAttendanceRow.schema)
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("academic_year", .int, .required)
            .field("source_la", .string, .required)
            .field("source_estab", .string, .required)
            .field("source_name", .string, .required)
            .field("start_date", .string, .required)
            .field("marks", .string, .required)
            .field("sessions_possible", .int, .required)
            .field("sessions_attended", .int, .required)
            .field("sessions_authorised", .int, .required)
            .field("sessions_unauthorised", .int, .required)
            .field("imported_at", .string, .required)
            .create()
        try await (db as! any SQLDatabase).create(index: "transferred_attendance_pupil").on(TransferredAttendanceRow.schema).column(
            "pupil_id"
        ).run()
        // One column per statement: SQLite alters a table one change at a time.
        try await db.schema("schools").field("la_number", .string).update()
        try await db.schema("schools").field("estab_number", .string).update()
    }

    func revert(on db: any Database) async throws {
        try await db.schema(TransferredAttendanceRow.schema).delete()
        try await db.schema("schools").deleteField("estab_number").update()
        try await db.schema("schools").deleteField("la_number").update()
    }
}

/// One academic year at a previous school, exactly as its CTF gave it.
public final class TransferredAttendanceRow: Model, @unchecked Sendable {
    public static let schema = "transferred_attendance"
    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "pupil_id") public var pupilID: Int
    @Field(key: "academic_year") public var academicYear: Int
    @Field(key: "source_la") public var sourceLA: String
    @Field(key: "source_estab") public var sourceEstab: String
    @Field(key: "source_name") public var sourceName: String
    @Field(key: "start_date") public var startDate: String
    @Field(key: "marks") public var marks: String
    @Field(key: "sessions_possible") public var sessionsPossible: Int
    @Field(key: "sessions_attended") public var sessionsAttended: Int
    @Field(key: "sessions_authorised") public var sessionsAuthorised: Int
    @Field(key: "sessions_unauthorised") public var sessionsUnauthorised: Int
    @Field(key: "imported_at") public var importedAt: String
    public init() {}

    init(pupilID: Int, _ y: CTFYearData, importedAt: String) {
        self.pupilID = pupilID
        academicYear = y.year.startYear
        sourceLA = y.school.la
        sourceEstab = y.school.estab
        sourceName = y.school.name
        startDate = y.startDate.iso
        marks = y.marks
        sessionsPossible = y.sessionsPossible
        sessionsAttended = y.sessionsAttended
        sessionsAuthorised = y.sessionsAuthorised
        sessionsUnauthorised = y.sessionsUnauthorised
        self.importedAt = importedAt
    }

    public var yearData: CTFYearData {
        CTFYearData(
            year: AcademicYear(startYear: academicYear), school: CTFSchool(la: sourceLA, estab: sourceEstab, name: sourceName),
            sessionsPossible: sessionsPossible, sessionsAuthorised: sessionsAuthorised, sessionsAttended: sessionsAttended,
            sessionsUnauthorised: sessionsUnauthorised, startDate: LocalDate(iso: startDate)!, marks: marks)
    }
}

/// What an import did.
public struct CTFImportSummary: Sendable, Hashable {
    /// The UPNs admitted, in file order.
    public var admitted: [String]
    /// Years of attendance at previous schools kept.
    public var years: Int
    /// What was accepted but changed (a relationship code that is not the DfE's, for example), by element.
    public var warnings: [CTFWarning] = []
}

extension Store {
    /// The school as a CTF names it; nil until its LA and establishment numbers are set.
    public func ctfSchool(schoolID: Int) async throws -> CTFSchool? {
        guard
            let r = try await sql.select().column("name").column("la_number").column("estab_number").from(SchoolRow.schema)
                .where("id", .equal, SQLBind(schoolID)).first()
        else { throw StoreError.notFound("no school \(schoolID)") }
        guard let la = try r.decode(column: "la_number", as: String?.self),
            let estab = try r.decode(column: "estab_number", as: String?.self)
        else { return nil }
        return CTFSchool(la: la, estab: estab, name: try r.decode(column: "name", as: String.self))
    }

    /// Sets the school's LA number (3 digits) and establishment number (4 digits).
    public func setCTFNumbers(schoolID: Int, la: String, estab: String) async throws {
        do { try CTFSchool(la: la, estab: estab, name: "").validate(field: "school") } catch { throw StoreError.invalid(error) }
        try await write { db in
            try await (db as! any SQLDatabase).update(SchoolRow.schema).set("la_number", to: SQLBind(la)).set(
                "estab_number", to: SQLBind(estab)
            )
            .where("id", .equal, SQLBind(schoolID)).run()
        }
    }

    /// A pupil's years at previous schools, oldest first.
    public func transferredYears(pupilID: Int) async throws -> [CTFYearData] {
        try await TransferredAttendanceRow.query(on: db).filter(\.$pupilID == pupilID).sort(\.$academicYear).sort(\.$startDate).all().map(
            \.yearData)
    }

    /// A pupil's CTF (on roll or a leaver): their details and, for each academic year, their attendance here up to
    /// `asOf` (counted by the statistics engine) and at the schools they came from (as imported).
    public func ctfExport(schoolID: Int, upn: String, asOf: LocalDate, dateTime: String) async throws -> CTFDocument {
        guard let p = try await pupil(schoolID: schoolID, upn: upn) else { throw StoreError.notFound("no pupil with UPN \(upn)") }
        guard let here = try await ctfSchool(schoolID: schoolID) else {
            throw StoreError.invalid(
                ValidationError(
                    field: "school.la_number",
                    reason:
                        "the school's LA and establishment numbers are not set, and a CTF names the school by them: the attendance lead or head sets them on the CTF page (/ctf), or run rollbook ctf school --la NNN --estab NNNN"
                ))
        }
        let enrolment = p.enrolment
        var years: [CTFYearData] = []
        let last = min(enrolment.leavingDay ?? asOf, asOf)
        if enrolment.startingDay <= last {
            let first = AcademicYear(containing: enrolment.startingDay)
            let final = AcademicYear(containing: last)
            let range = DateRange(from: first.range.from, to: final.range.to)
            let calendar = try await calendar(schoolID: schoolID)
            let codes = try await sessionArrays(schoolID: schoolID, pupilIDs: [p.id!], range: range)[p.id!] ?? SessionArray(covering: range)
            for y in first.startYear...final.startYear {
                do {
                    if let d = try CTFYearData.build(
                        year: AcademicYear(startYear: y), school: here, marks: codes, enrolment: enrolment,
                        calendar: calendar, asOf: asOf)
                    {
                        years.append(d)
                    }
                } catch { throw StoreError.invalid(error) }
            }
        }
        years += try await transferredYears(pupilID: p.id!)
        years.sort { ($0.year, $0.startDate) < ($1.year, $1.startDate) }
        let thisYear = AcademicYear(containing: asOf)
        // What the file brought (empty for a pupil admitted here), brought up to date with the register.
        let record = (try await ctfRecord(pupilID: p.id!) ?? CTFPupilRecord()).forExport(
            contacts: try await contacts(pupilID: p.id!), characteristics: p.characteristics,
            lastSchool: p.lastSchoolName.isEmpty ? nil : LastSchool(name: p.lastSchoolName, address: p.lastSchoolAddress), asOf: asOf)
        let pupil = CTFPupil(
            upn: p.upn, surname: p.legalSurname, forename: p.legalForename, dateOfBirth: LocalDate(iso: p.dateOfBirth)!, sex: p.sex,
            preferredForename: p.preferredForename, ncYearActual: enrolment.yearGroup(in: thisYear), attendance: years, record: record)
        return CTFDocument(header: CTFHeader(dateTime: dateTime, source: here, academicYear: thisYear), pupils: [pupil])
    }

    /// Admits every pupil in a CTF to this school's admission register from `startingDay`, keeping their attendance at
    /// the schools in the file. Contacts, SEN, FSM (as on the starting day), the pupil premium (FSM in the six years
    /// before it), EAL, ethnicity and the school last attended fill the register; the rest of the record is kept for the
    /// next CTF. All or nothing: a UPN already on the register here, or any other fault, changes nothing.
    public func ctfImport(schoolID: Int, _ doc: CTFDocument, startingDay: LocalDate, form: String, at now: String) async throws
        -> CTFImportSummary
    {
        var records: [PupilRecord] = []
        var warnings: [CTFWarning] = []
        for (i, p) in doc.pupils.enumerated() {
            let path = "CTfile/CTFpupilData/Pupil[\(i + 1)]"
            guard let year = p.ncYearActual else {
                throw StoreError.invalid(
                    ValidationError(field: path + "/BasicDetails/NCyearActual", reason: "is required to admit the pupil to a year group"))
            }
            // The sending school is the school last attended (its name; the CTF header carries no address).
            // The school history's latest school, else the sending school.
            let source = doc.header.source.name.trimmingCharacters(in: .whitespaces)
            let a = p.record.admission(today: startingDay, path: path)
            warnings += a.warnings
            var c = Characteristics()
            c.sen = a.sen ?? .none
            c.freeSchoolMeals = a.freeSchoolMeals ?? false
            c.pupilPremium = a.everSixFSM
            c.englishAdditionalLanguage = a.englishAdditionalLanguage ?? false
            c.ethnicity = a.ethnicity ?? ""
            let r = PupilRecord(
                upn: p.upn, legalSurname: p.surname, legalForename: p.forename, preferredForename: p.preferredForename,
                dateOfBirth: p.dateOfBirth, sex: p.sex, yearGroup: year, form: form, startingDay: startingDay, characteristics: c,
                contacts: a.contacts, lastSchool: a.lastSchool ?? (source.isEmpty ? nil : LastSchool(name: source)))
            do { try r.validate() } catch {
                if error.field.hasPrefix("contacts[") {
                    throw StoreError.invalid(ValidationError(field: path + "/Contacts", reason: "\(error.field): \(error.reason)"))
                }
                let names = [
                    "upn": "UPN", "legal_surname": "Surname", "legal_forename": "Forename", "sex": "Sex",
                    "year_group": "BasicDetails/NCyearActual", "date_of_birth": "DOB",
                ]
                throw StoreError.invalid(
                    ValidationError(field: names[error.field].map { "\(path)/\($0)" } ?? error.field, reason: error.reason))
            }
            records.append(r)
        }
        let existing = try await PupilRow.query(on: db).filter(\.$schoolID == schoolID).filter(\.$upn ~~ records.map(\.upn)).all()
        if let e = existing.first, let i = records.firstIndex(where: { $0.upn == e.upn }) {
            let when = e.leavingDay.map { "was on roll here from \(e.startingDay) to \($0)" } ?? "is on roll here since \(e.startingDay)"
            throw StoreError.invalid(
                ValidationError(
                    field: "CTfile/CTFpupilData/Pupil[\(i + 1)]/UPN",
                    reason: "\(e.upn) is already on this school's admission register (\(e.displayName), \(when))"))
        }
        let yearGroupYear = doc.header.academicYear
        let pupils = doc.pupils
        let admitting = records
        let found = warnings
        return try await write { db in
            var years = 0
            for (r, p) in zip(admitting, pupils) {
                let row = PupilRow(schoolID: schoolID, record: r, yearGroupYear: yearGroupYear)
                try await row.create(on: db)
                for c in r.contacts { try await ContactRow(pupilID: row.id!, contact: c).create(on: db) }
                if !p.record.isEmpty { try await Self.saveCTFRecord(pupilID: row.id!, p.record, at: now, on: db) }
                for y in p.attendance {
                    try await TransferredAttendanceRow(pupilID: row.id!, y, importedAt: now).create(on: db)
                    years += 1
                }
            }
            try await Self.rollChanged(schoolID: schoolID, on: db)
            return CTFImportSummary(admitted: admitting.map(\.upn), years: years, warnings: found)
        }
    }
}
