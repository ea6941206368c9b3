-- 0007: background levels for score drift.

-- The background level of each result: the median of its raw patch distances. A changed
-- lamp, focus or camera raises it on every image; a local defect barely moves it, so
-- drift in it is seen even when the shifted images are no longer judged normal.
ALTER TABLE run_results ADD COLUMN background REAL;

-- JSON array: the background levels of the golden samples' leave-one-out maps, the
-- reference the runs' background levels are compared with. Empty for older calibrations.
ALTER TABLE calibrations ADD COLUMN backgrounds TEXT NOT NULL DEFAULT '[]';
