import Foundation

/// The school day as it happens (issue 17), policy key `school_day`; every section optional, and absent: not used.
/// Documented in Policies/README.md ("The school day").
public struct SchoolDayPolicy: Sendable, Hashable, Codable {
    /// Which timetable period is the registration for AM and PM: marks taken there become the statutory marks.
    public var registration: Registration? = nil
    /// The "in school, not in lesson" alert.
    public var notInLesson: NotInLesson? = nil
    /// Who may take a child home or let them walk (seed 003).
    public var collection: Collectors? = nil
    /// The lunchtime leave register (seed 004).
    public var lunchtimeLeave: LunchtimeLeave? = nil
    /// A pupil missing from the site (seed 004).
    public var missingFromSite: MissingFromSite? = nil
    /// The end of the day: collection, after-school club, social services (seed 003).
    public var endOfDay: EndOfDay? = nil
    /// Where each form gathers when the site is evacuated (AssemblyPoints.swift); absent: roll calls are per form.
    public var assemblyPoints: [AssemblyPoint]? = nil

    public init(
        registration: Registration? = nil, notInLesson: NotInLesson? = nil, collection: Collectors? = nil,
        lunchtimeLeave: LunchtimeLeave? = nil, missingFromSite: MissingFromSite? = nil, endOfDay: EndOfDay? = nil
    ) {
        self.registration = registration
        self.notInLesson = notInLesson
        self.collection = collection
        self.lunchtimeLeave = lunchtimeLeave
        self.missingFromSite = missingFromSite
        self.endOfDay = endOfDay
    }

    public struct Registration: Sendable, Hashable, Codable {
        /// The period (its name on the timetable, e.g. `P1`) whose marks are the AM marks; absent: AM is taken apart.
        public var am: String?
        public var pm: String?
        public init(am: String?, pm: String?) {
            self.am = am
            self.pm = pm
        }
        /// The session a period's register stands for, if it is a registration period.
        public func session(ofPeriod id: String) -> Session? { id == am ? .am : id == pm ? .pm : nil }
    }

    public struct NotInLesson: Sendable, Hashable, Codable {
        /// Minutes after a lesson starts before a pupil still absent or unmarked raises the alert; absent: 10.
        public var afterMinutes: Int?
        /// The roles told: `head_of_year`, `pastoral`, `attendance_lead`, `head`, `form_tutor`, `office`.
        public var notify: [String]
        public init(afterMinutes: Int? = nil, notify: [String]) {
            self.afterMinutes = afterMinutes
            self.notify = notify
        }
        public static let defaultMinutes = 10
        public static let roles = ["head_of_year", "pastoral", "attendance_lead", "head", "form_tutor", "office"]
        public var minutes: Int { afterMinutes ?? Self.defaultMinutes }
    }

    public struct Collectors: Sendable, Hashable, Codable {
        /// Year groups who may walk home alone with a permission letter (seed 003: 5 and 6); others need a written
        /// permission and are warned about.
        public var walkAloneYearGroups: [String]
        /// No pupil walks home alone after this time, even with permission (seed 003: after a club ending after 4:30pm).
        public var walkAloneLatest: TimeOfDay?
        /// A collector's minimum age (seed 003 Proactive 13: 'over 18'); an older sibling needs written permission.
        public var collectorMinimumAge: Int
        /// What signing out to someone not allowed does: `refuse` or `warn`; absent: refuse.
        public var notAllowed: String?
        public init(walkAloneYearGroups: [String], walkAloneLatest: TimeOfDay? = nil, collectorMinimumAge: Int, notAllowed: String? = nil) {
            self.walkAloneYearGroups = walkAloneYearGroups
            self.walkAloneLatest = walkAloneLatest
            self.collectorMinimumAge = collectorMinimumAge
            self.notAllowed = notAllowed
        }
        public var refuses: Bool { (notAllowed ?? "refuse") == "refuse" }
    }

    public struct LunchtimeLeave: Sendable, Hashable, Codable {
        /// Lunch times, each for some year groups (empty: everyone else).
        public var lunches: [Lunch]
        /// Pupils leave within this many minutes of the start of lunch (seed 004: 10).
        public var leaveWithinMinutes: Int
        /// And are back this many minutes before its end (seed 004: 5).
        public var backMinutesBeforeEnd: Int
        /// The letter asking families whether to continue at the start of each term; absent: no renewal letter.
        public var renewalLetter: String?
        public init(lunches: [Lunch], leaveWithinMinutes: Int, backMinutesBeforeEnd: Int, renewalLetter: String? = nil) {
            self.lunches = lunches
            self.leaveWithinMinutes = leaveWithinMinutes
            self.backMinutesBeforeEnd = backMinutesBeforeEnd
            self.renewalLetter = renewalLetter
        }
        public struct Lunch: Sendable, Hashable, Codable {
            public var yearGroups: [String]
            public var start: TimeOfDay
            public var end: TimeOfDay
            public init(yearGroups: [String], start: TimeOfDay, end: TimeOfDay) {
                self.yearGroups = yearGroups
                self.start = start
                self.end = end
            }
        }
        /// The lunch of a year group: the one naming it, else the one for everyone.
        public func lunch(yearGroup: String) -> Lunch? {
            lunches.first { $0.yearGroups.contains(yearGroup) } ?? lunches.first { $0.yearGroups.isEmpty }
        }
    }

    public struct MissingFromSite: Sendable, Hashable, Codable {
        /// Minutes of searching before the parents and emergency contacts are told (seed 004: 20).
        public var notifyParentsAfterMinutes: Int
        /// Tell the staff linked to the pupil (social worker, DSL for a looked-after child, SENCO for SEND); absent: true.
        public var notifyLinkedStaff: Bool?
        public init(notifyParentsAfterMinutes: Int, notifyLinkedStaff: Bool? = nil) {
            self.notifyParentsAfterMinutes = notifyParentsAfterMinutes
            self.notifyLinkedStaff = notifyLinkedStaff
        }
    }

    public struct EndOfDay: Sendable, Hashable, Codable {
        /// Children not collected by this time go to the after-school club (seed 003: 3:30pm).
        public var collectBy: TimeOfDay
        /// At this time an uncollected child needs social services contacted (seed 003: 6pm).
        public var socialServicesAt: TimeOfDay
        public init(collectBy: TimeOfDay, socialServicesAt: TimeOfDay) {
            self.collectBy = collectBy
            self.socialServicesAt = socialServicesAt
        }
    }

    func validate() throws(ValidationError) {
        func fail(_ path: String, _ reason: String) -> ValidationError { ValidationError(field: "school_day.\(path)", reason: reason) }
        if let r = registration {
            guard r.am != nil || r.pm != nil else { throw fail("registration", "names no period: name am, pm or both, or leave it out") }
            for (k, v) in [("am", r.am), ("pm", r.pm)] {
                if let v, v.trimmingCharacters(in: .whitespaces).isEmpty || v.count > 20 {
                    throw fail("registration.\(k)", "must be a period's name on the timetable, 1 to 20 characters")
                }
            }
            if let am = r.am, am == r.pm { throw fail("registration.pm", "'\(am)' is the AM registration already") }
        }
        if let n = notInLesson {
            if let m = n.afterMinutes, !(1...60).contains(m) {
                throw fail("not_in_lesson.after_minutes", "must be 1 to 60 minutes after the lesson starts")
            }
            guard !n.notify.isEmpty else { throw fail("not_in_lesson.notify", "must name at least one role to alert") }
            for (i, r) in n.notify.enumerated() where !NotInLesson.roles.contains(r) {
                throw fail("not_in_lesson.notify[\(i)]", "'\(r)' must be one of \(NotInLesson.roles.joined(separator: ", "))")
            }
        }
        if let c = collection {
            for (i, g) in c.walkAloneYearGroups.enumerated() where !YearGroup.isValid(g) {
                throw fail("collection.walk_alone_year_groups[\(i)]", "'\(g)' is not a year group")
            }
            guard (11...25).contains(c.collectorMinimumAge) else {
                throw fail("collection.collector_minimum_age", "must be 11 to 25 years")
            }
            if let a = c.notAllowed, a != "refuse" && a != "warn" {
                throw fail("collection.not_allowed", "'\(a)' must be refuse or warn")
            }
        }
        if let l = lunchtimeLeave {
            guard !l.lunches.isEmpty else { throw fail("lunchtime_leave.lunches", "must give at least one lunch time") }
            for (i, x) in l.lunches.enumerated() {
                guard x.start < x.end else { throw fail("lunchtime_leave.lunches[\(i)].end", "\(x.end) is not after the start \(x.start)") }
                for g in x.yearGroups where !YearGroup.isValid(g) {
                    throw fail("lunchtime_leave.lunches[\(i)].year_groups", "'\(g)' is not a year group")
                }
            }
            guard (0...60).contains(l.leaveWithinMinutes) else {
                throw fail("lunchtime_leave.leave_within_minutes", "must be 0 to 60 minutes")
            }
            guard (0...60).contains(l.backMinutesBeforeEnd) else {
                throw fail("lunchtime_leave.back_minutes_before_end", "must be 0 to 60 minutes")
            }
            if let r = l.renewalLetter, r.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("lunchtime_leave.renewal_letter", "must name a letter, or be left out")
            }
        }
        if let m = missingFromSite, !(1...120).contains(m.notifyParentsAfterMinutes) {
            throw fail("missing_from_site.notify_parents_after_minutes", "must be 1 to 120 minutes of searching")
        }
        if let e = endOfDay, e.socialServicesAt <= e.collectBy {
            throw fail("end_of_day.social_services_at", "\(e.socialServicesAt) is not after collect_by \(e.collectBy)")
        }
        if let points = assemblyPoints { try AssemblyPoint.validate(points) }
    }
}
