-- Echo's PostgreSQL schema, version 3: a SHA-256 beside every stored vector, patch grid
-- and memory bank (as SQLite's 0008), written with it and checked whenever it is read and
-- by `echoctl verify`, so a changed byte inside a value is found, not used. (PostgreSQL's
-- page checksums, `initdb --data-checksums`, guard the pages of one server; these travel
-- with the rows through dumps, restores and `echoctl store copy`.) Rows already stored
-- get the checksum of what they hold now.
ALTER TABLE reference_vectors ADD COLUMN checksum BYTEA;
ALTER TABLE reference_patches ADD COLUMN checksum BYTEA;
ALTER TABLE memory_banks ADD COLUMN checksum BYTEA;
UPDATE reference_vectors SET checksum = sha256(vector);
UPDATE reference_patches SET checksum = sha256(features);
UPDATE memory_banks SET checksum = sha256(vectors || origins);
