-- Back to hex.
UPDATE client_secrets
SET secret_hash = encode(decode(rpad(translate(secret_hash, '-_', '+/'), 44, '='), 'base64'), 'hex')
WHERE length(secret_hash) = 43;
