-- Federated sign-in finds the user bound to (provider, upstream subject) on every sign-in
-- (mapping rule 1): one index probe instead of a walk over the tenant's users.
CREATE INDEX users_external_identity ON users (tenant_id, identity_provider_id, external_user_id);
