//! JWT signing and verification (RFC 7515 compact serialization, RFC 7519 claims, RFC 9068 access
//! tokens).
//!
//! Contract: [`sign_jwt`] builds the JWS by hand with the key pair parsed once (the token endpoint's
//! hot path, SPEC §10); the header is exactly `{"alg","kid","typ"}`. [`Verifier`] accepts only
//! tokens whose `kid` is a published key and whose header `alg` is that key's algorithm (no `none`,
//! no algorithm confusion), checks the signature with the public key parsed once by `aws-lc-rs`
//! (one [`ParsedPublicKey`] per published key, built when the verifier is built), then `typ`, `iss`,
//! `aud`, `exp` (no leeway) and `nbf` (30 s leeway) against the caller's `now`, never the system
//! clock.

use std::collections::HashMap;

use aws_lc_rs::signature::{
    ParsedPublicKey, RsaPublicKeyComponents, ECDSA_P256_SHA256_FIXED, ED25519,
    RSA_PKCS1_2048_8192_SHA256,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::keys::{KeyRing, PublicJwk, SigningAlg, SigningKey};
use super::{CryptoError, TokenRejection};
use crate::clock::UnixTime;

/// Leeway for `nbf`, for clocks of other nodes that run slightly ahead.
const NBF_LEEWAY: i64 = 30;

#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
    typ: &'a str,
}

/// Length of the unpadded base64 encoding of `n` bytes.
fn b64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// Signs `claims` as a compact JWS with `key`: `typ` is `"at+jwt"` for access tokens (RFC 9068 §2.1)
/// and `"JWT"` for ID tokens.
pub fn sign_jwt<C: Serialize>(
    claims: &C,
    typ: &str,
    key: &SigningKey,
) -> Result<String, CryptoError> {
    // One scratch buffer holds the header JSON then the claims JSON.
    let mut json = Vec::with_capacity(768);
    serde_json::to_writer(
        &mut json,
        &Header {
            alg: key.alg().as_str(),
            kid: key.kid(),
            typ,
        },
    )?;
    let header_len = json.len();
    serde_json::to_writer(&mut json, claims)?;
    let (header, payload) = json.split_at(header_len);

    let signing_input_len = b64_len(header.len()) + 1 + b64_len(payload.len());
    let mut token = String::with_capacity(signing_input_len + 1 + b64_len(key.signature_len()));
    URL_SAFE_NO_PAD.encode_string(header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
    Ok(token)
}

/// The JOSE header members the verifier reads (RFC 7515 §4.1). Unknown members are ignored, except
/// `crit`: no extension is understood, so a token that marks one critical is refused (§4.1.11).
#[derive(Deserialize)]
struct JoseHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    crit: Option<serde::de::IgnoredAny>,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The registered claims the verifier checks itself.
#[derive(Deserialize)]
struct Registered {
    iss: Option<String>,
    aud: Option<Audience>,
    exp: Option<i64>,
    nbf: Option<i64>,
}

/// Verifies tokens signed by the keys published at the time it was built. Cheap to use, built once
/// per key-ring change.
pub struct Verifier {
    keys: HashMap<String, (SigningAlg, ParsedPublicKey)>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Verifier {
    /// A verifier for every key `ring` publishes at `now` (next, active, retired-not-purged).
    pub fn new(ring: &KeyRing, now: UnixTime) -> Result<Self, CryptoError> {
        Self::from_public_keys(
            ring.published(now)
                .iter()
                .map(|key| (key.kid().to_owned(), key.alg(), key.public_jwk().clone())),
        )
    }

    /// A verifier for public keys alone, as a JWKS publishes them: `(kid, alg, members)` (used by
    /// `portcullis selftest`, which sees a deployment only from outside).
    pub fn from_public_keys(
        keys: impl IntoIterator<Item = (String, SigningAlg, PublicJwk)>,
    ) -> Result<Self, CryptoError> {
        let mut parsed_keys = HashMap::new();
        for (kid, alg, jwk) in keys {
            let bad = |e: String| CryptoError::InvalidKey(format!("{kid}: {e}"));
            let b64 = |v: &str| URL_SAFE_NO_PAD.decode(v).map_err(|e| bad(e.to_string()));
            let parsed = match &jwk {
                PublicJwk::Rsa { n, e } => RsaPublicKeyComponents {
                    n: b64(n)?,
                    e: b64(e)?,
                }
                .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256),
                PublicJwk::Ec { x, y } => {
                    // Uncompressed SEC1 point: 0x04 || x || y.
                    let mut point = vec![4u8];
                    point.extend(b64(x)?);
                    point.extend(b64(y)?);
                    ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                }
                PublicJwk::Okp { x } => ParsedPublicKey::new(&ED25519, b64(x)?),
            }
            .map_err(|e| bad(e.to_string()))?;
            parsed_keys.insert(kid, (alg, parsed));
        }
        Ok(Verifier { keys: parsed_keys })
    }

    /// Verifies `token` and returns its claims. `expected_typ` is compared case-insensitively and
    /// may also be written with an `application/` prefix (RFC 7515 §4.1.9). `aud` must be or contain
    /// `audience`; `iss` must equal `issuer`; `exp` is required.
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        expected_typ: Option<&str>,
        issuer: &str,
        audience: &str,
        now: UnixTime,
    ) -> Result<C, CryptoError> {
        Ok(self.check(token, expected_typ, issuer, audience, now)?)
    }

    fn check<C: DeserializeOwned>(
        &self,
        token: &str,
        expected_typ: Option<&str>,
        issuer: &str,
        audience: &str,
        now: UnixTime,
    ) -> Result<C, TokenRejection> {
        use TokenRejection as R;
        let (message, signature) = token.rsplit_once('.').ok_or(R::Malformed)?;
        let (header_b64, payload_b64) = message.split_once('.').ok_or(R::Malformed)?;
        if payload_b64.contains('.') {
            return Err(R::Malformed);
        }
        let header = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| R::Malformed)?;
        let header: JoseHeader = serde_json::from_slice(&header).map_err(|_| R::Malformed)?;
        if header.crit.is_some() {
            return Err(R::Malformed);
        }
        let kid = header.kid.as_deref().ok_or(R::MissingKid)?;
        let (alg, key) = self.keys.get(kid).ok_or(R::UnknownKid)?;
        // The key's own algorithm, never the one the token names: "none", HS256 with the public
        // key as secret, or another asymmetric algorithm are all refused here.
        if header.alg != alg.as_str() {
            return Err(R::AlgorithmMismatch);
        }
        if let Some(expected) = expected_typ {
            let typ = header.typ.as_deref().unwrap_or("");
            let typ = strip_prefix_ignore_case(typ, "application/").unwrap_or(typ);
            if !typ.eq_ignore_ascii_case(expected) {
                return Err(R::WrongType);
            }
        }
        // The signature over the ASCII signing input (RFC 7515 §5.2); the claims are then parsed
        // once for both the caller's type and the registered claims checked against `now`.
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| R::BadSignature)?;
        key.verify_sig(message.as_bytes(), &signature)
            .map_err(|_| R::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| R::Malformed)?;
        let registered: Registered = serde_json::from_slice(&payload).map_err(|_| R::BadClaims)?;
        if registered.iss.as_deref() != Some(issuer) {
            return Err(R::WrongIssuer);
        }
        let audience_ok = match &registered.aud {
            Some(Audience::One(a)) => a == audience,
            Some(Audience::Many(list)) => list.iter().any(|a| a == audience),
            None => false,
        };
        if !audience_ok {
            return Err(R::WrongAudience);
        }
        match registered.exp {
            Some(exp) if now < exp => {}
            _ => return Err(R::Expired),
        }
        if registered
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(NBF_LEEWAY))
        {
            return Err(R::NotYetValid);
        }
        serde_json::from_slice(&payload).map_err(|_| R::BadClaims)
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

#[cfg(test)]
#[path = "jwt_tests.rs"]
mod tests;
