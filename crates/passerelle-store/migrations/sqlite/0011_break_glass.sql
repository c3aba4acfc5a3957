-- Emergency access ("break-glass", information exchange). A worker of the case's own
-- organization who is not assigned reads the case for a fixed time after stating a reason;
-- the justification and the review note are free text that may describe the child, so they
-- are sealed under the case's key (bound to this table, column and row) and shredded with it.
CREATE TABLE break_glass (
    id                      BLOB PRIMARY KEY,
    case_id                 BLOB NOT NULL REFERENCES cases (id),
    org_id                  BLOB NOT NULL REFERENCES organizations (id),
    user_id                 BLOB NOT NULL REFERENCES users (id),
    reason                  TEXT NOT NULL,
    justification_sealed    BLOB NOT NULL,
    opened_at               TEXT NOT NULL,
    expires_at              TEXT NOT NULL,
    review_status           TEXT NOT NULL DEFAULT 'pending'
                            CHECK (review_status IN ('pending', 'approved', 'flagged')),
    reviewed_by             BLOB REFERENCES users (id),
    reviewed_at             TEXT,
    review_note_sealed      BLOB
);
CREATE INDEX break_glass_case_user ON break_glass (case_id, user_id);
CREATE INDEX break_glass_org ON break_glass (org_id, opened_at);

-- Alerts shown in the application to one person (emergency accesses now, referrals later).
-- `kind` is a stable name such as `break_glass.opened`; the object is named by type and id
-- only, never by anything about a child.
CREATE TABLE alerts (
    id                      BLOB PRIMARY KEY,
    org_id                  BLOB NOT NULL REFERENCES organizations (id),
    recipient_user_id       BLOB NOT NULL REFERENCES users (id),
    kind                    TEXT NOT NULL,
    object_type             TEXT NOT NULL,
    object_id               TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    read_at                 TEXT
);
CREATE INDEX alerts_recipient ON alerts (recipient_user_id, created_at);
