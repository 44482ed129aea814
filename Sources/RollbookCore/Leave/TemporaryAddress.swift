// Extended leave (seed 004 'Leave of absence'): for leave of 15 school days or more the parent "should advise the
// school of the temporary address" while away. Kept with the request and the decision, for staff only.

extension LeaveRequest {
    /// Leave of this many school days or more needs the address where the pupil stays.
    public static let temporaryAddressSchoolDays = 15

    /// The school days (days with a session open for the pupil) the leave covers.
    public func schoolDays(calendar: SchoolCalendar, enrolment: Enrolment) -> Int {
        LeaveCheck.schoolDays(sessions(calendar: calendar, enrolment: enrolment))
    }

    /// An error naming `temporary_address` when the leave covers 15 school days or more and no address is given.
    public func checkTemporaryAddress(calendar: SchoolCalendar, enrolment: Enrolment) throws(ValidationError) {
        let days = schoolDays(calendar: calendar, enrolment: enrolment)
        guard days >= Self.temporaryAddressSchoolDays else { return }
        if (temporaryAddress ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError(
                field: "temporary_address",
                reason: "the leave covers \(EvalWords.count(days, "school day")); for \(Self.temporaryAddressSchoolDays) or more, give the "
                    + "address where your child will stay")
        }
    }
}

extension LeaveGrant {
    /// An error naming `temporary_address` when the grant covers 15 school days or more and neither the request nor
    /// the grant gives the address.
    public func checkTemporaryAddress(request: LeaveRequest, calendar: SchoolCalendar, enrolment: Enrolment) throws(ValidationError) {
        let days = LeaveCheck.schoolDays(sessions(calendar: calendar, enrolment: enrolment))
        guard days >= LeaveRequest.temporaryAddressSchoolDays else { return }
        let given = [request.temporaryAddress, temporaryAddress].contains {
            !($0 ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        if !given {
            throw ValidationError(
                field: "temporary_address",
                reason: "the leave granted covers \(EvalWords.count(days, "school day")); for \(LeaveRequest.temporaryAddressSchoolDays) "
                    + "or more the school keeps the address where the pupil stays (seed 004)")
        }
    }
}
