-- 0005: which patch-feature recipe a category's patches were made by, and which scoring
-- a calibration's threshold belongs to. Released: never edit; add a new numbered file.

-- Patch features made before this migration pooled each tap without zero padding
-- (recipe echo-1). The vision expert refuses to score against another recipe's
-- patches; `echoctl reembed` re-extracts them from the stored images.
ALTER TABLE categories ADD COLUMN patch_recipe TEXT NOT NULL DEFAULT 'echo-1';

-- A threshold is only meaningful for the scoring that produced its leave-one-out
-- scores. Calibrations made before this migration took the peak of the smoothed map
-- (scoring echo-1); a calibration whose scoring differs from the expert's is not used.
ALTER TABLE calibrations ADD COLUMN scoring TEXT NOT NULL DEFAULT 'echo-1';
