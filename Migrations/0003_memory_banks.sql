-- 0003: per-category memory banks of patch features, subsampled by greedy coreset.

-- The vision expert can compare a query's patches with a category-wide bank as well as
-- with its nearest golden samples. The bank is a greedy coreset (PatchCore's farthest-
-- point subsampling) of every golden sample's patches, valid only for the reference-set
-- version it was built from.
CREATE TABLE memory_banks (
    category_id INTEGER PRIMARY KEY REFERENCES categories(id),
    reference_set_version INTEGER NOT NULL,
    ratio REAL NOT NULL,               -- kept patches / source patches
    source_patches INTEGER NOT NULL,   -- patches of all golden samples it was chosen from
    dimension INTEGER NOT NULL,
    vectors BLOB NOT NULL,             -- little-endian float16, rows × dimension
    origins BLOB NOT NULL,             -- little-endian int64: the golden sample each row came from
    built_at TEXT NOT NULL
);
