-- Cases (case management capability). The child's identity and the notes are encrypted
-- under the case's own data key (destroying it shreds them); names are searchable only
-- through blind-index tokens; the coarse statistical attributes are in clear, apart, and
-- survive the destruction of the key.
CREATE TABLE cases (
    id                      BLOB PRIMARY KEY,
    org_id                  BLOB NOT NULL REFERENCES organizations (id),
    code                    TEXT NOT NULL UNIQUE,
    key_id                  BLOB NOT NULL REFERENCES data_keys (id),
    status                  TEXT NOT NULL,
    close_reason            BLOB,
    identity                BLOB NOT NULL,
    age_at_identification   INTEGER,
    gender                  TEXT,
    immigration_status      TEXT,
    indigenous              TEXT,
    languages               TEXT NOT NULL DEFAULT '',
    region                  TEXT,
    created_by              BLOB NOT NULL REFERENCES users (id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX cases_org ON cases (org_id, created_at);

-- One blind-index token per distinct word of the child's names and aliases.
CREATE TABLE case_terms (
    case_id         BLOB NOT NULL REFERENCES cases (id),
    term            BLOB NOT NULL,
    PRIMARY KEY (case_id, term)
);
CREATE INDEX case_terms_term ON case_terms (term);

CREATE TABLE case_assignments (
    case_id         BLOB NOT NULL REFERENCES cases (id),
    user_id         BLOB NOT NULL REFERENCES users (id),
    assigned_at     TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_assignments_user ON case_assignments (user_id);

CREATE TABLE case_notes (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    author_id       BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    body            BLOB NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, created_at);

-- The case's timeline: what happened, when and by whom; never a name or a note's text.
CREATE TABLE case_events (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    at              TEXT NOT NULL,
    actor_id        BLOB REFERENCES users (id),
    kind            TEXT NOT NULL,
    ref_id          TEXT
);
CREATE INDEX case_events_case ON case_events (case_id, at);

-- The case a screening led to, if any.
ALTER TABLE screenings ADD COLUMN case_id BLOB;
CREATE INDEX screenings_case ON screenings (case_id);
