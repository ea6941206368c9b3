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
