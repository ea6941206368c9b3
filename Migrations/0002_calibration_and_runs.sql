-- 0002: thresholds calibrated from golden samples, and detection runs.

-- A category's anomaly threshold, computed from its golden samples alone (each scored
-- leave-one-out against the others). Valid only for the reference set version it was
-- computed on; a later version makes it stale.
CREATE TABLE calibrations (
    category_id INTEGER PRIMARY KEY REFERENCES categories(id),
    reference_set_version INTEGER NOT NULL,
    threshold REAL NOT NULL,
    method TEXT NOT NULL,
    neighbours INTEGER NOT NULL,
    scores TEXT NOT NULL,          -- JSON array of the leave-one-out scores
    computed_at TEXT NOT NULL
);

-- One inspection run (`echoctl inspect`) and its per-image results.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    reference_set_version INTEGER NOT NULL,
    threshold REAL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE run_results (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    image_path TEXT NOT NULL,
    verdict TEXT NOT NULL,
    score REAL,
    result TEXT NOT NULL           -- JSON: references used, region, explanation, error
);
CREATE INDEX run_results_run ON run_results(run_id);
