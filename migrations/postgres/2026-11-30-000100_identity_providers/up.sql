-- Federation (SPEC §12): the upstream OpenID Providers of a tenant, and the sign-ins waiting for
-- an upstream's answer. The built-in Local provider has a row only once it is changed (Enabled).
-- The upstream client secret is sealed with the master key; the pending login keeps only the
-- SHA-256 of its state and of its browser cookie, and its PKCE verifier sealed.
CREATE TABLE identity_providers (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    display_name TEXT NOT NULL,
    authority TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT,
    scopes TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    allow_auto_provisioning BOOLEAN NOT NULL,
    default_role_ids TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE federation_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    browser_hash TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    request TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier_sealed TEXT NOT NULL,
    invitation TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX federation_logins_expires ON federation_logins (expires_at);

-- How the session's user signed in: the upstream provider (`idp`) and its `amr` (JSON list).
ALTER TABLE sessions ADD COLUMN idp TEXT;
ALTER TABLE sessions ADD COLUMN amr TEXT;
