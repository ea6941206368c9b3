/// The one rule for a category's FAISS index description, applied by the store when it
/// creates a category (whoever asks: `ingest --index`, `POST /v1/categories`): `Flat`,
/// `HNSW<M>` with M 2–99, or `IVF<lists>,Flat` with 1–9999 lists. Anything else never
/// reaches FAISS's factory.
public enum IndexSpecificationRule {
    /// The accepted forms, in words.
    public static let accepted = "Flat, HNSW<M> (M 2–99) or IVF<lists>,Flat (lists 1–9999)"

    /// Whether `specification` is one of the accepted forms.
    public static func isValid(_ specification: String) -> Bool {
        specification.wholeMatch(of: /Flat|HNSW([2-9]|[1-9][0-9])|IVF[1-9][0-9]{0,3},Flat/) != nil
    }

    /// Checks `specification`.
    /// - Throws: `.invalidIndex` naming it and the accepted forms.
    public static func validate(_ specification: String) throws(StoreError) {
        guard !isValid(specification) else { return }
        let shown = specification.count > 80 ? String(specification.prefix(80)) + "…" : specification
        throw StoreError(.invalidIndex, "the index \"\(shown)\" is not one Echo builds: use \(accepted)")
    }
}
