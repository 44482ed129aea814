import FluentKit
import SQLKit

/// Retention (RULES.md: every entry is kept at least 6 years): the database itself refuses to delete a mark or a
/// lesson mark dated within the last 6 years, or a pupil who is on roll or left within the last 6 years, whoever
/// asks. Amendments are never deleted (M002).
struct M011Retention: AsyncMigration {
    var name: String { "M011Retention" }

    static let guarded: [(table: String, recent: (sqlite: String, postgres: String), what: String)] = [
        (
            "marks", ("OLD.date > date('now', '-6 years')", "OLD.date::date > current_date - interval '6 years'"),
            "a mark dated within the last 6 years"
        ),
        (
            "lesson_marks", ("OLD.date > date('now', '-6 years')", "OLD.date::date > current_date - interval '6 years'"),
            "a lesson mark dated within the last 6 years"
        ),
        (
            "pupils",
            (
                "OLD.leaving_day IS NULL OR OLD.leaving_day > date('now', '-6 years')",
                "OLD.leaving_day IS NULL OR OLD.leaving_day::date > current_date - interval '6 years'"
            ),
            "a pupil on roll or who left within the last 6 years"
        ),
    ]

    func prepare(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for g in Self.guarded {
            let message = "kept 6 years: \(g.what) cannot be deleted"
            if sql.dialect.name == "sqlite" {
                try await sql.raw(
                    """
                    CREATE TRIGGER \(unsafeRaw: g.table)_retention BEFORE DELETE ON \(unsafeRaw: g.table)
                    WHEN \(unsafeRaw: g.recent.sqlite)
                    BEGIN SELECT RAISE(ABORT, '\(unsafeRaw: message)'); END
                    """
                ).run()
            } else {
                try await sql.raw(
                    """
                    CREATE FUNCTION \(unsafeRaw: g.table)_retention() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF \(unsafeRaw: g.recent.postgres) THEN RAISE EXCEPTION '\(unsafeRaw: message)'; END IF;
                        RETURN OLD;
                    END $$
                    """
                ).run()
                try await sql.raw(
                    """
                    CREATE TRIGGER \(unsafeRaw: g.table)_retention BEFORE DELETE ON \(unsafeRaw: g.table)
                    FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: g.table)_retention()
                    """
                ).run()
            }
        }
    }

    func revert(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        for g in Self.guarded {
            if sql.dialect.name == "sqlite" {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: g.table)_retention").run()
            } else {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: g.table)_retention ON \(unsafeRaw: g.table)").run()
                try await sql.raw("DROP FUNCTION IF EXISTS \(unsafeRaw: g.table)_retention()").run()
            }
        }
    }
}
