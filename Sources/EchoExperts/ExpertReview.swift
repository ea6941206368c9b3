import EchoVision

extension ExpertPanel {
    /// The experts' review of one image the vision expert has inspected: attaches the image
    /// (`query`) and the nearest normals the vision expert retrieved (as many as the
    /// modules show), and asks the panel. When an image cannot be attached, the vision
    /// expert's verdict stands, marked as a fallback with the reason. Never throws: a
    /// review that cannot happen is itself the answer.
    public func review(_ vision: InspectionResult, category: String,
                       query: () throws(ExpertError) -> ImageAttachment) async -> Review {
        let request: ExpertRequest
        do throws(ExpertError) {
            let references = try ImageAttachment.references(vision.references.prefix(modules.referencesShown).map(\.path))
            request = ExpertRequest(category: category, query: try query(), references: references, vision: vision)
        } catch {
            return Review(verdict: vision.verdict, decidedBy: ExpertVerdict.Source.visionFallback.rawValue, defect: nil, region: vision.region,
                          explanation: vision.explanation + " (MLLM not used: \(error))", reasoning: nil)
        }
        return await inspect(request, vision: vision).review
    }
}
