-- Signing keys kept in the database (PORTCULLIS_KEYS_STORE=database, SPEC §6.4): the key set every
-- node reads, the private key sealed with the master key (purpose `signing-key:{kid}`). States are
-- computed from the times, as for the key directory.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    alg TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    activates_at BIGINT NOT NULL,
    retired_at BIGINT,
    -- The key this one was generated to follow (automatic rotation, or the first key of an
    -- algorithm: ''); NULL for keys added by hand or imported from a key directory.
    succeeds TEXT
);
-- Exactly one successor per key: nodes that find the same rotation due at the same moment all
-- insert a successor of the same key, and only the first insert survives.
CREATE UNIQUE INDEX signing_keys_one_successor ON signing_keys (alg, succeeds)
    WHERE succeeds IS NOT NULL;
