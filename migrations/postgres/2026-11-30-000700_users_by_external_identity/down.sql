DROP INDEX users_external_identity;
