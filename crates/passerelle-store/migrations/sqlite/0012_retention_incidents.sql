-- Retention and destruction, legal holds, run-once jobs, the confidentiality-incident register
-- and the privacy officer's published contact.

-- How long each kind of record is kept, in months (kinds: passerelle_core::retention). A kind
-- without a row has its default period (`RecordKind::default_months`): the migration writes
-- no row, so a freshly migrated installation holds no data at all and a backup restores into
-- it without conflict.
CREATE TABLE retention_rules (
    kind            TEXT PRIMARY KEY,
    months          INTEGER NOT NULL,
    updated_by      BLOB REFERENCES users (id),
    updated_at      TEXT
);

-- A hold suspends the destruction of one case while it is active (not lifted). The reason is a
-- coarse code; the reference (file or order number) is sealed with the case key.
CREATE TABLE legal_holds (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    org_id          BLOB NOT NULL REFERENCES organizations (id),
    reason          TEXT NOT NULL,
    reference       BLOB,
    placed_by       BLOB NOT NULL REFERENCES users (id),
    placed_at       TEXT NOT NULL,
    lifted_by       BLOB REFERENCES users (id),
    lifted_at       TEXT
);
CREATE INDEX legal_holds_case ON legal_holds (case_id, lifted_at);

-- One row per job and period: the first server (or command) to insert it runs the job; the
-- others see the row and do nothing.
CREATE TABLE job_runs (
    job             TEXT NOT NULL,
    period          TEXT NOT NULL,
    claimed_by      TEXT NOT NULL,
    claimed_at      TEXT NOT NULL,
    finished_at     TEXT,
    summary         TEXT,
    PRIMARY KEY (job, period)
);

-- When the retention job destroyed the case (key shredded, identifying rows deleted); the
-- row itself stays with its coarse statistical attributes.
ALTER TABLE cases ADD COLUMN destroyed_at TEXT;
CREATE INDEX cases_status_destroyed ON cases (status, destroyed_at);

-- The register (Law 25). Free texts are sealed with the installation's field key: they must
-- not name anyone, but a register is exactly where someone might. Dates are `YYYY-MM-DD`.
CREATE TABLE incidents (
    id                  BLOB PRIMARY KEY,
    org_id              BLOB NOT NULL REFERENCES organizations (id),
    occurred_on         TEXT,
    discovered_on       TEXT NOT NULL,
    description         BLOB NOT NULL,
    categories          TEXT NOT NULL,
    people_affected     BIGINT NOT NULL,
    risk                TEXT NOT NULL,
    risk_reasons        BLOB NOT NULL,
    cai_notified_on     TEXT,
    persons_notified_on TEXT,
    measures            BLOB NOT NULL,
    recorded_by         BLOB NOT NULL REFERENCES users (id),
    recorded_at         TEXT NOT NULL,
    updated_by          BLOB NOT NULL REFERENCES users (id),
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX incidents_org ON incidents (org_id, discovered_on);

-- The person in charge of the protection of personal information, as published on /privacy.
CREATE TABLE privacy_contact (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    title           TEXT NOT NULL,
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,
    phone           TEXT NOT NULL,
    postal_address  TEXT NOT NULL,
    updated_by      BLOB REFERENCES users (id),
    updated_at      TEXT NOT NULL
);
