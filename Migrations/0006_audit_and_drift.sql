-- 0006: golden samples set aside from calibration by an audit, and each run's score
-- drift against its calibration. Released: never edit; add a new numbered file.

-- A golden sample whose leave-one-out score marked it an outlier (likely a defective
-- "normal") and that the user chose to leave out of calibration (`echoctl audit
-- --exclude`). It stays a reference; deleting it is `echoctl remove`. `reason` says
-- what the audit measured.
CREATE TABLE calibration_exclusions (
    reference_id INTEGER PRIMARY KEY REFERENCES reference_images(id),
    reason TEXT NOT NULL,
    excluded_at TEXT NOT NULL
);

-- JSON: how the run's normal-verdict scores compare with the calibration's
-- leave-one-out scores (two-sample Kolmogorov–Smirnov); NULL when not measured.
ALTER TABLE runs ADD COLUMN drift TEXT;

-- The background level of each result: the median of its raw patch distances. A changed
-- lamp, focus or camera raises it on every image; a local defect barely moves it, so
-- drift in it is seen even when the shifted images are no longer judged normal.
ALTER TABLE run_results ADD COLUMN background REAL;

-- JSON array: the background levels of the golden samples' leave-one-out maps, the
-- reference the runs' background levels are compared with. Empty for older calibrations.
ALTER TABLE calibrations ADD COLUMN backgrounds TEXT NOT NULL DEFAULT '[]';
