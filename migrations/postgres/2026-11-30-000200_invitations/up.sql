-- Invitations (SPEC §12.3): one per user; the link's code is a bearer value, stored only as its
-- SHA-256 (base64url). Purged two weeks after expiry.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    identity_provider_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    issued BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    accepted BIGINT,
    state INTEGER NOT NULL,
    created BIGINT NOT NULL
);
CREATE UNIQUE INDEX invitations_user ON invitations (user_id);
CREATE UNIQUE INDEX invitations_code ON invitations (code_hash);
CREATE INDEX invitations_tenant ON invitations (tenant_id, created, id);
CREATE INDEX invitations_expires ON invitations (expires);
