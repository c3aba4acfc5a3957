-- Cross-agency record linkage and de-identified statistics.
-- The child's linkage encoding (a keyed, hardened encoding of names and date of birth) is
-- sealed with the case key like the identity, so destroying the key removes it too; the
-- presenting situation is a coarse statistical attribute kept in clear with the others.
ALTER TABLE cases ADD COLUMN linkage BLOB;
ALTER TABLE cases ADD COLUMN presenting_situation TEXT;

-- Probable matches between two cases of different organizations. A proposal never merges
-- anything: a coordinator confirms or rejects it; statistics use confirmed links only.
CREATE TABLE child_links (
    id              BLOB PRIMARY KEY,
    case_a          BLOB NOT NULL REFERENCES cases (id),
    case_b          BLOB NOT NULL REFERENCES cases (id),
    score           REAL NOT NULL,
    status          TEXT NOT NULL,
    proposed_at     TEXT NOT NULL,
    decided_by      BLOB REFERENCES users (id),
    decided_at      TEXT,
    UNIQUE (case_a, case_b)
);
CREATE INDEX child_links_status ON child_links (status, score);

-- The differential-privacy budget of each period, and what was published with it.
CREATE TABLE privacy_budgets (
    period          TEXT PRIMARY KEY,
    total           REAL NOT NULL,
    spent           REAL NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE TABLE stats_publications (
    id              BLOB PRIMARY KEY,
    period          TEXT NOT NULL,
    epsilon         REAL NOT NULL,
    created_at      TEXT NOT NULL,
    document        TEXT NOT NULL
);
CREATE INDEX stats_publications_period ON stats_publications (period, created_at);
