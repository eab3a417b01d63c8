-- Tags as rows (lowercased), kept in step with clients.tags by the store like client_origins, so a
-- `tag` filter of the management API runs in SQL instead of loading every client of the kind.
-- tenant_id, kind and created are copies of the client's (none of them ever changes), so one index
-- range holds a tag's clients of a tenant and kind in list order: a filtered page and its count read
-- only the matching entries, whatever the planner knows about the tables.
CREATE TABLE client_tags (
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (client_id, tag)
);
CREATE INDEX client_tags_list ON client_tags (tenant_id, kind, tag, created, client_id);
-- Existing tags. CAUTION: lower() follows the database's LC_CTYPE (ASCII only under C); a tag
-- written before this migration with non-ASCII capitals matches its lowercase form once the client
-- is saved again.
INSERT INTO client_tags (client_id, tag, tenant_id, kind, created)
SELECT DISTINCT c.id, lower(t), c.tenant_id, c.kind, c.created
FROM clients c, json_array_elements_text(c.tags::json) t
ON CONFLICT DO NOTHING;

-- Lists are ordered by (created, id): with id in the index a page (and the OFFSET before it) is
-- read from the index alone, without sorting the tenant's clients.
DROP INDEX clients_tenant_kind;
CREATE INDEX clients_tenant_kind ON clients (tenant_id, kind, created, id);
DROP INDEX users_tenant_created;
CREATE INDEX users_tenant_created ON users (tenant_id, created, id);
