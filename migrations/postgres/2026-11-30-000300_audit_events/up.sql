-- The audit trail (SPEC §13.2): one row per change and per security event, written in the
-- transaction of what it records. `id` orders events written in the same second. `tenant_id` is
-- NULL for server-wide events (signing keys), which no tenant's API shows. No secret ever.
CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    tenant_id TEXT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_id TEXT,
    outcome TEXT NOT NULL,
    client_address TEXT,
    request_id TEXT
);
-- A tenant's events newest first; the retention purge by time.
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, occurred_at, id);
CREATE INDEX audit_events_time ON audit_events (occurred_at);
