-- Secrets every node must share, created once by whichever node starts first (e.g. the key of
-- the CSRF tokens' HMAC).
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL,
    created BIGINT NOT NULL
);
