-- 0001: the reference store. Released: never edit; add a new numbered file instead.

-- A product (category) and how its vectors were made. Vectors of one category all come
-- from one embedder; its FAISS index is a cache rebuilt from reference_vectors.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    embedder_id TEXT NOT NULL,
    weights_sha256 TEXT NOT NULL,
    dimension INTEGER NOT NULL CHECK (dimension > 0),
    patch_dimension INTEGER NOT NULL CHECK (patch_dimension >= 0),
    input_size INTEGER NOT NULL,
    index_spec TEXT NOT NULL DEFAULT 'Flat',
    -- Bumped whenever the category's live reference set changes.
    reference_set_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- One golden sample. `id` is also its FAISS id. `seq` orders every change in the store;
-- a delete writes `deleted_seq` (a tombstone) rather than removing the row, so an index
-- file saved at sequence S can be brought up to date by replaying changes after S.
CREATE TABLE reference_images (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    sha256 TEXT NOT NULL,
    source_path TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL UNIQUE,
    deleted_seq INTEGER
);
CREATE UNIQUE INDEX reference_images_live_hash ON reference_images(category_id, sha256) WHERE deleted_seq IS NULL;
CREATE INDEX reference_images_category_seq ON reference_images(category_id, seq);
CREATE INDEX reference_images_deleted_seq ON reference_images(category_id, deleted_seq) WHERE deleted_seq IS NOT NULL;

-- The global embedding (float32, little-endian), committed with its reference row.
CREATE TABLE reference_vectors (
    reference_id INTEGER PRIMARY KEY REFERENCES reference_images(id),
    vector BLOB NOT NULL
);

-- Patch features for the vision expert (float16, little-endian, height × width × dim).
CREATE TABLE reference_patches (
    reference_id INTEGER PRIMARY KEY REFERENCES reference_images(id),
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    dimension INTEGER NOT NULL,
    features BLOB NOT NULL
);

-- The store-wide change counter behind `seq` and `deleted_seq`.
CREATE TABLE store_sequence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO store_sequence (id, value) VALUES (1, 0);
