-- Client-secret hashes move from hex to base64url (no padding), the encoding of every other
-- stored token hash.
UPDATE client_secrets
SET secret_hash = rtrim(translate(encode(decode(secret_hash, 'hex'), 'base64'), '+/', '-_'), '=')
WHERE length(secret_hash) = 64;
