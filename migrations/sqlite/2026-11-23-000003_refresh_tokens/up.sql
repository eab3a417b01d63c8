-- Refresh tokens of hybrid clients, in families: every use rotates to a new member; reuse of a
-- rotated member after the grace window revokes the family. Only SHA-256 hashes are stored; the
-- response given at rotation is kept sealed with a key derived from the old token (so only its
-- holder can read it back within the grace window).
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    family_id TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    sid TEXT NOT NULL,
    auth_time BIGINT NOT NULL,
    created BIGINT NOT NULL,
    family_expires_at BIGINT NOT NULL,
    rotated_at BIGINT,
    successor_response TEXT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_client ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (family_expires_at);
