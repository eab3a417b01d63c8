DROP INDEX users_tenant_created;
CREATE INDEX users_tenant_created ON users (tenant_id, created);
DROP INDEX clients_tenant_kind;
CREATE INDEX clients_tenant_kind ON clients (tenant_id, kind, created);
DROP TABLE client_tags;
