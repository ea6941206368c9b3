/// The one error every Echo use case throws: a stable code (the same over HTTP, in the
/// CLI and in logs), a message for people that says what was wrong and what to do, and the
/// library error underneath kept as the cause (logged, never shown to an HTTP client when
/// the failure is internal).
public struct EchoError: Error, Sendable, CustomStringConvertible {
    /// A stable, documented code. Adapters map it to an HTTP status or an exit code; its
    /// `rawValue` is what clients match on and never changes meaning.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible, CaseIterable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // The caller's input.
        /// A category name breaks the one rule (`CategoryName`).
        public static let invalidCategory = Code(rawValue: "invalid_category")
        /// Metadata keys or values break `MetadataRule`.
        public static let invalidMetadata = Code(rawValue: "invalid_metadata")
        /// An index description Echo does not build (`IndexSpecificationRule`).
        public static let invalidIndex = Code(rawValue: "invalid_index")
        /// A number or option out of range: k, a limit, a quantile, a coreset ratio.
        public static let invalidParameter = Code(rawValue: "invalid_parameter")
        /// Not a usable PNG or JPEG (empty, corrupt, unsupported).
        public static let badImage = Code(rawValue: "bad_image")
        /// More pixels than the limit (`--max-pixels`), refused before decoding.
        public static let imageTooLarge = Code(rawValue: "image_too_large")
        /// An input file or body that is not what the use case takes: unreadable, bad JSON,
        /// not a knowledge file.
        public static let badRequest = Code(rawValue: "bad_request")
        /// Nothing to work on: the paths hold no PNG or JPEG file.
        public static let nothingToDo = Code(rawValue: "nothing_to_do")

        // Things that do not exist (yet).
        /// No category of that name.
        public static let unknownCategory = Code(rawValue: "unknown_category")
        /// No live reference with that id.
        public static let unknownReference = Code(rawValue: "unknown_reference")
        /// No recorded run with that id.
        public static let unknownRun = Code(rawValue: "unknown_run")
        /// The image a run's result names was not kept (an upload inspected without
        /// `keep`) or is no longer where it was inspected.
        public static let imageNotKept = Code(rawValue: "image_not_kept")
        /// No knowledge for the category.
        public static let noKnowledge = Code(rawValue: "no_knowledge")
        /// No store in the directory (and the use case does not create one).
        public static let noStore = Code(rawValue: "no_store")

        // The state of the store.
        /// The category cannot serve the request: no golden samples, none with patch
        /// features, too few to calibrate.
        public static let noReferences = Code(rawValue: "no_references")
        /// The request does not fit the category: another embedder or dimension.
        public static let incompatible = Code(rawValue: "incompatible")
        /// The store was opened read-only (or the token is read-only).
        public static let readOnly = Code(rawValue: "read_only")
        /// Another process holds the writer lock (SQLite) or the category's long-job lock
        /// (a calibration running on another node), or saved a newer result of the same job
        /// first; retry.
        public static let storeBusy = Code(rawValue: "store_busy")
        /// The database (PostgreSQL) cannot be reached or is restarting; retry shortly. A
        /// write cut off while it committed may have been saved: retrying it is safe.
        public static let databaseUnavailable = Code(rawValue: "database_unavailable")
        /// The store's backend does not do this (a queued inspection needs PostgreSQL).
        public static let unsupported = Code(rawValue: "unsupported")

        /// The disk holding the store is full: the write that hit it saved nothing, all
        /// saved before is kept; retry once space is freed.
        public static let diskFull = Code(rawValue: "disk_full")

        // Failures of Echo's own parts or its surroundings (logged in full).
        /// The store failed: SQLite, the file system, a FAISS index.
        public static let storeFailed = Code(rawValue: "store_failed")
        /// The backbone's weights are missing or damaged.
        public static let weightsUnusable = Code(rawValue: "weights_unusable")
        /// The MLLM failed or answered unusably.
        public static let mllmFailed = Code(rawValue: "mllm_failed")
        /// An output the caller asked for (a report) could not be written.
        public static let outputFailed = Code(rawValue: "output_failed")
        /// A failure Echo did not expect.
        public static let `internal` = Code(rawValue: "internal")

        /// Every code, in documentation order.
        public static let allCases: [Code] = [
            invalidCategory, invalidMetadata, invalidIndex, invalidParameter, badImage, imageTooLarge, badRequest, nothingToDo,
            unknownCategory, unknownReference, unknownRun, imageNotKept, noKnowledge, noStore,
            noReferences, incompatible, readOnly, storeBusy, databaseUnavailable, unsupported, diskFull,
            storeFailed, weightsUnusable, mllmFailed, outputFailed, `internal`,
        ]

        /// Whether the failure is Echo's or its surroundings' rather than the caller's: a
        /// client is shown an error id instead of the message, and the adapter logs it all.
        public var isInternal: Bool {
            [Code.storeFailed, .weightsUnusable, .outputFailed, .internal].contains(self)
        }

        /// Whether trying the same request again later may succeed.
        public var isRetryable: Bool { self == .storeBusy || self == .databaseUnavailable || self == .mllmFailed || self == .diskFull }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What was wrong and what to do.
    public let message: String
    /// The library error underneath, kept for logs and for callers that inspect it.
    public let cause: (any Error)?

    /// Creates an error with a code, a message and (optionally) the error underneath.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }
}
