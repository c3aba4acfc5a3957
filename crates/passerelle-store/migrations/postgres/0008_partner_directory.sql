-- Partner directory (information exchange). One public profile per organization, kept by
-- its administrators and read by every signed-in user. The regions served stay in
-- `organizations.regions`; services, populations and languages are comma-separated codes of
-- the vocabularies in `passerelle_core::directory`.
CREATE TABLE org_profiles (
    org_id              UUID PRIMARY KEY REFERENCES organizations (id),
    services            TEXT NOT NULL,
    populations         TEXT NOT NULL,
    languages           TEXT NOT NULL,
    hours               TEXT NOT NULL,
    intake_phone        TEXT,
    intake_email        TEXT,
    description         TEXT NOT NULL,
    accepts_referrals   BOOLEAN NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    updated_by          UUID NOT NULL REFERENCES users (id),
    version             BIGINT NOT NULL DEFAULT 1
);
