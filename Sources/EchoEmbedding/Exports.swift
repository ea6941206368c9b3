// The value types of embeddings (identity, patch features, errors) live in EchoFeatures,
// below the store; whoever uses the embedder gets them with it.
@_exported import EchoFeatures
