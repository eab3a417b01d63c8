-- Everything a code produced is recorded on it, so a replay revokes all of it (RFC 6749 §4.1.2):
-- the front-channel access token of `code token` responses and the refresh-token family.
ALTER TABLE authorization_codes ADD COLUMN front_channel_jti TEXT;
ALTER TABLE authorization_codes ADD COLUMN front_channel_exp BIGINT;
ALTER TABLE authorization_codes ADD COLUMN refresh_family_id TEXT;
