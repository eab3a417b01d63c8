-- A role's holders in list order (issue 10): the client's kind and creation time, and the user's
-- creation time, are copied into the role rows (none of them ever changes), so one index range
-- holds a role's holders in the order the management API lists them. A page at skip=49 900 and
-- its count read only index entries, instead of joining and sorting every holder.
ALTER TABLE client_roles ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE client_roles ADD COLUMN created BIGINT NOT NULL DEFAULT 0;
UPDATE client_roles SET
    kind = (SELECT c.kind FROM clients c WHERE c.id = client_roles.client_id),
    created = (SELECT c.created FROM clients c WHERE c.id = client_roles.client_id);
DROP INDEX client_roles_role;
CREATE INDEX client_roles_holders ON client_roles (role_id, kind, created, client_id);

ALTER TABLE user_roles ADD COLUMN created BIGINT NOT NULL DEFAULT 0;
UPDATE user_roles SET created = (SELECT u.created FROM users u WHERE u.id = user_roles.user_id);
DROP INDEX user_roles_role;
CREATE INDEX user_roles_holders ON user_roles (role_id, created, user_id);
