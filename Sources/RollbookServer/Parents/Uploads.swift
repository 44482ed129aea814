import Foundation
import RollbookStore
import Vapor

/// Documents a family sends with a leave request, an absence report or as evidence: at most 3, each at most 5 MB.
enum Uploads {
    static let maxDocuments = 3
    static let maxBytes = 5 * 1024 * 1024

    struct Document {
        var filename: String
        var contentType: String
        var data: Data
    }

    /// The non-empty files of a form, checked; `photoOrPDF` also refuses anything but an image or a PDF (evidence).
    static func documents(_ files: [File]?, photoOrPDF: Bool) throws -> [Document] {
        let files = (files ?? []).filter { $0.data.readableBytes > 0 }
        guard files.count <= maxDocuments else { throw APIError.invalid("documents", "send at most \(maxDocuments) documents") }
        return try files.map { f in
            guard f.data.readableBytes <= maxBytes else { throw APIError.invalid("documents", "\(f.filename) is larger than 5 MB") }
            let type = f.contentType?.serialize() ?? "application/octet-stream"
            if photoOrPDF {
                let ext = f.filename.split(separator: ".").last.map { $0.lowercased() } ?? ""
                let isPhoto = type.hasPrefix("image/") || ["jpg", "jpeg", "png", "heic", "gif", "webp"].contains(ext)
                let isPDF = type == "application/pdf" || ext == "pdf"
                guard isPhoto || isPDF else { throw APIError.invalid("documents", "\(f.filename) is not a photo or a PDF") }
            }
            return Document(filename: String(f.filename.suffix(200)), contentType: type, data: Data(buffer: f.data))
        }
    }

    static func evidenceRows(_ docs: [Document], at now: String) -> [EvidenceDocumentRow] {
        docs.map { EvidenceDocumentRow(filename: $0.filename, contentType: $0.contentType, data: $0.data, uploadedAt: now) }
    }

    /// A stored document as a download: its type from the file's extension (never the type the sender claimed), the name
    /// kept to safe characters.
    static func download(filename: String, data: Data) -> Response {
        let r = Response(status: .ok, body: .init(data: data))
        r.headers.contentType = HTTPMediaType.fileExtension(filename.split(separator: ".").last.map(String.init) ?? "") ?? .binary
        r.headers.replaceOrAdd(
            name: .contentDisposition,
            value: "attachment; filename=\"\(filename.filter { $0.isLetter || $0.isNumber || ".-_ ".contains($0) })\"")
        return r
    }
}
