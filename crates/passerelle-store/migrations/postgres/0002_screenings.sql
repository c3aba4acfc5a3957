-- Screenings (identification capability). Facts, result and the professional's reasons are
-- encrypted (bound to the row); the columns in clear are the coarse, non-identifying ones
-- the organization's list filters on.
CREATE TABLE screenings (
    id                  UUID PRIMARY KEY,
    org_id              UUID NOT NULL REFERENCES organizations (id),
    created_by          UUID NOT NULL REFERENCES users (id),
    status              TEXT NOT NULL,
    stage               INTEGER NOT NULL,
    instrument_version  TEXT NOT NULL,
    region              TEXT,
    facts               BYTEA NOT NULL,
    notes               BYTEA,
    result              BYTEA,
    classification      TEXT,
    flags               TEXT NOT NULL DEFAULT '',
    decision            TEXT,
    decision_reason     BYTEA,
    decided_by          UUID REFERENCES users (id),
    decided_at          TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX screenings_org ON screenings (org_id, created_at);
