-- Training (knowledge capability). Module content lives in the repository; the database
-- keeps who passed or failed which version of which module, and which modules each
-- organization requires of a role before screening or opening cases.
CREATE TABLE training_attempts (
    id              UUID PRIMARY KEY,
    user_id         UUID NOT NULL REFERENCES users (id),
    org_id          UUID NOT NULL REFERENCES organizations (id),
    module_id       TEXT NOT NULL,
    module_version  BIGINT NOT NULL,
    lang            TEXT NOT NULL,
    correct         BIGINT NOT NULL,
    total           BIGINT NOT NULL,
    passed          BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX training_attempts_user ON training_attempts (user_id, module_id);
CREATE INDEX training_attempts_org ON training_attempts (org_id, module_id);

CREATE TABLE training_requirements (
    org_id          UUID NOT NULL REFERENCES organizations (id),
    role            TEXT NOT NULL,
    module_id       TEXT NOT NULL,
    created_by      UUID NOT NULL REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, role, module_id)
);
