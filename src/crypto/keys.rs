//! Signing keys (SPEC §6.3, §6.4): one [`SigningKey`] is a private key parsed once into an
//! `aws-lc-rs` key pair, its public JWK members and its life-cycle metadata ([`KeyMeta`], the
//! `<kid>.json` sidecar of `<kid>.pem`).
//!
//! Contract: `kid` is the RFC 7638 JWK thumbprint of the public key, checked on load; private keys
//! are PKCS#8 PEM; generation and signing both use `aws-lc-rs` (docs/decisions/0006). Life-cycle
//! states are computed in `keys/keyring.rs` ([`KeyRing`]), file operations live in
//! `keys/store.rs` ([`KeyStore`]).

mod keyring;
pub mod lifecycle;
mod store;

pub use keyring::{KeyInfo, KeyRing, KeyState};
pub use store::KeyStore;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents,
    ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::CryptoError;
use crate::clock::UnixTime;

/// A JWS signing algorithm Portcullis can use (RFC 7518 §3.1, RFC 8037 §3.1).
#[allow(clippy::upper_case_acronyms)] // the variants are spelled as the JOSE registry spells them
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA-2048 keys. Always available (ID tokens).
    RS256,
    /// ECDSA P-256 with SHA-256, fixed-size `r || s` signatures.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl SigningAlg {
    /// Every algorithm, in a stable order.
    pub const ALL: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA];

    /// The JOSE `alg` name.
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SigningAlg {
    type Err = String;

    /// Case-sensitive, as JOSE names are.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RS256" => Ok(SigningAlg::RS256),
            "ES256" => Ok(SigningAlg::ES256),
            "EdDSA" => Ok(SigningAlg::EdDSA),
            other => Err(format!(
                "unknown signing algorithm {other:?} (expected RS256, ES256 or EdDSA)"
            )),
        }
    }
}

/// Life-cycle metadata of one key: exactly the `<kid>.json` sidecar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMeta {
    pub kid: String,
    pub alg: SigningAlg,
    pub created_at: UnixTime,
    /// The key signs from this time on (until superseded or retired); before it, it is *next*.
    pub activates_at: UnixTime,
    /// Set by `keys retire`; from this time on the key only verifies.
    #[serde(default)]
    pub retired_at: Option<UnixTime>,
}

/// The public members of a key, base64url without padding, as they appear in a JWK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicJwk {
    Rsa {
        n: String,
        e: String,
    },
    /// P-256.
    Ec {
        x: String,
        y: String,
    },
    /// Ed25519.
    Okp {
        x: String,
    },
}

impl PublicJwk {
    /// The RFC 7638 thumbprint of these members.
    pub fn thumbprint(&self) -> String {
        match self {
            PublicJwk::Rsa { n, e } => thumbprint_rsa(n, e),
            PublicJwk::Ec { x, y } => thumbprint_ec("P-256", x, y),
            PublicJwk::Okp { x } => thumbprint_okp("Ed25519", x),
        }
    }
}

fn thumbprint_of(canonical_json: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical_json.as_bytes()))
}

/// RFC 7638 thumbprint of an RSA key from its base64url `n` and `e`: SHA-256 over
/// `{"e":…,"kty":"RSA","n":…}` (required members, lexicographic order, no whitespace).
/// base64url values never need JSON escaping.
pub fn thumbprint_rsa(n_b64: &str, e_b64: &str) -> String {
    thumbprint_of(&format!(r#"{{"e":"{e_b64}","kty":"RSA","n":"{n_b64}"}}"#))
}

/// RFC 7638 thumbprint of an EC key: SHA-256 over `{"crv","kty":"EC","x","y"}`.
pub fn thumbprint_ec(crv: &str, x_b64: &str, y_b64: &str) -> String {
    thumbprint_of(&format!(
        r#"{{"crv":"{crv}","kty":"EC","x":"{x_b64}","y":"{y_b64}"}}"#
    ))
}

/// RFC 7638 thumbprint of an OKP key (RFC 8037 §2): SHA-256 over `{"crv","kty":"OKP","x"}`.
pub fn thumbprint_okp(crv: &str, x_b64: &str) -> String {
    thumbprint_of(&format!(r#"{{"crv":"{crv}","kty":"OKP","x":"{x_b64}"}}"#))
}

enum ParsedKeyPair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private signing key, parsed once, with its metadata. `Debug` shows no private material.
pub struct SigningKey {
    meta: KeyMeta,
    pair: ParsedKeyPair,
    public: PublicJwk,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("meta", &self.meta)
            .field("private", &"[REDACTED]")
            .finish()
    }
}

fn invalid(msg: impl std::fmt::Display) -> CryptoError {
    CryptoError::InvalidKey(msg.to_string())
}

/// Parses a PKCS#8 DER private key for `alg` and extracts its public JWK members.
fn parse_pkcs8(der: &[u8], alg: SigningAlg) -> Result<(ParsedKeyPair, PublicJwk), CryptoError> {
    Ok(match alg {
        SigningAlg::RS256 => {
            let pair = RsaKeyPair::from_pkcs8(der).map_err(invalid)?;
            let c = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
            let public = PublicJwk::Rsa {
                n: URL_SAFE_NO_PAD.encode(&c.n),
                e: URL_SAFE_NO_PAD.encode(&c.e),
            };
            (ParsedKeyPair::Rsa(pair), public)
        }
        SigningAlg::ES256 => {
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(invalid)?;
            // Uncompressed SEC1 point: 0x04 || x (32 bytes) || y (32 bytes).
            let point = pair.public_key().as_ref();
            let (Some(x), Some(y)) = (point.get(1..33), point.get(33..65)) else {
                return Err(invalid("unexpected P-256 public key encoding"));
            };
            let public = PublicJwk::Ec {
                x: URL_SAFE_NO_PAD.encode(x),
                y: URL_SAFE_NO_PAD.encode(y),
            };
            (ParsedKeyPair::Ec(pair), public)
        }
        SigningAlg::EdDSA => {
            // `from_pkcs8` wants PKCS#8 v2 (what ring and aws-lc-rs generate); accept v1 from
            // other tools.
            let pair = Ed25519KeyPair::from_pkcs8(der)
                .or_else(|_| Ed25519KeyPair::from_pkcs8_maybe_unchecked(der))
                .map_err(invalid)?;
            let public = PublicJwk::Okp {
                x: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
            };
            (ParsedKeyPair::Ed(pair), public)
        }
    })
}

impl SigningKey {
    /// Parses a PKCS#8 DER private key of algorithm `meta.alg`. Fails if the key does not parse for
    /// that algorithm or if `meta.kid` is not the key's RFC 7638 thumbprint.
    pub fn from_pkcs8_der(der: &[u8], meta: KeyMeta) -> Result<Self, CryptoError> {
        let (pair, public) = parse_pkcs8(der, meta.alg)?;
        let thumbprint = public.thumbprint();
        if thumbprint != meta.kid {
            return Err(invalid(format!(
                "kid {} is not the key's RFC 7638 thumbprint {thumbprint}",
                meta.kid
            )));
        }
        Ok(SigningKey {
            meta,
            pair,
            public,
            rng: SystemRandom::new(),
        })
    }

    /// Parses a `-----BEGIN PRIVATE KEY-----` PEM document (see [`SigningKey::from_pkcs8_der`]).
    pub fn from_pem(pem: &str, meta: KeyMeta) -> Result<Self, CryptoError> {
        Self::from_pkcs8_der(&pem_to_pkcs8_der(pem)?, meta)
    }

    /// Generates a new private key; returns it with its PKCS#8 DER encoding (to be written to disk).
    /// The kid is the new key's thumbprint and `created_at` is `now`.
    pub fn generate(
        alg: SigningAlg,
        now: UnixTime,
        activates_at: UnixTime,
    ) -> Result<(Self, Vec<u8>), CryptoError> {
        let der = generate_pkcs8_der(alg)?;
        let (pair, public) = parse_pkcs8(&der, alg)?;
        let meta = KeyMeta {
            kid: public.thumbprint(),
            alg,
            created_at: now,
            activates_at,
            retired_at: None,
        };
        let key = SigningKey {
            meta,
            pair,
            public,
            rng: SystemRandom::new(),
        };
        Ok((key, der))
    }

    pub fn kid(&self) -> &str {
        &self.meta.kid
    }

    pub fn alg(&self) -> SigningAlg {
        self.meta.alg
    }

    pub fn meta(&self) -> &KeyMeta {
        &self.meta
    }

    pub fn public_jwk(&self) -> &PublicJwk {
        &self.public
    }

    /// Length in bytes of a signature made by this key.
    pub fn signature_len(&self) -> usize {
        match &self.pair {
            ParsedKeyPair::Rsa(p) => p.public_modulus_len(),
            ParsedKeyPair::Ec(_) | ParsedKeyPair::Ed(_) => 64,
        }
    }

    /// Signs `message`: RS256 = RSASSA-PKCS1-v1_5/SHA-256, ES256 = fixed-size `r || s`, EdDSA = Ed25519.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.pair {
            ParsedKeyPair::Rsa(p) => {
                let mut sig = vec![0u8; p.public_modulus_len()];
                p.sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut sig)
                    .map_err(|_| CryptoError::Signing)?;
                Ok(sig)
            }
            ParsedKeyPair::Ec(p) => p
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Signing),
            ParsedKeyPair::Ed(p) => Ok(p.sign(message).as_ref().to_vec()),
        }
    }

    /// The public JWK (RFC 7517) with `kid`, `alg` and `use: "sig"`.
    pub fn jwk_json(&self) -> serde_json::Value {
        let (kid, alg) = (self.kid(), self.alg().as_str());
        match &self.public {
            PublicJwk::Rsa { n, e } => serde_json::json!({
                "kty": "RSA", "use": "sig", "alg": alg, "kid": kid, "n": n, "e": e,
            }),
            PublicJwk::Ec { x, y } => serde_json::json!({
                "kty": "EC", "use": "sig", "alg": alg, "kid": kid, "crv": "P-256", "x": x, "y": y,
            }),
            PublicJwk::Okp { x } => serde_json::json!({
                "kty": "OKP", "use": "sig", "alg": alg, "kid": kid, "crv": "Ed25519", "x": x,
            }),
        }
    }
}

/// A fresh private key as PKCS#8 DER, from `aws-lc-rs`: RSA-2048 (PKCS#8 v1, the form the `rsa`
/// crate wrote before, so old and new key files look alike), P-256 and Ed25519 (PKCS#8 v2).
pub fn generate_pkcs8_der(alg: SigningAlg) -> Result<Vec<u8>, CryptoError> {
    let failed = |reason: String| CryptoError::KeyGeneration {
        alg: alg.as_str(),
        reason,
    };
    let rng = SystemRandom::new();
    match alg {
        SigningAlg::RS256 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| failed("aws-lc-rs refused to generate an RSA-2048 key".into()))?;
            let der: Pkcs8V1Der<'static> = pair
                .as_der()
                .map_err(|_| failed("aws-lc-rs could not encode the RSA key as PKCS#8".into()))?;
            Ok(der.as_ref().to_vec())
        }
        SigningAlg::ES256 => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| failed("aws-lc-rs refused to generate a P-256 key".into())),
        SigningAlg::EdDSA => Ed25519KeyPair::generate_pkcs8(&rng)
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| failed("aws-lc-rs refused to generate an Ed25519 key".into())),
    }
}

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

/// PKCS#8 DER as a `PRIVATE KEY` PEM document (RFC 7468: standard base64, 64-character lines).
pub fn pkcs8_der_to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + PEM_BEGIN.len() * 2 + 4);
    pem.push_str(PEM_BEGIN);
    pem.push('\n');
    // base64 output is ASCII, so splitting on byte boundaries is safe.
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(PEM_END);
    pem.push('\n');
    pem
}

/// Decodes a `PRIVATE KEY` PEM document to PKCS#8 DER. Other labels (`RSA PRIVATE KEY`,
/// `EC PRIVATE KEY`, encrypted keys) are refused.
pub fn pem_to_pkcs8_der(pem: &str) -> Result<Vec<u8>, CryptoError> {
    let pem = pem.trim();
    let body = pem
        .strip_prefix(PEM_BEGIN)
        .and_then(|rest| rest.strip_suffix(PEM_END))
        .ok_or_else(|| invalid("not a PKCS#8 `-----BEGIN PRIVATE KEY-----` PEM document"))?;
    let b64: String = body.split_ascii_whitespace().collect();
    STANDARD
        .decode(b64)
        .map_err(|e| invalid(format!("bad base64 in PEM: {e}")))
}

#[cfg(test)]
pub(crate) mod tests;
