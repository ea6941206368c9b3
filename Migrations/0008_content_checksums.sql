-- 0008: a SHA-256 beside every stored vector, patch grid and memory bank.

-- SQLite's own checks (PRAGMA integrity_check) see the structure of the file, not what a
-- blob holds: a changed byte inside a vector passes them and would give wrong answers.
-- Each blob now carries the SHA-256 of its bytes, written with it and checked whenever
-- it is read and by `echoctl verify`. `sha256(...)` is Echo's SQL function (the SHA-256 of
-- its arguments' bytes, concatenated), registered on every connection the store opens.
-- Rows already stored get the checksum of what they hold now.
ALTER TABLE reference_vectors ADD COLUMN checksum BLOB;
ALTER TABLE reference_patches ADD COLUMN checksum BLOB;
ALTER TABLE memory_banks ADD COLUMN checksum BLOB;
UPDATE reference_vectors SET checksum = sha256(vector);
UPDATE reference_patches SET checksum = sha256(features);
UPDATE memory_banks SET checksum = sha256(vectors, origins);
