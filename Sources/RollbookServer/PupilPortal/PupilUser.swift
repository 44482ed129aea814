import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A signed-in pupil. Their account names one pupil, and the tracker's routes take no pupil reference: a pupil can
/// reach only their own attendance.
struct PupilUser: Authenticatable {
    let accountID: Int
    let schoolID: Int
    let pupilID: Int
    let email: String
    init(_ row: PupilAccountRow) {
        accountID = row.id!
        schoolID = row.schoolID
        pupilID = row.pupilID
        email = row.email
    }
}

struct PupilSessionAuthenticator: AsyncRequestAuthenticator {
    func authenticate(request: Request) async throws {
        guard let id = request.session.data["pupil"].flatMap(Int.init), let a = try await request.store.pupilAccount(id: id),
            a.passwordHash != nil
        else { return }
        request.auth.login(PupilUser(a))
    }
}
