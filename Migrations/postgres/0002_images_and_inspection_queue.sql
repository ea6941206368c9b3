-- Echo's PostgreSQL schema, version 2: image bytes stored once by content, and a queue of
-- inspection jobs that workers on any machine claim under a lease.

-- Image files by the SHA-256 of their bytes: golden samples (so every node can show them)
-- and the images of queued runs (so workers need no shared disk). Never changed once
-- written; a second writer of the same bytes writes nothing.
CREATE TABLE image_blobs (
    sha256 TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes BYTEA NOT NULL,
    byte_count INTEGER NOT NULL CHECK (byte_count = length(bytes)),
    stored_at TEXT NOT NULL
);

-- A run inspected by workers: how (neighbours, review) is fixed when it is enqueued.
ALTER TABLE runs ADD COLUMN queued BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE runs ADD COLUMN settings JSONB;
-- False while a queued run is being enqueued: workers take no job of an unsealed run.
ALTER TABLE runs ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT true;

-- One job per image of a queued run. A job is waiting (`done` false, no live lease),
-- leased (`lease_owner` set and `lease_expires_at` in the future) or done. A worker
-- claims with FOR UPDATE SKIP LOCKED; a lapsed lease makes the job claimable again.
CREATE TABLE inspection_jobs (
    id BIGSERIAL PRIMARY KEY,
    run_id BIGINT NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    image_name TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES image_blobs(sha256),
    done BOOLEAN NOT NULL DEFAULT false,
    lease_owner TEXT,
    lease_expires_at TIMESTAMPTZ,
    attempts INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run_id, position)
);
CREATE INDEX inspection_jobs_waiting ON inspection_jobs (id) WHERE NOT done;
CREATE INDEX inspection_jobs_run ON inspection_jobs (run_id);

-- A queued job's result names its job: at most one result per job, whatever the workers do.
ALTER TABLE run_results ADD COLUMN job_id BIGINT UNIQUE REFERENCES inspection_jobs(id);
