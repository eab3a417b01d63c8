ALTER TABLE authorization_codes DROP COLUMN refresh_family_id;
ALTER TABLE authorization_codes DROP COLUMN front_channel_exp;
ALTER TABLE authorization_codes DROP COLUMN front_channel_jti;
