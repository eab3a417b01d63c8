ALTER TABLE sessions DROP COLUMN amr;
ALTER TABLE sessions DROP COLUMN idp;
DROP TABLE federation_logins;
DROP TABLE identity_providers;
