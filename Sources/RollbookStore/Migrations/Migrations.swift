import FluentKit
import FluentSQL
import SQLKit

/// Schema migrations, numbered, in order. Never edit one that has shipped: add the next.
public enum Migrations {
    public static let all: [any AsyncMigration] = [
        M001Schema(), M002AppendOnlyAmendments(), M003SessionCodes(), M004StaffDay(), M005PolicyAndCasework(),
        M006Parents(), M007AnalyticsVersions(), M008TransferredAttendance(), M009SensitiveAccess(),
        M010Security(), M011Retention(), M012Webhooks(), M013AdmissionRegisterFields(),
        M014DeletionEnquiries(), M015LANotices(), M016LetterTemplates(), M017CaseworkFiguresAndSessions(),
        M018EvidenceDocuments(), M019SafeguardingFlags(), M023PolicyApprovals(), M025PupilAccounts(), M026IndividualTargets(),
        M027SchoolAttendanceOrders(), M030ParentingOrders(), M032Timetables(), M033LessonAlerts(), M034RollCalls(),
        M035PupilPermissions(), M036MissingAndCollections(), M037PupilCards(), M038CTFPupilRecords(), M040ServiceAccounts(),
        M041DailyFeed(), M042ChangeFeed(), M043ImportMappings(), M045GroupMarkBatches(), M046RecurringPatterns(),
        M047LateMarksIndex(),
    ]
}

struct M001Schema: AsyncMigration {
    var name: String { "M001Schema" }

    func prepare(on db: any Database) async throws {
        try await db.schema("schools")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("am_opens", .string, .required).field("am_late_after", .string, .required).field("am_closes", .string, .required)
            .field("pm_opens", .string, .required).field("pm_late_after", .string, .required).field("pm_closes", .string, .required)
            .create()
        try await db.schema("staff")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("position", .string, .required)
            .field("role", .string, .required)
            .field("password_hash", .string, .required)
            .field("forms", .string, .required)
            .unique(on: "email")
            .create()
        try await db.schema("api_tokens")
            .field("id", .int, .identifier(auto: true))
            .field("staff_id", .int, .required, .references("staff", "id"))
            .field("token_hash", .string, .required)
            .field("created_at", .string, .required)
            .unique(on: "token_hash")
            .create()
        try await db.schema("pupils")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("upn", .string, .required)
            .field("legal_surname", .string, .required)
            .field("legal_forename", .string, .required)
            .field("preferred_forename", .string, .required)
            .field("date_of_birth", .string, .required)
            .field("sex", .string, .required)
            .field("year_group", .string, .required)
            .field("year_group_year", .int, .required)
            .field("form", .string, .required)
            .field("house", .string, .required)
            .field("starting_day", .string, .required)
            .field("leaving_day", .string)
            .field("deletion_ground", .string)
            .field("sen", .string, .required)
            .field("fsm", .bool, .required)
            .field("pupil_premium", .bool, .required)
            .field("eal", .bool, .required)
            .field("ethnicity", .string, .required)
            .field("looked_after", .bool, .required)
            .field("previously_looked_after", .bool, .required)
            .field("child_in_need", .bool, .required)
            .field("child_protection", .bool, .required)
            .field("young_carer", .bool, .required)
            .field("social_worker_name", .string, .required)
            .field("social_worker_contact", .string, .required)
            .unique(on: "school_id", "upn")
            .create()
        try await db.schema("contacts")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("priority", .int, .required)
            .field("name", .string, .required)
            .field("relationship", .string, .required)
            .field("parental_responsibility", .bool, .required)
            .field("lives_with", .bool, .required)
            .field("phone", .string, .required)
            .field("email", .string, .required)
            .create()
        try await db.schema("calendar_entries")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("start", .string, .required)
            .field("end", .string, .required)
            .field("kind", .string, .required)
            .field("year_groups", .string, .required)
            .field("label", .string, .required)
            .create()
        try await db.schema("marks")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("session", .string, .required)
            .field("code", .string, .required)
            .field("minutes_late", .int)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .string, .required)
            .unique(on: "pupil_id", "date", "session")
            .create()
        try await db.schema("lesson_marks")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("lesson", .string, .required)
            .field("code", .string, .required)
            .field("minutes_late", .int)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .string, .required)
            .unique(on: "pupil_id", "date", "lesson")
            .create()
        try await db.schema("amendments")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("session", .string, .required)
            .field("original_code", .string, .required)
            .field("new_code", .string, .required)
            .field("original_minutes_late", .int)
            .field("new_minutes_late", .int)
            .field("reason", .string, .required)
            .field("amended_at", .string, .required)
            .field("by_name", .string, .required)
            .field("by_position", .string, .required)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "marks_date").on("marks").column("date").run()
        try await sql.create(index: "amendments_pupil").on("amendments").column("pupil_id").column("date").run()
        try await sql.create(index: "pupils_school_form").on("pupils").column("school_id").column("form").run()
        try await sql.create(index: "contacts_pupil").on("contacts").column("pupil_id").run()
    }

    func revert(on db: any Database) async throws {
        for t in ["amendments", "lesson_marks", "marks", "calendar_entries", "contacts", "pupils", "api_tokens", "staff", "schools"] {
            try await db.schema(t).delete()
        }
    }
}

/// Amendments are the register's audit trail: the database itself refuses to change or remove one.
/// A table the database refuses to UPDATE or DELETE, whoever asks: triggers on SQLite (`TABLE_no_update`,
/// `TABLE_no_delete`) and PostgreSQL (`TABLE_append_only`), raising `message`.
enum AppendOnly {
    static func create(_ table: String, message: String, on sql: any SQLDatabase) async throws {
        if sql.dialect.name == "sqlite" {
            for op in ["UPDATE", "DELETE"] {
                try await sql.raw(
                    """
                    CREATE TRIGGER \(unsafeRaw: table)_no_\(unsafeRaw: op.lowercased()) BEFORE \(unsafeRaw: op) ON \(unsafeRaw: table)
                    BEGIN SELECT RAISE(ABORT, '\(unsafeRaw: message)'); END
                    """
                ).run()
            }
        } else {
            try await sql.raw(
                """
                CREATE FUNCTION \(unsafeRaw: table)_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '\(unsafeRaw: message)'; END $$
                """
            ).run()
            try await sql.raw(
                """
                CREATE TRIGGER \(unsafeRaw: table)_append_only BEFORE UPDATE OR DELETE ON \(unsafeRaw: table)
                FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: table)_append_only()
                """
            ).run()
        }
    }

    static func drop(_ table: String, on sql: any SQLDatabase) async throws {
        if sql.dialect.name == "sqlite" {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_no_update").run()
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_no_delete").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_append_only ON \(unsafeRaw: table)").run()
            try await sql.raw("DROP FUNCTION IF EXISTS \(unsafeRaw: table)_append_only()").run()
        }
    }
}

struct M002AppendOnlyAmendments: AsyncMigration {
    var name: String { "M002AppendOnlyAmendments" }

    func prepare(on db: any Database) async throws {
        try await AppendOnly.create("amendments", message: "amendments are append-only", on: db as! any SQLDatabase)
    }

    func revert(on db: any Database) async throws {
        try await AppendOnly.drop("amendments", on: db as! any SQLDatabase)
    }
}

/// The staff day: the reason given with each mark, a school's attendance target, and signing out and back in.
struct M004StaffDay: AsyncMigration {
    var name: String { "M004StaffDay" }

    func prepare(on db: any Database) async throws {
        try await db.schema("marks").field("note", .string).update()
        try await db.schema("lesson_marks").field("note", .string).update()
        try await db.schema("schools").field("attendance_target", .double).update()
        try await db.schema("sign_outs")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("out_at", .string, .required)
            .field("reason", .string, .required)
            .field("out_by", .string, .required)
            .field("back_at", .string)
            .field("back_by", .string)
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "sign_outs_pupil_date").on("sign_outs").column("pupil_id").column("date").run()
        // N marks are few among many: the overdue list and the day-1 list find them by code.
        try await sql.create(index: "marks_code_date").on("marks").column("code").column("date").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.drop(index: "marks_code_date").run()
        try await db.schema("sign_outs").delete()
        try await db.schema("schools").deleteField("attendance_target").update()
        try await db.schema("lesson_marks").deleteField("note").update()
        try await db.schema("marks").deleteField("note").update()
    }
}

/// Policy versions, each pupil's casework timeline, and daily jobs that must run once across instances.
struct M005PolicyAndCasework: AsyncMigration {
    var name: String { "M005PolicyAndCasework" }

    func prepare(on db: any Database) async throws {
        try await db.schema("policy_versions")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("effective_from", .string, .required)
            .field("name", .string, .required)
            .field("document", .string, .required)
            .field("saved_at", .string, .required)
            .field("saved_by", .string, .required)
            .unique(on: "school_id", "effective_from")
            .create()
        try await db.schema("casework")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("kind", .string, .required)
            .field("action_key", .string)
            .field("stage_id", .string)
            .field("happened_on", .string, .required)
            .field("summary", .string, .required)
            .field("outcome", .string)
            .field("parent", .string)
            .field("document", .string)
            .field("recorded_at", .string, .required)
            .field("by_name", .string, .required)
            .field("by_position", .string, .required)
            .create()
        try await db.schema("job_runs")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("job", .string, .required)
            .field("day", .string, .required)
            .field("started_at", .string, .required)
            .field("summary", .string)
            .unique(on: "school_id", "job", "day")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "casework_pupil").on("casework").column("pupil_id").column("happened_on").run()
    }

    func revert(on db: any Database) async throws {
        for t in ["job_runs", "casework", "policy_versions"] { try await db.schema(t).delete() }
    }
}

/// Parents' accounts, their absence reports and leave requests (with documents), the outbox, and one-time reply links.
struct M006Parents: AsyncMigration {
    var name: String { "M006Parents" }

    func prepare(on db: any Database) async throws {
        try await db.schema("staff").field("decides_leave", .bool, .required, .sql(.default(false))).update()
        try await db.schema("parent_accounts")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string)
            .field("invite_token_hash", .string)
            .field("invite_expires_at", .string)
            .field("invited_at", .string, .required)
            .field("invited_by", .string, .required)
            .field("activated_at", .string)
            .unique(on: "school_id", "email")
            .create()
        try await db.schema("absence_reports")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("reported_by", .string, .required)
            .field("via", .string, .required)
            .field("from_date", .string, .required)
            .field("to_date", .string, .required)
            .field("sessions", .string, .required)
            .field("category", .string, .required)
            .field("note", .string, .required)
            .field("expected_return", .string)
            .field("state", .string, .required)
            .field("created_at", .string, .required)
            .field("decided_at", .string)
            .field("decided_by", .string)
            .field("code", .string)
            .field("decision_note", .string)
            .create()
        try await db.schema("leave_requests")
            .field("id", .int, .identifier(auto: true))
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("parent_id", .int, .references("parent_accounts", "id"))
            .field("requested_by", .string, .required)
            .field("request", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .string, .required)
            .field("grant", .string)
            .field("refusal_reason", .string)
            .field("findings", .string)
            .field("decided_at", .string)
            .field("decided_by", .string)
            .create()
        try await db.schema("leave_documents")
            .field("id", .int, .identifier(auto: true))
            .field("request_id", .int, .required, .references("leave_requests", "id"))
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("data", .data, .required)
            .field("uploaded_at", .string, .required)
            .create()
        try await db.schema("outbox")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("pupil_id", .int, .references("pupils", "id"))
            .field("casework_id", .int, .references("casework", "id"))
            .field("template", .string, .required)
            .field("channel", .string, .required)
            .field("recipient", .string, .required)
            .field("recipient_name", .string, .required)
            .field("contact_priority", .int)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("dedupe_key", .string)
            .field("about", .string)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .string, .required)
            .field("last_error", .string)
            .field("provider_id", .string)
            .field("created_at", .string, .required)
            .field("updated_at", .string, .required)
            .unique(on: "dedupe_key")
            .create()
        try await db.schema("reply_links")
            .field("id", .int, .identifier(auto: true))
            .field("token_hash", .string, .required)
            .field("pupil_id", .int, .required, .references("pupils", "id"))
            .field("date", .string, .required)
            .field("contact_name", .string, .required)
            .field("expires_at", .string, .required)
            .field("used_at", .string)
            .unique(on: "token_hash")
            .create()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "outbox_state_next").on("outbox").column("state").column("next_attempt_at").run()
        try await sql.create(index: "absence_reports_pupil").on("absence_reports").column("pupil_id").column("from_date").run()
        try await sql.create(index: "leave_requests_pupil").on("leave_requests").column("pupil_id").run()
    }

    func revert(on db: any Database) async throws {
        for t in ["reply_links", "outbox", "leave_documents", "leave_requests", "absence_reports", "parent_accounts"] {
            try await db.schema(t).delete()
        }
        try await db.schema("staff").deleteField("decides_leave").update()
    }
}

/// Versions that let an in-memory analytics roll stay current: each school's `data_version` goes up with every write
/// of session marks (and stamps the session arrays it changed), `roll_version` with every change to its pupils.
struct M007AnalyticsVersions: AsyncMigration {
    var name: String { "M007AnalyticsVersions" }

    func prepare(on db: any Database) async throws {
        try await db.schema("schools").field("data_version", .int, .required, .sql(.default(0))).update()
        try await db.schema("schools").field("roll_version", .int, .required, .sql(.default(0))).update()
        try await db.schema("session_codes").field("version", .int, .required, .sql(.default(0))).update()
        let sql = db as! any SQLDatabase
        try await sql.create(index: "session_codes_year_version").on("session_codes").column("academic_year").column("version").run()
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.drop(index: "session_codes_year_version").run()
        try await db.schema("session_codes").deleteField("version").update()
        try await db.schema("schools").deleteField("roll_version").update()
        try await db.schema("schools").deleteField("data_version").update()
    }
}
