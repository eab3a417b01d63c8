//! Cryptography: signing keys and their life cycle, JWT signing and verification, secret and password
//! hashing. Knows nothing of HTTP or the database.
//!
//! Contract: every fallible function returns [`CryptoError`]; nothing here reads the clock (callers pass
//! `now`), logs a secret, or panics. One crypto library, `aws-lc-rs` (docs/decisions/0006), generates
//! keys, signs and verifies with keys parsed once (SPEC §10), seals, and draws random numbers.

pub mod jwt;
#[cfg(test)]
mod jwt_properties;
pub mod keys;
pub mod master_key;
pub mod seal;
pub mod secrets;

use std::path::PathBuf;

pub use jwt::{sign_jwt, Verifier};
pub use keys::{
    thumbprint_ec, thumbprint_okp, thumbprint_rsa, KeyInfo, KeyMeta, KeyRing, KeyState, KeyStore,
    PublicJwk, SigningAlg, SigningKey,
};
pub use secrets::{
    dummy_password_verify, hash_password, random_token, sha256_b64url, verify_password,
    ClientSecretValue, SecretHash,
};

/// Why a presented JWT was rejected. All of these map to `invalid_token` at the HTTP layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejection {
    #[error("token is not a well-formed JWS compact serialization")]
    Malformed,
    #[error("token header has no kid")]
    MissingKid,
    #[error("token is signed with an unknown key")]
    UnknownKid,
    #[error("token header alg does not match the key's algorithm")]
    AlgorithmMismatch,
    #[error("token header typ is not the expected one")]
    WrongType,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token claims are not valid JSON of the expected shape")]
    BadClaims,
    #[error("token issuer is not this server")]
    WrongIssuer,
    #[error("token audience does not include the expected audience")]
    WrongAudience,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
}

/// The error type of every function in [`crate::crypto`]. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the system random number generator failed")]
    Random,
    #[error("a random token must have at least 16 bytes, {0} were asked for")]
    TokenTooShort(usize),
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    #[error("key generation failed for {alg}: {reason}")]
    KeyGeneration { alg: &'static str, reason: String },
    #[error("invalid key: {0}")]
    InvalidKey(String),
    #[error("signing failed")]
    Signing,
    #[error("JSON serialization failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "could not take the key directory lock {0} within 10 s (another process is changing keys)"
    )]
    LockTimeout(PathBuf),
    #[error("no signing key with kid {0}")]
    UnknownKid(String),
    #[error(
        "refusing to retire {kid}: it is the only active {alg} key and there is no next {alg} key \
         to take over; run `keys rotate` first"
    )]
    OnlyActiveKey { kid: String, alg: &'static str },
    #[error("invalid token: {0}")]
    InvalidToken(#[from] TokenRejection),
}

impl CryptoError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        CryptoError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
