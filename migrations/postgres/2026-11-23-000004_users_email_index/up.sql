-- Portal sign-in finds a user's tenants by e-mail.
CREATE INDEX users_email_lower ON users (email_lower);
