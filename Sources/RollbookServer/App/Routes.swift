import Vapor

/// Every route of the app, one line each: method, path, who may reach it (the group) and the handler.
///
/// Who may reach a route is the middleware of its group; what a signed-in user may do there is checked by the handler
/// against their role (`StaffUser.require`):
/// - `web`: anyone; a signed-in staff member is known. Form POSTs carry the session's CSRF token.
/// - `staff`: signed-in staff only; anyone else is sent to the sign-in page `/`.
/// - `parentWeb`: anyone; a signed-in parent is known. Form POSTs carry the session's CSRF token.
/// - `parent`: signed-in parents only; anyone else is sent to `/parent/sign-in`.
/// - `pupilWeb`: anyone; a signed-in pupil is known. Form POSTs carry the session's CSRF token.
/// - `pupil`: signed-in pupils only (their own tracker); anyone else is sent to `/pupil/sign-in`.
/// - `api`: the JSON API under /api/v1, with a personal API token (`Authorization: Bearer`); 401 without one. A
///   service account's token (issue 18) is answered 403 here; it reads only its scope's route (`RequireScope`).
func routes(_ app: Application) throws {
    let web = app.grouped(SessionAuthenticator(), CSRFMiddleware())
    let staff = web.grouped(StaffUser.redirectMiddleware(path: "/"))
    let parentWeb = app.grouped(ParentSessionAuthenticator(), CSRFMiddleware())
    let parent = parentWeb.grouped(ParentUser.redirectMiddleware(path: "/parent/sign-in"))
    let pupilWeb = app.grouped(PupilSessionAuthenticator(), CSRFMiddleware())
    let pupil = pupilWeb.grouped(PupilUser.redirectMiddleware(path: "/pupil/sign-in"))
    let api = app.grouped("api", "v1").grouped(BearerAuthenticator(), ServiceBearerAuthenticator(), RequireAPIUser())

    // Auth
    let signIn = SignInController()
    let accessLog = AccessLogController()
    web.get(use: signIn.home)
    web.post("sign-in", use: signIn.signIn)
    staff.post("sign-out", use: signIn.signOut)
    staff.get("access-log", use: accessLog.log)

    // Registers
    let today = TodayController()
    let register = RegisterController()
    let missing = MissingRegistersController()
    let reason = ReasonController()
    let arrival = ArrivalController()
    let pupilSignOut = PupilSignOutController()
    staff.get("today", use: today.today)
    staff.get("registers", ":date", ":session", use: register.register)
    staff.post("registers", ":date", ":session", use: register.saveRegister)
    staff.get("registers", "missing", use: missing.missingRegisters)
    staff.post("pupils", ":upn", "reason", use: reason.recordReason)
    staff.post("pupils", ":upn", "arrival", use: arrival.recordArrival)
    staff.post("pupils", ":upn", "sign-out", use: pupilSignOut.signOut)
    staff.post("pupils", ":upn", "sign-in", use: pupilSignOut.signBackIn)

    // Pupils
    let pupils = PupilsController()
    let pupilRegister = PupilRegisterController()
    let chase = ContactsToChaseController()
    staff.get("pupils", use: pupils.pupilSearch)
    staff.get("pupils", ":upn", use: pupils.pupil)
    staff.get("pupils", ":upn", "register", use: pupilRegister.registerPage)
    staff.post("pupils", ":upn", "register", use: pupilRegister.saveRegister)
    staff.post("pupils", ":upn", "deletion", use: pupilRegister.deletePupil)
    staff.get("contacts-to-chase", use: chase.chase)

    // Casework
    let casework = CaseworkController()
    let worklist = WorklistController()
    let letters = LettersController()
    let leave = LeaveController()
    let evidence = EvidenceController()
    staff.post("pupils", ":upn", "casework", use: casework.record)
    staff.get("casework", ":id", "letter", use: casework.letter)
    staff.post("pupils", ":upn", "evidence", use: evidence.record)
    staff.post("pupils", ":upn", "truancy", use: TruancyController().record)
    staff.post("pupils", ":upn", "exclusions", use: ExclusionController().page)
    let safeguarding = SafeguardingController()
    staff.post("pupils", ":upn", "safeguarding", use: safeguarding.flags)
    staff.post("pupils", ":upn", "barriers", use: safeguarding.barrier)
    staff.get("barriers", use: safeguarding.page)
    staff.post("pupils", ":upn", "contact-attempts", use: ContactAttemptController().record)
    staff.get("evidence", ":id", use: evidence.document)
    staff.get("worklist", use: worklist.worklist)
    staff.get("worklist", "letter", use: worklist.draft)
    staff.post("worklist", "complete", use: worklist.complete)
    staff.post("worklist", "dismiss", use: worklist.dismiss)
    staff.get("letters", use: letters.list)
    staff.get("letters", ":id", use: letters.edit)
    staff.post("letters", ":id", use: letters.save)
    staff.get("leave", use: leave.list)
    staff.get("leave", ":id", use: leave.decidePage)
    staff.post("leave", ":id", "grant", use: leave.grant)
    staff.post("leave", ":id", "refuse", use: leave.refuse)
    staff.get("leave", ":id", "documents", ":doc", use: leave.document)
    staff.post("leave", "deciders", use: leave.setDeciders)

    // Parents: the office's side, then the portal and the one-time reply link
    let reports = ReportsController()
    let invitations = InvitationsController()
    let parents = ParentController()
    let parentLeave = ParentLeaveController()
    let parentEvidence = ParentEvidenceController()
    let reply = ReplyController()
    staff.get("reports", use: reports.reports)
    staff.post("reports", ":id", "accept", use: reports.accept)
    staff.post("reports", ":id", "decline", use: reports.decline)
    staff.post("pupils", ":upn", "contacts", ":priority", "invite", use: invitations.invite)
    parentWeb.get("parent", "sign-in", use: parents.signInPage)
    parentWeb.post("parent", "sign-in", use: parents.signIn)
    parentWeb.get("parent", "invitation", ":token", use: parents.invitation)
    parentWeb.post("parent", "invitation", ":token", use: parents.acceptInvitation)
    parent.get("parent", use: parents.children)
    parent.post("parent", "sign-out", use: parents.signOut)
    parent.get("parent", "children", ":upn", use: parents.child)
    parent.get("parent", "children", ":upn", "report", use: parents.reportPage)
    parent.on(.POST, "parent", "children", ":upn", "report", body: .collect(maxSize: "16mb"), use: parents.report)
    parent.on(.POST, "parent", "children", ":upn", "evidence", body: .collect(maxSize: "16mb"), use: parentEvidence.send)
    parent.get("parent", "children", ":upn", "leave", use: parentLeave.requestPage)
    parent.on(.POST, "parent", "children", ":upn", "leave", body: .collect(maxSize: "16mb"), use: parentLeave.request)
    parentWeb.get("reply", ":token", use: reply.replyPage)
    parentWeb.post("reply", ":token", use: reply.reply)

    // Messaging
    let outbox = OutboxController()
    staff.get("outbox", use: outbox.outbox)

    // Policy
    let policy = PolicyController()
    staff.get("policy", use: policy.page)
    staff.post("policy", use: policy.upload)
    staff.get("policy", "versions", ":from", use: policy.download)
    staff.post("policy", "approval", use: PolicyApprovalController().record)

    // Analytics
    let lists = ListsController()
    let analytics = AnalyticsController()
    staff.get("lists", use: lists.lists)
    staff.get("analytics", use: analytics.overview)
    staff.get("analytics", "cohorts", use: analytics.cohorts)
    staff.get("analytics", "patterns", use: analytics.patterns)
    staff.get("analytics", "lists", use: analytics.lists)
    staff.get("analytics", "rewards", use: analytics.rewards)
    staff.get("analytics", "early-warning", use: analytics.earlyWarning)
    staff.get("analytics", "schools", use: analytics.schools)
    staff.get("analytics", "family", ":upn", use: analytics.family)
    let newsletter = NewsletterController()
    staff.get("analytics", "newsletter", use: newsletter.page)
    let interventions = InterventionsController()
    staff.get("analytics", "interventions", use: interventions.page)
    staff.get("analytics", "interventions", "pupils", use: interventions.pupils)
    staff.get("analytics", "benchmark", use: BenchmarkController().page)
    staff.get("analytics", "reports", "spreadsheet", use: ReportSpreadsheetController().download)

    // Returns
    let laReturns = LAReturnsController()
    let laNotices = LANoticesController()
    let census = CensusController()
    let ctf = CTFController()
    staff.get("la-returns", use: laReturns.returns)
    staff.post("la-returns", "notices", use: laNotices.tellLA)
    staff.get("census", use: census.census)
    staff.get("ctf", use: ctf.page)
    staff.on(.POST, "ctf", body: .collect(maxSize: "8mb"), use: ctf.upload)
    staff.post("ctf", "school", use: ctf.saveNumbers)
    staff.get("pupils", ":upn", "ctf", use: ctf.download)

    // The JSON API (/api/v1), and its OpenAPI document (public)
    let v1 = APIController()
    let webhooks = WebhooksController()
    api.get("school", use: v1.school)
    api.put("school", use: v1.updateSchool)
    api.get("codes", use: v1.codes)
    api.get("calendar", use: v1.calendar)
    api.get("pupils", use: v1.listPupils)
    api.post("pupils", use: v1.admitPupil)
    api.get("pupils", ":upn", use: v1.getPupil)
    api.get("pupils", ":upn", "contacts", use: v1.contacts)
    api.post("pupils", ":upn", "deletion", use: v1.deleteFromRoll)
    api.post("pupils", ":upn", "exclusions", use: ExclusionController().api)
    api.get("pupils", ":upn", "marks", use: v1.pupilMarks)
    api.get("pupils", ":upn", "statistics", use: v1.pupilStatistics)
    api.get("pupils", ":upn", "ctf", use: ctf.download)
    api.on(.POST, "ctf", body: .collect(maxSize: "8mb"), use: ctf.importAPI)
    api.get("registers", ":date", ":session", use: v1.getRegister)
    api.post("registers", ":date", ":session", use: v1.submitRegister)
    api.get("lessons", ":date", ":lesson", use: v1.getLesson)
    api.post("lessons", ":date", ":lesson", use: v1.submitLesson)
    api.get("marks", "overdue", use: v1.overdue)
    api.get("actions", use: v1.actions)
    api.get("statistics", use: v1.statistics)
    api.get("statistics", "pupils", use: v1.statisticsByPupil)
    api.get("webhooks", use: webhooks.list)
    api.post("webhooks", use: webhooks.create)
    api.delete("webhooks", ":id", use: webhooks.remove)
    api.get("webhooks", ":id", "deliveries", use: webhooks.deliveries)
    api.get("newsletter", use: newsletter.api)
    app.get("api", "openapi.json", use: openAPIDocument)

    // A pupil's own attendance tracker (seed 000 §3.2): staff invite, the pupil signs in and sees only their own.
    let pupilPortal = PupilPortalController()
    staff.post("pupils", ":upn", "pupil-account", use: PupilInvitationsController().invite)
    pupilWeb.get("pupil", "sign-in", use: pupilPortal.signInPage)
    pupilWeb.post("pupil", "sign-in", use: pupilPortal.signIn)
    pupilWeb.get("pupil", "invitation", ":token", use: pupilPortal.invitation)
    pupilWeb.post("pupil", "invitation", ":token", use: pupilPortal.acceptInvitation)
    pupil.get("pupil", use: pupilPortal.tracker)
    pupil.post("pupil", "sign-out", use: pupilPortal.signOut)

    // The timetable and lesson registers (issue 17): versions imported from CSV; "My lessons" and each lesson's register.
    let timetable = TimetableController()
    let lessons = LessonsController()
    staff.get("timetable", use: timetable.page)
    staff.on(.POST, "timetable", body: .collect(maxSize: "8mb"), use: timetable.upload)
    staff.get("lessons", use: lessons.myLessons)
    staff.get("lessons", ":date", ":lesson", use: lessons.page)
    staff.post("lessons", ":date", ":lesson", use: lessons.save)
    api.get("timetable", use: timetable.dayAPI)
    api.on(.POST, "timetable", body: .collect(maxSize: "8mb"), use: timetable.importAPI)

    // The termly letter to every family by attendance band (seed 003): preview, then queue them all.
    let termly = TermlyLettersController()
    staff.get("letter-runs", use: termly.page)
    staff.post("letter-runs", use: termly.queue)

    // Individual attendance targets (seed 004): the attendance lead and head.
    staff.post("pupils", ":upn", "target", use: IndividualTargetsController().set)

    // House cups by key stage (seed 003) and postcards to families (seed 004).
    staff.get("analytics", "house-cups", use: AnalyticsController().houseCups)
    let postcards = PostcardsController()
    staff.get("postcards", use: postcards.page)
    staff.post("postcards", use: postcards.queue)
    // Parenting orders made by a court (seed 000 §6.5.6): the attendance lead and head record them.
    let parentingOrders = ParentingOrderController()
    staff.post("pupils", ":upn", "parenting-orders", use: parentingOrders.page)
    api.post("pupils", ":upn", "parenting-orders", use: parentingOrders.api)
    // School attendance orders (seed 001 §5: no deletion for home education while one applies): lead and head.
    staff.post("pupils", ":upn", "school-attendance-order", use: SchoolAttendanceOrderController().record)
    // "In school, not in lesson" alerts (issue 17): resolved once, by the office, attendance lead or head.
    api.post("lesson-alerts", ":id", "resolution", use: LessonAlertsController().resolveAPI)

    // Who is on site now, and evacuation roll calls ticked from several phones (issue 17, seed 004).
    let rollCalls = RollCallController()
    staff.get("on-site", use: rollCalls.onSitePage)
    staff.get("roll-calls", use: rollCalls.listPage)
    staff.post("roll-calls", use: rollCalls.startPage)
    staff.get("roll-calls", ":id", use: rollCalls.page)
    staff.get("roll-calls", ":id", "state", use: rollCalls.state)
    staff.post("roll-calls", ":id", "ticks", use: rollCalls.tickPage)
    staff.post("roll-calls", ":id", "close", use: rollCalls.closePage)
    api.get("on-site", use: rollCalls.onSiteAPI)
    api.get("roll-calls", use: rollCalls.listAPI)
    api.post("roll-calls", use: rollCalls.startAPI)
    api.get("roll-calls", ":id", use: rollCalls.getAPI)
    api.post("roll-calls", ":id", "ticks", use: rollCalls.tickAPI)
    api.post("roll-calls", ":id", "close", use: rollCalls.closeAPI)

    // A pupil missing from the site (seed 004) and the end-of-day collection lists (seed 003), issue 17.
    let missingIncidents = MissingIncidentController()
    staff.post("missing-incidents", use: missingIncidents.startPage)
    staff.get("missing-incidents", ":id", use: missingIncidents.page)
    staff.post("missing-incidents", ":id", "steps", use: missingIncidents.stepPage)
    staff.post("missing-incidents", ":id", "notification", use: missingIncidents.notifyPage)
    staff.post("missing-incidents", ":id", "close", use: missingIncidents.closePage)
    api.post("missing-incidents", use: missingIncidents.startAPI)
    api.get("missing-incidents", ":id", use: missingIncidents.getAPI)
    api.post("missing-incidents", ":id", "steps", use: missingIncidents.stepAPI)
    api.get("missing-incidents", ":id", "notification", use: missingIncidents.previewAPI)
    api.post("missing-incidents", ":id", "notification", use: missingIncidents.notifyAPI)
    api.post("missing-incidents", ":id", "close", use: missingIncidents.closeAPI)
    let endOfDay = EndOfDayController()
    staff.get("end-of-day", use: endOfDay.page)
    staff.post("end-of-day", "collections", use: endOfDay.collectPage)
    staff.post("end-of-day", "social-services", use: endOfDay.socialServicesPage)
    api.get("end-of-day", use: endOfDay.getAPI)
    api.post("end-of-day", "collections", use: endOfDay.collectAPI)
    api.post("end-of-day", "social-services", use: endOfDay.socialServicesAPI)
    // The Today form resolving a "not in lesson" alert (issue 17).
    staff.post("lesson-alerts", ":id", "resolution", use: LessonAlertsController().resolvePage)
    // Permissions on the admission register and the lunchtime leave register (issue 17, seeds 003 and 004): the office,
    // the attendance lead and the head.
    let permissions = PermissionsController()
    staff.post("pupils", ":upn", "permissions", use: permissions.addPage)
    staff.post("pupils", ":upn", "permissions", ":id", "withdraw", use: permissions.withdrawPage)
    api.get("pupils", ":upn", "permissions", use: permissions.listAPI)
    api.post("pupils", ":upn", "permissions", use: permissions.addAPI)
    api.post("pupils", ":upn", "permissions", ":id", "withdrawal", use: permissions.withdrawAPI)
    let lunchtime = LunchtimeController()
    staff.get("lunchtime", use: lunchtime.page)
    staff.post("lunchtime", ":upn", "out", use: lunchtime.outPage)
    staff.post("lunchtime", ":upn", "back", use: lunchtime.backPage)
    api.get("lunchtime", use: lunchtime.listAPI)
    // Reception sign-in for late arrivals (issue 17): by name or card, through the late book's path; a printable slip.
    let lateSignIn = LateSignInController()
    staff.get("late-sign-in", use: lateSignIn.page)
    staff.post("late-sign-in", use: lateSignIn.signInPage)
    staff.get("late-sign-in", "slip", ":upn", use: lateSignIn.slip)
    staff.post("pupils", ":upn", "card", use: lateSignIn.setCardPage)
    api.get("late-sign-in", "pupils", use: lateSignIn.searchAPI)
    api.post("late-sign-in", use: lateSignIn.signInAPI)
    api.get("pupils", ":upn", "card", use: lateSignIn.cardAPI)
    api.put("pupils", ":upn", "card", use: lateSignIn.setCardAPI)
    // The daily attendance feed for collectors, and the head's service accounts that read it (issue 18).
    let dailyFeed = app.grouped("api", "v1").grouped(BearerAuthenticator(), ServiceBearerAuthenticator(), RequireScope(scope: .dailyFeed))
    dailyFeed.get("feeds", "daily", use: DailyFeedController().daily)
    let serviceAccounts = ServiceAccountsController()
    staff.get("settings", "service-accounts", use: serviceAccounts.page)
    staff.post("settings", "service-accounts", use: serviceAccounts.createPage)
    staff.post("settings", "service-accounts", ":id", "revoke", use: serviceAccounts.revokePage)
    staff.post("settings", "service-accounts", "urn", use: serviceAccounts.saveURN)
    api.get("service-accounts", use: serviceAccounts.listAPI)
    api.post("service-accounts", use: serviceAccounts.createAPI)
    api.post("service-accounts", ":id", "revocation", use: serviceAccounts.revokeAPI)
    // The change feed (issue 18): every change to marks, pupils, contacts and casework since a cursor.
    api.get("changes", use: ChangesController().list)
}

/// The OpenAPI document, as bundled.
@Sendable func openAPIDocument(req: Request) async throws -> Response {
    try await req.fileio.asyncStreamFile(at: ServerResources.directory + "openapi.json", mediaType: .json)
}
