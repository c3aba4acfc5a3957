-- Foundation schema (PostgreSQL). Never edit once released: add a new migration instead.

CREATE TABLE installation (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    id              UUID PRIMARY KEY,
    name            TEXT NOT NULL,
    org_type        TEXT NOT NULL,
    regions         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX organizations_name ON organizations (name);

CREATE TABLE users (
    id                  UUID PRIMARY KEY,
    org_id              UUID NOT NULL REFERENCES organizations (id),
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    roles               TEXT NOT NULL,
    locale              TEXT NOT NULL,
    status              TEXT NOT NULL,
    mfa_secret          BYTEA,
    mfa_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    mfa_last_step       BIGINT,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    locked_until        TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    id_hash         BYTEA PRIMARY KEY,
    user_id         UUID NOT NULL REFERENCES users (id),
    stage           TEXT NOT NULL,
    csrf_token      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id              UUID PRIMARY KEY,
    user_id         UUID NOT NULL REFERENCES users (id),
    name            TEXT NOT NULL,
    token_hash      BYTEA NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE setup_links (
    token_hash      BYTEA PRIMARY KEY,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ
);

CREATE TABLE data_keys (
    id              UUID PRIMARY KEY,
    purpose         TEXT NOT NULL,
    master_version  BIGINT NOT NULL,
    wrapped         BYTEA,
    created_at      TIMESTAMPTZ NOT NULL,
    destroyed_at    TIMESTAMPTZ
);
CREATE INDEX data_keys_purpose ON data_keys (purpose);

CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    id              UUID NOT NULL UNIQUE,
    at              TIMESTAMPTZ NOT NULL,
    actor_user_id   UUID,
    actor_org_id    UUID,
    action          TEXT NOT NULL,
    object_type     TEXT NOT NULL,
    object_id       TEXT,
    object_org_id   UUID,
    purpose         TEXT,
    outcome         TEXT NOT NULL,
    mac             BYTEA NOT NULL
);
CREATE INDEX audit_log_actor_org ON audit_log (actor_org_id, seq);
CREATE INDEX audit_log_object_org ON audit_log (object_org_id, seq);

-- The trail is append-only: the database itself refuses to change or remove an entry
-- (TRUNCATE included). Deployments should also revoke UPDATE, DELETE and TRUNCATE on this
-- table from the application's role (docs/DEPLOYMENT.md).
CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
