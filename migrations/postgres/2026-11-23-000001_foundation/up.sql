-- Tenants, roles, users, clients and secrets. Timestamps are Unix seconds (BIGINT); GUIDs and
-- JSON lists are TEXT, so that one schema.rs serves SQLite and PostgreSQL.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    company_name TEXT NOT NULL,
    alias TEXT,
    state INTEGER NOT NULL,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE UNIQUE INDEX tenants_company_name ON tenants (company_name);

CREATE TABLE roles (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    role_type_id TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX roles_tenant ON roles (tenant_id, created);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL,
    given_name TEXT,
    surname TEXT,
    name TEXT,
    contact_email TEXT,
    contact_given_name TEXT,
    contact_surname TEXT,
    external_user_id TEXT,
    identity_provider_id TEXT NOT NULL,
    password_hash TEXT,
    created BIGINT NOT NULL,
    last_updated BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_tenant_email ON users (tenant_id, email_lower);
CREATE INDEX users_tenant_created ON users (tenant_id, created);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE clients (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    access_token_lifetime BIGINT NOT NULL,
    tags TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    allowed_cors_origins TEXT NOT NULL,
    client_uri TEXT,
    logo_uri TEXT,
    allow_offline_access BOOLEAN NOT NULL,
    allow_access_tokens_via_browser BOOLEAN NOT NULL,
    last_secret_id BIGINT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX clients_tenant_kind ON clients (tenant_id, kind, created);

CREATE TABLE client_roles (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (client_id, role_id)
);
CREATE INDEX client_roles_role ON client_roles (role_id);

CREATE TABLE client_secrets (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    description TEXT,
    expiration BIGINT,
    secret_hash TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (client_id, id)
);
