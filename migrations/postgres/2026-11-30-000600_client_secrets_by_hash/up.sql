-- The token endpoint reads a client's secret by (client, hash) instead of all its secrets (issue 10):
-- one index probe whether the client has 1 secret or 10.
CREATE INDEX client_secrets_hash ON client_secrets (client_id, secret_hash);
