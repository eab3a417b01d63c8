DROP INDEX user_roles_holders;
ALTER TABLE user_roles DROP COLUMN created;
CREATE INDEX user_roles_role ON user_roles (role_id);

DROP INDEX client_roles_holders;
ALTER TABLE client_roles DROP COLUMN created;
ALTER TABLE client_roles DROP COLUMN kind;
CREATE INDEX client_roles_role ON client_roles (role_id);
