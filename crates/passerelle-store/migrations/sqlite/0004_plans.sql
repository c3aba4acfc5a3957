-- Needs assessments, the individual service plan, services delivered and follow-ups of a
-- child's case. Everything the child or the worker wrote is encrypted under the case key
-- (destroying it shreds them); only coarse columns needed for statistics and due lists are
-- in clear: need levels per domain, plan status and review date, service kind and date,
-- follow-up due date and assignee.

-- One row per assessment; re-assessments add rows, history stays.
CREATE TABLE case_assessments (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    author_id       BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    -- "domain:level,domain:level", in clear for statistics.
    levels          TEXT NOT NULL,
    body            BLOB NOT NULL
);
CREATE INDEX case_assessments_case ON case_assessments (case_id, created_at);

-- One plan per case; its history is in the case's timeline.
CREATE TABLE case_plans (
    case_id         BLOB PRIMARY KEY REFERENCES cases (id),
    body            BLOB NOT NULL,
    status          TEXT NOT NULL,
    review_date     TEXT,
    submitted_by    BLOB REFERENCES users (id),
    submitted_at    TEXT,
    approved_by     BLOB REFERENCES users (id),
    approved_at     TEXT,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX case_plans_status ON case_plans (status, submitted_at);

CREATE TABLE case_services (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    author_id       BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    delivered_on    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    body            BLOB NOT NULL
);
CREATE INDEX case_services_case ON case_services (case_id, delivered_on);

CREATE TABLE case_followups (
    id              BLOB PRIMARY KEY,
    case_id         BLOB NOT NULL REFERENCES cases (id),
    assigned_to     BLOB NOT NULL REFERENCES users (id),
    due_on          TEXT NOT NULL,
    body            BLOB NOT NULL,
    created_by      BLOB NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL,
    done_at         TEXT,
    done_by         BLOB REFERENCES users (id)
);
CREATE INDEX case_followups_case ON case_followups (case_id, due_on);
CREATE INDEX case_followups_due ON case_followups (due_on, assigned_to);
