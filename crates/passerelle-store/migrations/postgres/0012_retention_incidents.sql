-- Retention and destruction, legal holds, run-once jobs, the confidentiality-incident register
-- and the privacy officer's published contact.

-- How long each kind of record is kept, in months (kinds: passerelle_core::retention). A kind
-- without a row has its default period (`RecordKind::default_months`): the migration writes
-- no row, so a freshly migrated installation holds no data at all and a backup restores into
-- it without conflict.
CREATE TABLE retention_rules (
    kind            TEXT PRIMARY KEY,
    months          BIGINT NOT NULL,
    updated_by      UUID REFERENCES users (id),
    updated_at      TIMESTAMPTZ
);

-- A hold suspends the destruction of one case while it is active (not lifted). The reason is a
-- coarse code; the reference (file or order number) is sealed with the case key.
CREATE TABLE legal_holds (
    id              UUID PRIMARY KEY,
    case_id         UUID NOT NULL REFERENCES cases (id),
    org_id          UUID NOT NULL REFERENCES organizations (id),
    reason          TEXT NOT NULL,
    reference       BYTEA,
    placed_by       UUID NOT NULL REFERENCES users (id),
    placed_at       TIMESTAMPTZ NOT NULL,
    lifted_by       UUID REFERENCES users (id),
    lifted_at       TIMESTAMPTZ
);
CREATE INDEX legal_holds_case ON legal_holds (case_id, lifted_at);

-- One row per job and period: the first server (or command) to insert it runs the job; the
-- others see the row and do nothing.
CREATE TABLE job_runs (
    job             TEXT NOT NULL,
    period          TEXT NOT NULL,
    claimed_by      TEXT NOT NULL,
    claimed_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    summary         TEXT,
    PRIMARY KEY (job, period)
);

-- When the retention job destroyed the case (key shredded, identifying rows deleted); the
-- row itself stays with its coarse statistical attributes.
ALTER TABLE cases ADD COLUMN destroyed_at TIMESTAMPTZ;
CREATE INDEX cases_status_destroyed ON cases (status, destroyed_at);

-- The register (Law 25). Free texts are sealed with the installation's field key: they must
-- not name anyone, but a register is exactly where someone might. Dates are `YYYY-MM-DD`.
CREATE TABLE incidents (
    id                  UUID PRIMARY KEY,
    org_id              UUID NOT NULL REFERENCES organizations (id),
    occurred_on         TEXT,
    discovered_on       TEXT NOT NULL,
    description         BYTEA NOT NULL,
    categories          TEXT NOT NULL,
    people_affected     BIGINT NOT NULL,
    risk                TEXT NOT NULL,
    risk_reasons        BYTEA NOT NULL,
    cai_notified_on     TEXT,
    persons_notified_on TEXT,
    measures            BYTEA NOT NULL,
    recorded_by         UUID NOT NULL REFERENCES users (id),
    recorded_at         TIMESTAMPTZ NOT NULL,
    updated_by          UUID NOT NULL REFERENCES users (id),
    updated_at          TIMESTAMPTZ NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
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
    updated_by      UUID REFERENCES users (id),
    updated_at      TIMESTAMPTZ NOT NULL
);
