-- Echo's PostgreSQL schema, version 1: everything the SQLite store holds, for many nodes
-- and many writers on one database. Never edit a released migration; add the next file.
-- Statements end with ";" at the end of a line (the runner splits on that).

-- Categories. `log_head` is the category's change-log head: every write transaction that
-- adds or deletes references of the category takes the next value by updating this row,
-- under its row lock, so positions are handed out in commit order (a sequence is not:
-- writer A takes 101, B takes 102 and commits, a reader records 102, A commits 101 and
-- would never be replayed).
CREATE TABLE categories (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    embedder_id TEXT NOT NULL,
    weights_sha256 TEXT NOT NULL,
    dimension INTEGER NOT NULL CHECK (dimension > 0),
    patch_dimension INTEGER NOT NULL CHECK (patch_dimension >= 0),
    input_size INTEGER NOT NULL,
    index_spec TEXT NOT NULL DEFAULT 'Flat',
    patch_recipe TEXT NOT NULL DEFAULT 'echo-1',
    reference_set_version BIGINT NOT NULL DEFAULT 0,
    log_head BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Golden samples. `added_pos` is set (to the category's new head) in the transaction that
-- adds the row; `deleted_pos` likewise when it is deleted (a tombstone).
CREATE TABLE reference_images (
    id BIGSERIAL PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    sha256 TEXT NOT NULL,
    source_path TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    metadata JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at TEXT NOT NULL,
    added_pos BIGINT,
    deleted_pos BIGINT
);
CREATE UNIQUE INDEX reference_images_live_hash ON reference_images (category_id, sha256) WHERE deleted_pos IS NULL;
CREATE INDEX reference_images_added ON reference_images (category_id, added_pos);
CREATE INDEX reference_images_deleted ON reference_images (category_id, deleted_pos) WHERE deleted_pos IS NOT NULL;
CREATE INDEX reference_images_metadata ON reference_images USING GIN (metadata jsonb_path_ops);

-- Little-endian float32, `dimension` values.
CREATE TABLE reference_vectors (
    reference_id BIGINT PRIMARY KEY REFERENCES reference_images(id),
    vector BYTEA NOT NULL
);

-- Little-endian float16, height × width × dimension values.
CREATE TABLE reference_patches (
    reference_id BIGINT PRIMARY KEY REFERENCES reference_images(id),
    height INTEGER NOT NULL,
    width INTEGER NOT NULL,
    dimension INTEGER NOT NULL,
    features BYTEA NOT NULL
);

CREATE TABLE calibrations (
    category_id BIGINT PRIMARY KEY REFERENCES categories(id),
    reference_set_version BIGINT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    method TEXT NOT NULL,
    neighbours INTEGER NOT NULL,
    scores JSONB NOT NULL,
    backgrounds JSONB NOT NULL DEFAULT '[]',
    scoring TEXT NOT NULL,
    computed_at TEXT NOT NULL
);

CREATE TABLE calibration_exclusions (
    reference_id BIGINT PRIMARY KEY REFERENCES reference_images(id),
    reason TEXT NOT NULL,
    excluded_at TEXT NOT NULL
);

CREATE TABLE memory_banks (
    category_id BIGINT PRIMARY KEY REFERENCES categories(id),
    reference_set_version BIGINT NOT NULL,
    ratio DOUBLE PRECISION NOT NULL,
    source_patches INTEGER NOT NULL,
    dimension INTEGER NOT NULL,
    vectors BYTEA NOT NULL,
    origins BYTEA NOT NULL,
    built_at TEXT NOT NULL
);

-- Knowledge, searched with PostgreSQL's full-text search ('english': stemmed like FTS5's
-- porter tokenizer): `named` covers key and title, `mentioned` every text column.
CREATE TABLE knowledge_entries (
    id BIGSERIAL PRIMARY KEY,
    category TEXT NOT NULL,
    dataset TEXT,
    key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('normal', 'defect')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    tolerance TEXT,
    imported_at TEXT NOT NULL,
    named TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', replace(key, '_', ' ') || ' ' || title)) STORED,
    mentioned TSVECTOR GENERATED ALWAYS AS (
        to_tsvector('english', replace(key, '_', ' ') || ' ' || title || ' ' || description || ' ' || coalesce(tolerance, ''))) STORED,
    UNIQUE (category, key)
);
CREATE INDEX knowledge_entries_mentioned ON knowledge_entries USING GIN (mentioned);

CREATE TABLE runs (
    id BIGSERIAL PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories(id),
    reference_set_version BIGINT NOT NULL,
    threshold DOUBLE PRECISION,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary JSONB NOT NULL DEFAULT '{}',
    drift JSONB
);

CREATE TABLE run_results (
    id BIGSERIAL PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES runs(id),
    image_path TEXT NOT NULL,
    verdict TEXT NOT NULL,
    score DOUBLE PRECISION,
    background DOUBLE PRECISION,
    result TEXT NOT NULL
);
CREATE INDEX run_results_run ON run_results (run_id);
