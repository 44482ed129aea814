// Who may use each route: one row per route (method and path as Vapor lists it), one outcome per role. The rules are
// the README's "Who sees what" and `Permission`: a teacher sees only their own forms; office, attendance lead and head
// the whole school; the attendance lead and head also casework and policy; the head decides leave and reads the
// access log; a governor sees figures and no names; an LA officer reads registers and pupils; a parent sees only
// the /parent pages of their own children. AccessTableTests sends each request and fails on a route with no row.

/// Who sends the request.
enum Who: String, CaseIterable, CustomStringConvertible, Sendable {
    case anonymous, teacher, office
    case attendanceLead = "attendance_lead"
    case head, governor
    case laOfficer = "la_officer"
    case parent
    /// A pupil signed in to their own attendance tracker.
    case pupil
    var description: String { rawValue }
    /// A staff role (not anonymous, a parent or a pupil).
    var isStaff: Bool { self != .anonymous && self != .parent && self != .pupil }
}

/// What the answer must be.
enum Outcome: Equatable, CustomStringConvertible, Sendable {
    /// 200.
    case ok
    /// Past the role check: anything but 401, 403, 404, a 5xx or a redirect to a sign-in page. A POST with an empty
    /// form may well be 400 or 422, or a 303 back to the page.
    case allowed
    /// 303 to exactly this path.
    case redirect(String)
    /// 303 to the staff sign-in page (`/`, or `/?next=...`).
    case signIn
    /// 303 to the parents' sign-in page.
    case parentSignIn
    /// 303 to the pupils' sign-in page.
    case pupilSignIn
    /// 401 (the API without a token).
    case unauthorized
    case forbidden
    /// 404: another family's child looks exactly like no child.
    case notFound

    var description: String {
        switch self {
        case .ok: "200"
        case .allowed: "allowed (not 401/403/404/5xx/sign-in)"
        case .redirect(let p): "303 to \(p)"
        case .signIn: "303 to the staff sign-in"
        case .parentSignIn: "303 to /parent/sign-in"
        case .pupilSignIn: "303 to /pupil/sign-in"
        case .unauthorized: "401"
        case .forbidden: "403"
        case .notFound: "404"
        }
    }
}

struct AccessRow: Sendable {
    /// `METHOD /path/:parameter`, as the route list spells it.
    let route: String
    let expected: [Who: Outcome]
    /// For routes with `:upn`: a teacher asking about a pupil in their own form (the table's pupil is in another form).
    var ownForm: Outcome? = nil
    /// The request ends the session (signing out): the role signs in again afterwards.
    var endsSession = false
    /// Roles that may see a pupil of another school on this route (the LA officer's family view).
    var acrossSchools: Set<Who> = []

    var method: String { String(route.prefix { $0 != " " }) }
    var path: String { String(route.drop { $0 != " " }.dropFirst()) }

    /// A staff page: anonymous visitors and parents are sent to the staff sign-in page.
    static func staff(
        _ route: String, teacher: Outcome, office: Outcome, lead: Outcome, head: Outcome, governor: Outcome, la: Outcome,
        ownForm: Outcome? = nil, acrossSchools: Set<Who> = []
    ) -> AccessRow {
        AccessRow(
            route: route,
            expected: [
                .anonymous: .signIn, .teacher: teacher, .office: office, .attendanceLead: lead, .head: head,
                .governor: governor, .laOfficer: la, .parent: .signIn, .pupil: .signIn,
            ],
            ownForm: ownForm, acrossSchools: acrossSchools)
    }

    /// An API route: without a staff member's token (anonymous, a parent's session) the answer is 401.
    static func api(
        _ route: String, teacher: Outcome, office: Outcome, lead: Outcome, head: Outcome, governor: Outcome, la: Outcome,
        ownForm: Outcome? = nil
    ) -> AccessRow {
        AccessRow(
            route: route,
            expected: [
                .anonymous: .unauthorized, .teacher: teacher, .office: office, .attendanceLead: lead, .head: head,
                .governor: governor, .laOfficer: la, .parent: .unauthorized, .pupil: .unauthorized,
            ], ownForm: ownForm)
    }

    /// A parent's page: everyone else is sent to the parents' sign-in page.
    /// A pupil's own tracker page: everyone else is sent to the pupils' sign-in page.
    static func pupilPage(_ route: String, pupil: Outcome) -> AccessRow {
        var e = Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, Outcome.pupilSignIn) })
        e[.pupil] = pupil
        return AccessRow(route: route, expected: e)
    }

    static func parentPage(_ route: String, parent: Outcome) -> AccessRow {
        var e = Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, Outcome.parentSignIn) })
        e[.parent] = parent
        return AccessRow(route: route, expected: e)
    }

    /// The same for everyone, but where said otherwise.
    static func everyone(
        _ route: String, _ o: Outcome, staff: Outcome? = nil, parent: Outcome? = nil, endsSession: Bool = false, pupil: Outcome? = nil
    ) -> AccessRow {
        var e = Dictionary(uniqueKeysWithValues: Who.allCases.map { ($0, o) })
        if let staff { for w in Who.allCases where w.isStaff { e[w] = staff } }
        if let parent { e[.parent] = parent }
        if let pupil { e[.pupil] = pupil }
        return AccessRow(route: route, expected: e, endsSession: endsSession)
    }
}

enum AccessTable {
    static let rows: [AccessRow] = [
        // Signing in, the links in messages, the API's description: open to all.
        .everyone("GET /", .ok, staff: .redirect("/today")),
        .everyone("POST /sign-in", .allowed),
        .everyone("POST /sign-out", .redirect("/"), endsSession: true),
        .everyone("GET /parent/sign-in", .ok, parent: .redirect("/parent")),
        .everyone("POST /parent/sign-in", .allowed),
        .everyone("GET /parent/invitation/:token", .ok),
        .everyone("POST /parent/invitation/:token", .allowed),
        .everyone("GET /reply/:token", .ok),
        .everyone("POST /reply/:token", .allowed),
        .everyone("GET /api/openapi.json", .ok),

        // The parent portal: the parent's own child.
        .parentPage("GET /parent", parent: .ok),
        .everyone("POST /parent/sign-out", .redirect("/parent/sign-in"), endsSession: true),
        .parentPage("GET /parent/children/:upn", parent: .ok),
        .parentPage("GET /parent/children/:upn/report", parent: .ok),
        .parentPage("POST /parent/children/:upn/report", parent: .allowed),
        .parentPage("GET /parent/children/:upn/leave", parent: .ok),
        .parentPage("POST /parent/children/:upn/leave", parent: .allowed),
        .parentPage("POST /parent/children/:upn/evidence", parent: .allowed),

        // Staff pages. The pupil is in form 6A, not the teacher's.
        .staff("GET /today", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /registers/:date/:session", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff(
            "POST /registers/:date/:session", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /registers/missing", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff("GET /pupils", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff("GET /pupils/:upn", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok, ownForm: .ok),
        .staff("GET /lists", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff(
            "POST /pupils/:upn/reason", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/arrival", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/sign-out", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/sign-in", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/contacts/:priority/invite", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /pupils/:upn/casework", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /worklist", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /worklist/complete", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /worklist/dismiss", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/evidence", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/truancy", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /pupils/:upn/exclusions", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /pupils/:upn/safeguarding", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /pupils/:upn/school-attendance-order", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /pupils/:upn/barriers", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /barriers", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /pupils/:upn/contact-attempts", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "GET /evidence/:id", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "GET /casework/:id/letter", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "GET /worklist/letter", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /letters", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("GET /letters/:id", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /letters/:id", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /leave", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "GET /leave/:id", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /leave/:id/grant", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /leave/:id/refuse", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "GET /leave/:id/documents/:doc", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .ok, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /leave/deciders", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /outbox", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("GET /reports", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /reports/:id/accept", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /reports/:id/decline", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /policy", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /policy/versions/:from", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff(
            "POST /policy", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden, la: .forbidden),
        .staff("GET /analytics", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /analytics/cohorts", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /analytics/patterns", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /analytics/rewards", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /analytics/lists", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff("GET /analytics/early-warning", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff(
            "GET /analytics/schools", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .forbidden, governor: .forbidden,
            la: .ok),
        .staff(
            "GET /analytics/family/:upn", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .forbidden, governor: .forbidden,
            la: .ok,
            acrossSchools: [.laOfficer]),
        .staff(
            "GET /access-log", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .ok, governor: .forbidden, la: .forbidden),
        // Common Transfer Files: the office, attendance lead and head send a pupil's record; the attendance lead and head admit from one.
        .staff(
            "GET /pupils/:upn/ctf", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden,
            ownForm: .forbidden),
        .staff("GET /ctf", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("POST /ctf", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /ctf/school", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        // Returns to the LA (head, attendance lead, LA officer) and census figures (the office too).
        .staff("GET /la-returns", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff("GET /census", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff(
            "POST /la-returns/notices", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        // The admission register: read as the pupil's page; kept by the office, attendance lead and head; deletion by
        // the attendance lead and head; contacts to chase for staff who keep or use them (a teacher's own forms).
        .staff(
            "GET /pupils/:upn/register", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok, ownForm: .ok
        ),
        .staff(
            "POST /pupils/:upn/register", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden,
            ownForm: .forbidden),
        .staff(
            "POST /pupils/:upn/deletion", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden,
            ownForm: .forbidden),
        .staff("GET /contacts-to-chase", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),

        // The JSON API, with each role's token.
        .api("GET /api/v1/school", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .api(
            "PUT /api/v1/school", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api("GET /api/v1/codes", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .api("GET /api/v1/calendar", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .api("GET /api/v1/pupils", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .api(
            "POST /api/v1/pupils", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api(
            "GET /api/v1/pupils/:upn", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok, ownForm: .ok),
        .api(
            "GET /api/v1/pupils/:upn/contacts", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok,
            ownForm: .ok),
        .api(
            "POST /api/v1/pupils/:upn/deletion", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/pupils/:upn/exclusions", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "GET /api/v1/pupils/:upn/marks", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok,
            ownForm: .ok),
        .api(
            "GET /api/v1/pupils/:upn/statistics", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok,
            ownForm: .ok),
        .api("GET /api/v1/registers/:date/:session", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .api(
            "POST /api/v1/registers/:date/:session", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api("GET /api/v1/lessons/:date/:lesson", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .api(
            "POST /api/v1/lessons/:date/:lesson", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api("GET /api/v1/marks/overdue", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .api("GET /api/v1/actions", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .api("GET /api/v1/statistics", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .api("GET /api/v1/statistics/pupils", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .api(
            "GET /api/v1/pupils/:upn/ctf", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden,
            ownForm: .forbidden),
        .api(
            "POST /api/v1/ctf", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        // Webhooks: the attendance lead and head.
        .api("GET /api/v1/webhooks", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/webhooks", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api(
            "GET /api/v1/webhooks/:id/deliveries", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden,
            la: .forbidden),
        .api(
            "DELETE /api/v1/webhooks/:id", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        // Reports people are asked to see (issue 16): newsletter figures for every role that sees the whole school's
        // figures (a teacher's are their own forms'); the impact of interventions as figures for every role, the pupils
        // behind them (names, UPNs) for the attendance lead and head only, never a governor; benchmarking for everyone.
        .staff("GET /analytics/newsletter", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .api("GET /api/v1/newsletter", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /analytics/interventions", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff(
            "GET /analytics/interventions/pupils", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff("GET /analytics/benchmark", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        // The policy's approval and review date: recorded by the head only.
        .staff(
            "POST /policy/approval", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed, governor: .forbidden,
            la: .forbidden),
        // The spreadsheet a scheduled report links to: pupils by name, so not for governors; a teacher's own forms.
        .staff("GET /analytics/reports/spreadsheet", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),

        // A pupil's own attendance tracker (seed 000 §3.2): the office, attendance lead and head invite; the pupil
        // signs in and sees only their own page, which takes no pupil reference.
        .staff(
            "POST /pupils/:upn/pupil-account", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .everyone("GET /pupil/sign-in", .ok, pupil: .redirect("/pupil")),
        .everyone("POST /pupil/sign-in", .allowed),
        .everyone("GET /pupil/invitation/:token", .ok),
        .everyone("POST /pupil/invitation/:token", .allowed),
        .pupilPage("GET /pupil", pupil: .ok),
        .everyone("POST /pupil/sign-out", .redirect("/pupil/sign-in"), endsSession: true),

        // The termly letter run: the attendance lead and head.
        .staff("GET /letter-runs", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /letter-runs", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),

        // Individual attendance targets: the attendance lead and head.
        .staff(
            "POST /pupils/:upn/target", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),

        // House cups (figures, no names): whoever reads the rewards page. Postcards: the attendance lead and head.
        .staff("GET /analytics/house-cups", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .ok, la: .ok),
        .staff("GET /postcards", teacher: .forbidden, office: .forbidden, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /postcards", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),

        // The timetable (issue 17): anyone who reads registers sees it; the attendance lead and head import it. Lesson
        // registers: anyone who takes registers, a lesson of another teacher as cover.
        .staff("GET /timetable", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff(
            "POST /timetable", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /lessons", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("GET /lessons/:date/:lesson", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /lessons/:date/:lesson", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api("GET /api/v1/timetable", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .api(
            "POST /api/v1/timetable", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),

        // Parenting orders made by a court: the attendance lead and head record them.
        .staff(
            "POST /pupils/:upn/parenting-orders", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/pupils/:upn/parenting-orders", teacher: .forbidden, office: .forbidden, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),

        // "In school, not in lesson" alerts: resolved by the office, attendance lead and head.
        .api(
            "POST /api/v1/lesson-alerts/:id/resolution", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        // Who is on site now, and evacuation roll calls (issue 17): the office, the attendance lead and the head see
        // who is on site, start and close a roll call; anyone who takes registers ticks pupils off.
        .staff("GET /on-site", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("GET /roll-calls", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /roll-calls", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /roll-calls/:id", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("GET /roll-calls/:id/state", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /roll-calls/:id/ticks", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /roll-calls/:id/close", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api("GET /api/v1/on-site", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .api("GET /api/v1/roll-calls", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/roll-calls", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api("GET /api/v1/roll-calls/:id", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/roll-calls/:id/ticks", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/roll-calls/:id/close", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        // A pupil missing from the site (issue 17, seed 004): anyone who takes registers raises it and records its
        // steps; the end-of-day collection lists (seed 003) likewise, social services recorded by the office and leaders.
        // Without school_day.end_of_day in the policy the JSON lists answer 409 (allowed), the page says so.
        .staff(
            "POST /missing-incidents", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /missing-incidents/:id", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /missing-incidents/:id/steps", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /missing-incidents/:id/notification", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /missing-incidents/:id/close", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/missing-incidents", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "GET /api/v1/missing-incidents/:id", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden,
            la: .forbidden),
        .api(
            "POST /api/v1/missing-incidents/:id/steps", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "GET /api/v1/missing-incidents/:id/notification", teacher: .ok, office: .ok, lead: .ok, head: .ok,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/missing-incidents/:id/notification", teacher: .allowed, office: .allowed, lead: .allowed,
            head: .allowed, governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/missing-incidents/:id/close", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff("GET /end-of-day", teacher: .ok, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /end-of-day/collections", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /end-of-day/social-services", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "GET /api/v1/end-of-day", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api(
            "POST /api/v1/end-of-day/collections", teacher: .allowed, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/end-of-day/social-services", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        // The Today form resolving a "not in lesson" alert: as the API, the office, attendance lead and head.
        .staff(
            "POST /lesson-alerts/:id/resolution", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        // Permissions on the admission register and the lunchtime leave register (issue 17): the office, the
        // attendance lead and the head.
        .staff(
            "POST /pupils/:upn/permissions", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /pupils/:upn/permissions/:id/withdraw", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "GET /api/v1/pupils/:upn/permissions", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden,
            la: .forbidden),
        .api(
            "POST /api/v1/pupils/:upn/permissions", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/pupils/:upn/permissions/:id/withdrawal", teacher: .forbidden, office: .allowed, lead: .allowed,
            head: .allowed, governor: .forbidden, la: .forbidden),
        .staff("GET /lunchtime", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /lunchtime/:upn/out", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /lunchtime/:upn/back", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api("GET /api/v1/lunchtime", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        // Reception sign-in for late arrivals (issue 17): whoever keeps the late book (office, attendance lead, head).
        .staff("GET /late-sign-in", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /late-sign-in", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "GET /late-sign-in/slip/:upn", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden, ownForm: .forbidden),
        .staff(
            "POST /pupils/:upn/card", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden, ownForm: .forbidden),
        .api(
            "GET /api/v1/late-sign-in/pupils", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/late-sign-in", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api(
            "GET /api/v1/pupils/:upn/card", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden,
            ownForm: .forbidden),
        .api(
            "PUT /api/v1/pupils/:upn/card", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden, ownForm: .forbidden),
        // The daily attendance feed (issue 18): the office, attendance lead, head and LA officer, and service accounts of
        // scope daily-feed (DailyFeedServerTests); service accounts are the head's alone.
        .api("GET /api/v1/feeds/daily", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        .staff(
            "GET /settings/service-accounts", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .ok, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /settings/service-accounts", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /settings/service-accounts/:id/revoke", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .staff(
            "POST /settings/service-accounts/urn", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "GET /api/v1/service-accounts", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .ok, governor: .forbidden,
            la: .forbidden),
        .api(
            "POST /api/v1/service-accounts", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed,
            governor: .forbidden, la: .forbidden),
        .api(
            "POST /api/v1/service-accounts/:id/revocation", teacher: .forbidden, office: .forbidden, lead: .forbidden, head: .allowed,
            governor: .forbidden, la: .forbidden),
        // The change feed (issue 18): whoever reads the whole school's pupils and marks (casework only for the lead
        // and head); not teachers (their own forms only) or governors (no names).
        .api("GET /api/v1/changes", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .ok),
        // The guided import (issue 18): office, attendance lead and head.
        .staff("GET /import", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff("POST /import", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /import/preview", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "POST /import/run", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff("GET /import/jobs/:id", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "GET /import/jobs/:id/progress", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden,
            la: .forbidden),
        // Marking a group at once and recurring patterns (issue 18): whoever amends marks (office, attendance lead, head).
        .staff("GET /group-marks", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
        .staff(
            "POST /group-marks", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .api(
            "POST /api/v1/group-marks", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden),
        .staff(
            "GET /pupils/:upn/patterns", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden,
            ownForm: .forbidden),
        .staff(
            "POST /pupils/:upn/patterns", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed, governor: .forbidden,
            la: .forbidden, ownForm: .forbidden),
        .staff(
            "POST /pupils/:upn/patterns/:id/end", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden, ownForm: .forbidden),
        .api(
            "GET /api/v1/pupils/:upn/patterns", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden,
            la: .forbidden, ownForm: .forbidden),
        .api(
            "POST /api/v1/pupils/:upn/patterns", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden, ownForm: .forbidden),
        .api(
            "POST /api/v1/pupils/:upn/patterns/:id/end", teacher: .forbidden, office: .allowed, lead: .allowed, head: .allowed,
            governor: .forbidden, la: .forbidden, ownForm: .forbidden),
        .api("GET /api/v1/group-marks", teacher: .forbidden, office: .ok, lead: .ok, head: .ok, governor: .forbidden, la: .forbidden),
    ]
}
