import RollbookCore

extension AnalyticsRoll {
    /// The demo school's roll for `year` (default: the academic year containing the school's last day of marks).
    public init(demo school: DemoSchool, year: AcademicYear? = nil) {
        let y = year ?? AcademicYear(containing: school.through)
        self.init(calendar: SchoolCalendar(entries: school.calendar), year: y)
        reserveCapacity(school.pupils.count)
        let held = AcademicYear(containing: school.through)
        for p in school.pupils { append(AnalyticsPupil(record: p.record, yearGroupYear: held), marks: p.marks, minutesLate: p.minutesLate) }
    }
}
