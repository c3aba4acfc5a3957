-- Information exchange between organizations: consents and legal bases per child's case,
-- referrals that share chosen categories of the sender's case, the services the receiver
-- reports and the secure messages of a referral.
--
-- Nothing of the child is copied to the receiver: a referral names the sender's case, the
-- categories and the consent or basis that allowed it, and the receiver reads the sender's
-- case through the consent rules each time. Free text (justifications, notes, messages,
-- service details) is encrypted under the sender case's key, so destroying that key shreds
-- the exchange too. Lists of codes or organization ids are comma-separated.

CREATE TABLE consents (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    org_id          BLOB NOT NULL REFERENCES organizations (id),
    giver           TEXT NOT NULL,
    child_age       INTEGER,
    form            TEXT NOT NULL,
    purposes        TEXT NOT NULL,
    recipients      TEXT NOT NULL,
    categories      TEXT NOT NULL,
    valid_from      TEXT NOT NULL,
    valid_until     TEXT NOT NULL,
    withdrawn_at    TEXT,
    withdrawn_by    BLOB REFERENCES users (id),
    recorded_by     BLOB NOT NULL REFERENCES users (id),
    recorded_at     TEXT NOT NULL
);
CREATE INDEX consents_case ON consents (case_id, recorded_at);

CREATE TABLE legal_bases (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    org_id          BLOB NOT NULL REFERENCES organizations (id),
    basis           TEXT NOT NULL,
    justification   BLOB NOT NULL,
    recipients      TEXT NOT NULL,
    categories      TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    valid_until     TEXT NOT NULL,
    ended_at        TEXT,
    ended_by        BLOB REFERENCES users (id),
    recorded_by     BLOB NOT NULL REFERENCES users (id)
);
CREATE INDEX legal_bases_case ON legal_bases (case_id, recorded_at);

CREATE TABLE referrals (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    from_org        BLOB NOT NULL REFERENCES organizations (id),
    to_org          BLOB NOT NULL REFERENCES organizations (id),
    -- 'consent' or 'basis', and the id of that consent or basis.
    authority_kind  TEXT NOT NULL,
    authority_id    BLOB NOT NULL,
    categories      TEXT NOT NULL,
    note            BLOB NOT NULL,
    status          TEXT NOT NULL,
    sent_by         BLOB NOT NULL REFERENCES users (id),
    sent_at         TEXT NOT NULL,
    accepted_by     BLOB REFERENCES users (id),
    decided_by      BLOB REFERENCES users (id),
    decided_at      TEXT,
    decline_reason  TEXT,
    decline_note    BLOB,
    closed_by       BLOB REFERENCES users (id),
    closed_at       TEXT,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX referrals_case ON referrals (case_id, sent_at);
CREATE INDEX referrals_to ON referrals (to_org, status, sent_at);
CREATE INDEX referrals_from ON referrals (from_org, sent_at);

CREATE TABLE referral_services (
    id              BLOB PRIMARY KEY,
    referral_id     BLOB NOT NULL REFERENCES referrals (id),
    org_id          BLOB NOT NULL REFERENCES organizations (id),
    author_id       BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    started_on      TEXT NOT NULL,
    detail          BLOB NOT NULL
);
CREATE INDEX referral_services_referral ON referral_services (referral_id, created_at);

CREATE TABLE referral_messages (
    id              BLOB PRIMARY KEY,
    referral_id     BLOB NOT NULL REFERENCES referrals (id),
    org_id          BLOB NOT NULL REFERENCES organizations (id),
    author_id       BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    body            BLOB NOT NULL
);
CREATE INDEX referral_messages_referral ON referral_messages (referral_id, created_at);
