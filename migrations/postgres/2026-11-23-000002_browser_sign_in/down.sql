DROP TABLE client_origins;
DROP TABLE login_throttle;
DROP TABLE revoked_tokens;
DROP TABLE consents;
DROP TABLE authorization_codes;
DROP TABLE sessions;
