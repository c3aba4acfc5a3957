-- Screenings (identification capability). Facts, result and the professional's reasons are
-- encrypted (bound to the row); the columns in clear are the coarse, non-identifying ones
-- the organization's list filters on.
CREATE TABLE screenings (
    id                  BLOB PRIMARY KEY,
    org_id              BLOB NOT NULL REFERENCES organizations (id),
    created_by          BLOB NOT NULL REFERENCES users (id),
    status              TEXT NOT NULL,
    stage               INTEGER NOT NULL,
    instrument_version  TEXT NOT NULL,
    region              TEXT,
    facts               BLOB NOT NULL,
    notes               BLOB,
    result              BLOB,
    classification      TEXT,
    flags               TEXT NOT NULL DEFAULT '',
    decision            TEXT,
    decision_reason     BLOB,
    decided_by          BLOB REFERENCES users (id),
    decided_at          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX screenings_org ON screenings (org_id, created_at);
