import EchoStore
import EchoVision

extension ExpertPanel {
    /// The experts' review of one image the vision expert has inspected: attaches the image
    /// (`query`) and the nearest normals the vision expert retrieved (as many as the
    /// modules show), and asks the panel. When an image cannot be attached, the vision
    /// expert's verdict stands, marked as a fallback with the reason. Never throws: a
    /// review that cannot happen is itself the answer.
    /// `store`, when given, supplies the references' images (from the database on
    /// PostgreSQL, so a node on another machine shows the same golden samples); else, or
    /// when it has none, they are read from their paths.
    public func review(_ vision: InspectionResult, category: String, store: ReferenceStore? = nil,
                       query: () throws(ExpertError) -> ImageAttachment) async -> Review {
        let request: ExpertRequest
        do throws(ExpertError) {
            var references: [ImageAttachment] = []
            for (index, used) in vision.references.prefix(modules.referencesShown).enumerated() {
                let label = "Normal reference \(index + 1)"
                if let bytes = try? store?.referenceImage(id: used.id).bytes {
                    references.append(try ImageAttachment.from(bytes: bytes, label: label, source: "reference \(used.id)"))
                } else {
                    references.append(try ImageAttachment.load(path: used.path, label: label))
                }
            }
            request = ExpertRequest(category: category, query: try query(), references: references, vision: vision)
        } catch {
            return Review(verdict: vision.verdict, decidedBy: ExpertVerdict.Source.visionFallback.rawValue, defect: nil, region: vision.region,
                          explanation: vision.explanation + " (MLLM not used: \(error))", reasoning: nil)
        }
        return await inspect(request, vision: vision).review
    }
}
