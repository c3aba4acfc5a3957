-- Foundation schema (SQLite). Never edit once released: add a new migration instead.
-- UUIDs are 16-byte BLOBs, timestamps RFC 3339 text in UTC, booleans integers.

CREATE TABLE installation (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    created_at      TEXT NOT NULL
);

CREATE TABLE organizations (
    id              BLOB PRIMARY KEY,
    name            TEXT NOT NULL,
    org_type        TEXT NOT NULL,
    regions         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX organizations_name ON organizations (name);

CREATE TABLE users (
    id                  BLOB PRIMARY KEY,
    org_id              BLOB NOT NULL REFERENCES organizations (id),
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    roles               TEXT NOT NULL,
    locale              TEXT NOT NULL,
    status              TEXT NOT NULL,
    mfa_secret          BLOB,
    mfa_enabled         BOOLEAN NOT NULL DEFAULT 0,
    mfa_last_step       BIGINT,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    locked_until        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    id_hash         BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users (id),
    stage           TEXT NOT NULL,
    csrf_token      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id              BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users (id),
    name            TEXT NOT NULL,
    token_hash      BLOB NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    last_used_at    TEXT,
    revoked_at      TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE setup_links (
    token_hash      BLOB PRIMARY KEY,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
);

CREATE TABLE data_keys (
    id              BLOB PRIMARY KEY,
    purpose         TEXT NOT NULL,
    master_version  BIGINT NOT NULL,
    wrapped         BLOB,
    created_at      TEXT NOT NULL,
    destroyed_at    TEXT
);
CREATE INDEX data_keys_purpose ON data_keys (purpose);

CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    id              BLOB NOT NULL UNIQUE,
    at              TEXT NOT NULL,
    actor_user_id   BLOB,
    actor_org_id    BLOB,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT,
    object_org_id   BLOB,
    purpose         TEXT,
    outcome         TEXT NOT NULL,
    mac             BLOB NOT NULL
);
CREATE INDEX audit_log_actor_org ON audit_log (actor_org_id, seq);
CREATE INDEX audit_log_object_org ON audit_log (object_org_id, seq);

-- The trail is append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
