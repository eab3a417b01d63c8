DROP INDEX client_secrets_hash;
