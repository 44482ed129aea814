import Foundation
import RollbookCore
import RollbookStore
import Vapor

/// A signed-in parent or carer. What they see is limited to their own children: the pupils whose contacts with
/// parental responsibility carry their email.
struct ParentUser: Authenticatable {
    let id: Int
    let schoolID: Int
    let name: String
    let email: String
    init(_ row: ParentAccountRow) {
        id = row.id!
        schoolID = row.schoolID
        name = row.name
        email = row.email
    }
}

struct ParentSessionAuthenticator: AsyncRequestAuthenticator {
    func authenticate(request: Request) async throws {
        guard let id = request.session.data["parent"].flatMap(Int.init), let p = try await request.store.parent(id: id),
            p.passwordHash != nil
        else { return }
        request.auth.login(ParentUser(p))
    }
}
