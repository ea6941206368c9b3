-- 0004: the Knowledge Guide's domain knowledge, searchable by relevance.

-- One entry of knowledge about a product (category): its normal characteristics, or
-- one defect type with its description and, when known, its tolerance. Categories here
-- need not have references yet (knowledge can be imported first).
CREATE TABLE knowledge_entries (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    dataset TEXT,                  -- where it came from (MMAD's MVTec, VisA, ...), if anywhere
    key TEXT NOT NULL,             -- "good" or the defect's name ("broken_large")
    kind TEXT NOT NULL CHECK (kind IN ('normal', 'defect')),
    title TEXT NOT NULL,           -- "Normal Characteristics", "Large Breakage"
    description TEXT NOT NULL,
    tolerance TEXT,                -- what is still acceptable, when known
    imported_at TEXT NOT NULL,
    UNIQUE (category, key)
);

-- Full-text index over the entries (BM25 ranking), kept in step by triggers.
CREATE VIRTUAL TABLE knowledge_search USING fts5(
    key, title, description, tolerance,
    content = 'knowledge_entries', content_rowid = 'id',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER knowledge_entries_ai AFTER INSERT ON knowledge_entries BEGIN
    INSERT INTO knowledge_search (rowid, key, title, description, tolerance)
    VALUES (new.id, new.key, new.title, new.description, coalesce(new.tolerance, ''));
END;

CREATE TRIGGER knowledge_entries_ad AFTER DELETE ON knowledge_entries BEGIN
    INSERT INTO knowledge_search (knowledge_search, rowid, key, title, description, tolerance)
    VALUES ('delete', old.id, old.key, old.title, old.description, coalesce(old.tolerance, ''));
END;

CREATE TRIGGER knowledge_entries_au AFTER UPDATE ON knowledge_entries BEGIN
    INSERT INTO knowledge_search (knowledge_search, rowid, key, title, description, tolerance)
    VALUES ('delete', old.id, old.key, old.title, old.description, coalesce(old.tolerance, ''));
    INSERT INTO knowledge_search (rowid, key, title, description, tolerance)
    VALUES (new.id, new.key, new.title, new.description, coalesce(new.tolerance, ''));
END;
