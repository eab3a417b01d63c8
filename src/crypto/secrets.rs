//! Secrets: server-generated client secrets (≥ 256 bits, stored as SHA-256 and compared in constant
//! time, SPEC §8), opaque random tokens, and user passwords (argon2id with the OWASP parameters).
//!
//! Contract: secret values are newtypes with a redacting `Debug` and no `Display`; the only way to read
//! one is an accessor whose name says so. Every comparison of a presented secret is constant-time, and
//! a login for an unknown account can spend the same time as a real one via [`dummy_password_verify`].

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::CryptoError;

/// Bytes of entropy in a generated client secret (256 bits, SPEC §8).
const CLIENT_SECRET_BYTES: usize = 32;

/// Smallest opaque token accepted by [`random_token`] (128 bits).
const MIN_TOKEN_BYTES: usize = 16;

/// OWASP argon2id parameters: 19 MiB of memory, 2 iterations, 1 lane.
const ARGON2_M_KIB: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

/// A fixed argon2id hash with the same parameters as [`hash_password`], verified against by
/// [`dummy_password_verify`]. CAUTION: if the parameters above change, regenerate this (a test fails).
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$cG9ydGN1bGxpcy1kdW1teQ$\
                         JQyOb06DiZooJ0Pv09H7siAw/wirvNeDUty8manB3l0";

fn fill_random(buf: &mut [u8]) -> Result<(), CryptoError> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| CryptoError::Random)
}

/// A freshly generated client secret in clear (shown to the administrator once). Never stored;
/// store its [`SecretHash`].
#[derive(Clone)]
pub struct ClientSecretValue(String);

impl ClientSecretValue {
    /// 32 random bytes, base64url without padding (43 characters of `A-Za-z0-9-_`).
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = [0u8; CLIENT_SECRET_BYTES];
        fill_random(&mut bytes)?;
        Ok(ClientSecretValue(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The secret in clear. Only for showing it once on creation and for hashing.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The hash to store for this secret.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(&self.0)
    }
}

impl std::fmt::Debug for ClientSecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecretValue([REDACTED])")
    }
}

/// SHA-256 of a secret, base64url without padding like every other stored token hash
/// ([`sha256_b64url`]): what the database stores.
#[derive(Clone, Debug)]
pub struct SecretHash(String);

impl SecretHash {
    /// Hashes a secret value.
    pub fn of(secret: &str) -> Self {
        SecretHash(sha256_b64url(secret))
    }

    /// The hex string to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` hashes to this value; the comparison is constant-time.
    pub fn matches(&self, presented: &str) -> bool {
        SecretHash::of(presented).equals_stored(&self.0)
    }

    /// Constant-time comparison with a stored hash string (hash the presented secret once, then
    /// compare it with each of a client's stored hashes).
    pub fn equals_stored(&self, stored: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(stored.as_bytes()))
    }
}

/// The key of the CSRF tokens (SPEC §8): a token is the HMAC-SHA256 of what binds the form to
/// its browser (the session cookie, or before sign-in the browser's own random id), so a token
/// made for one session is worthless in another and nobody without the key can make one.
pub struct CsrfKey(aws_lc_rs::hmac::Key);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey([REDACTED])")
    }
}

impl CsrfKey {
    /// A key from a stored secret (any length; 32 random bytes in practice).
    pub fn new(secret: &[u8]) -> Self {
        CsrfKey(aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            secret,
        ))
    }

    /// The token for a form bound to `binding`.
    pub fn token(&self, binding: &str) -> String {
        URL_SAFE_NO_PAD.encode(aws_lc_rs::hmac::sign(&self.0, binding.as_bytes()))
    }

    /// Whether `token` is the token for `binding`; constant-time.
    pub fn verify(&self, binding: &str, token: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(token)
            .is_ok_and(|tag| aws_lc_rs::hmac::verify(&self.0, binding.as_bytes(), &tag).is_ok())
    }
}

/// `bytes` random bytes as base64url without padding: authorization codes, refresh tokens, CSRF
/// tokens, session ids. At least 16 bytes are required.
pub fn random_token(bytes: usize) -> Result<String, CryptoError> {
    if bytes < MIN_TOKEN_BYTES {
        return Err(CryptoError::TokenTooShort(bytes));
    }
    let mut buf = vec![0u8; bytes];
    fill_random(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(&buf))
}

/// base64url (no padding) of SHA-256 of the UTF-8 bytes of `s`: the PKCE S256 transform
/// (RFC 7636 §4.2) and the storage form of opaque tokens.
pub fn sha256_b64url(s: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(s.as_bytes()))
}

fn argon2() -> Result<Argon2<'static>, CryptoError> {
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None)
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a user password with argon2id (m=19456 KiB, t=2, p=1) and a random 128-bit salt; returns
/// the PHC string to store.
pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    let hash = argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored PHC string. A malformed PHC string never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    // The algorithm, version and parameters come from the PHC string itself.
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// Spends the time of one real [`verify_password`] and discards the result, so that a login for an
/// unknown account is not faster than one for an existing account (SPEC §8).
pub fn dummy_password_verify(password: &str) {
    std::hint::black_box(verify_password(password, DUMMY_PHC));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_secret_is_256_bits_urlsafe_and_redacted() {
        let s = ClientSecretValue::generate().unwrap();
        assert_eq!(s.expose_secret().len(), 43);
        assert!(s
            .expose_secret()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(format!("{s:?}"), "ClientSecretValue([REDACTED])");
        let t = ClientSecretValue::generate().unwrap();
        assert_ne!(s.expose_secret(), t.expose_secret());
    }

    #[test]
    fn secret_hash_is_base64url_sha256_like_every_token_hash_and_matches() {
        // SHA-256("abc") from FIPS 180-2 (ba7816bf…15ad), base64url without padding.
        let h = SecretHash::of("abc");
        assert_eq!(h.as_str(), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        assert_eq!(h.as_str(), sha256_b64url("abc"));
        assert!(h.matches("abc"));
        assert!(!h.matches("abd"));
        assert!(!h.matches(""));
        // base64url is case-sensitive: a case-changed hash no longer matches.
        assert!(!SecretHash::of("abc").equals_stored(&h.as_str().to_ascii_uppercase()));
        let secret = ClientSecretValue::generate().unwrap();
        assert!(secret.hash().matches(secret.expose_secret()));
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_binding_and_key() {
        let key = CsrfKey::new(b"k1");
        let token = key.token("session:abc");
        assert_eq!(token.len(), 43);
        assert!(key.verify("session:abc", &token));
        assert!(!key.verify("session:abd", &token));
        assert!(!CsrfKey::new(b"k2").verify("session:abc", &token));
        assert!(!key.verify("session:abc", "not base64 !"));
        assert_eq!(format!("{key:?}"), "CsrfKey([REDACTED])");
    }

    #[test]
    fn random_tokens_differ_and_have_expected_length() {
        let a = random_token(32).unwrap();
        let b = random_token(32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(matches!(
            random_token(8),
            Err(CryptoError::TokenTooShort(8))
        ));
    }

    #[test]
    fn sha256_b64url_matches_rfc7636_appendix_b() {
        assert_eq!(
            sha256_b64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn password_hash_round_trip() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("correct horse", "not a phc string"));
        assert_ne!(phc, hash_password("correct horse").unwrap(), "salted");
    }

    #[test]
    fn dummy_hash_is_valid_and_uses_current_parameters() {
        let parsed = PasswordHash::new(DUMMY_PHC).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (ARGON2_M_KIB, ARGON2_T, ARGON2_P)
        );
        assert!(parsed.hash.is_some_and(|h| h.len() == 32));
        assert!(verify_password("portcullis-dummy-password", DUMMY_PHC));
        dummy_password_verify("anything");
    }
}
