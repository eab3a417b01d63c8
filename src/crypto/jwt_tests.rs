use std::sync::Arc;

use serde_json::{json, Value};

use super::*;
use crate::crypto::keys::tests::test_key;
use crate::crypto::keys::{KeyMeta, KeyState};

const ISS: &str = "https://id.example/identity";
const AUD: &str = "ocsapi";
const NOW: i64 = 1_700_000_000;

fn claims(exp: i64) -> Value {
    json!({"iss": ISS, "aud": AUD, "sub": "client-1", "iat": NOW, "nbf": NOW, "exp": exp})
}

fn ring_of(keys: &[&Arc<SigningKey>]) -> KeyRing {
    KeyRing::new(keys.iter().map(|k| Arc::clone(k)).collect())
}

fn verify(v: &Verifier, token: &str, now: i64) -> Result<Value, CryptoError> {
    v.verify::<Value>(token, Some("at+jwt"), ISS, AUD, now)
}

fn rejection(r: Result<Value, CryptoError>) -> TokenRejection {
    match r {
        Err(CryptoError::InvalidToken(t)) => t,
        other => panic!("expected a token rejection, got {other:?}"),
    }
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[test]
fn round_trip_for_every_algorithm() {
    for alg in SigningAlg::ALL {
        let key = test_key(alg, 0);
        let v = Verifier::new(&ring_of(&[&key]), NOW).unwrap();
        let token = sign_jwt(&claims(NOW + 300), "at+jwt", &key).unwrap();
        assert_eq!(token.matches('.').count(), 2);
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            header,
            json!({"alg": alg.as_str(), "kid": key.kid(), "typ": "at+jwt"})
        );
        let got = verify(&v, &token, NOW).unwrap();
        assert_eq!(got["sub"], "client-1", "{alg}");
        // Array audience containing ours is accepted.
        let mut c = claims(NOW + 300);
        c["aud"] = json!(["other", AUD]);
        let token = sign_jwt(&c, "at+jwt", &key).unwrap();
        assert!(verify(&v, &token, NOW).is_ok());
    }
}

#[test]
fn unknown_kid_is_rejected() {
    let known = test_key(SigningAlg::ES256, 0);
    let unknown = test_key(SigningAlg::ES256, 0);
    let v = Verifier::new(&ring_of(&[&known]), NOW).unwrap();
    let token = sign_jwt(&claims(NOW + 300), "at+jwt", &unknown).unwrap();
    assert_eq!(
        rejection(verify(&v, &token, NOW)),
        TokenRejection::UnknownKid
    );
}

#[test]
fn tampered_payload_or_signature_is_rejected() {
    let key = test_key(SigningAlg::EdDSA, 0);
    let v = Verifier::new(&ring_of(&[&key]), NOW).unwrap();
    let token = sign_jwt(&claims(NOW + 300), "at+jwt", &key).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut c = claims(NOW + 300);
    c["sub"] = json!("admin");
    let forged = format!("{}.{}.{}", parts[0], b64(&c), parts[2]);
    assert_eq!(
        rejection(verify(&v, &forged, NOW)),
        TokenRejection::BadSignature
    );
    let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    sig[0] ^= 1;
    let forged = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(
        rejection(verify(&v, &forged, NOW)),
        TokenRejection::BadSignature
    );
    assert_eq!(rejection(verify(&v, "a.b", NOW)), TokenRejection::Malformed);
    assert_eq!(
        rejection(verify(&v, "a.b.c.d", NOW)),
        TokenRejection::Malformed
    );
}

#[test]
fn alg_none_and_algorithm_confusion_are_rejected() {
    let key = test_key(SigningAlg::ES256, 0);
    let v = Verifier::new(&ring_of(&[&key]), NOW).unwrap();
    let payload = b64(&claims(NOW + 300));
    for alg in ["none", "HS256", "RS256", "EdDSA"] {
        let header = b64(&json!({"alg": alg, "kid": key.kid(), "typ": "at+jwt"}));
        let token = format!("{header}.{payload}.");
        let r = rejection(verify(&v, &token, NOW));
        assert!(
            matches!(
                r,
                TokenRejection::Malformed | TokenRejection::AlgorithmMismatch
            ),
            "{alg}: {r:?}"
        );
    }
}

#[test]
fn time_issuer_audience_and_typ_are_checked_against_now() {
    let key = test_key(SigningAlg::ES256, 0);
    let v = Verifier::new(&ring_of(&[&key]), NOW).unwrap();
    let token = sign_jwt(&claims(NOW + 300), "at+jwt", &key).unwrap();
    assert!(verify(&v, &token, NOW + 299).is_ok());
    assert_eq!(
        rejection(verify(&v, &token, NOW + 300)),
        TokenRejection::Expired
    );
    // nbf = NOW, 30 s leeway.
    assert!(verify(&v, &token, NOW - 30).is_ok());
    assert_eq!(
        rejection(verify(&v, &token, NOW - 31)),
        TokenRejection::NotYetValid
    );
    assert_eq!(
        rejection(v.verify::<Value>(&token, None, "https://evil", AUD, NOW)),
        TokenRejection::WrongIssuer
    );
    assert_eq!(
        rejection(v.verify::<Value>(&token, None, ISS, "other", NOW)),
        TokenRejection::WrongAudience
    );
    assert_eq!(
        rejection(v.verify::<Value>(&token, Some("JWT"), ISS, AUD, NOW)),
        TokenRejection::WrongType
    );
    assert!(v.verify::<Value>(&token, None, ISS, AUD, NOW).is_ok());
    let id_token = sign_jwt(&claims(NOW + 300), "JWT", &key).unwrap();
    assert!(v
        .verify::<Value>(&id_token, Some("JWT"), ISS, AUD, NOW)
        .is_ok());
    assert_eq!(
        rejection(verify(&v, &id_token, NOW)),
        TokenRejection::WrongType
    );
    // No exp at all is refused.
    let mut c = claims(0);
    c.as_object_mut().unwrap().remove("exp");
    let token = sign_jwt(&c, "at+jwt", &key).unwrap();
    assert_eq!(rejection(verify(&v, &token, NOW)), TokenRejection::Expired);
}

#[test]
fn next_key_is_published_but_not_active_until_it_activates() {
    let old = test_key(SigningAlg::ES256, 0);
    let next = test_key(SigningAlg::ES256, NOW + 600);
    let ring = ring_of(&[&old, &next]);
    assert_eq!(
        ring.active(SigningAlg::ES256, NOW).unwrap().kid(),
        old.kid()
    );
    assert_eq!(ring.state_of(next.kid(), NOW), Some(KeyState::Next));
    let jwks = ring.jwks_json(NOW);
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&next.kid()) && kids.contains(&old.kid()));
    assert_eq!(ring.jwks(NOW).unwrap().keys().len(), 2);

    // After activation: the next key signs; the old one is retired yet still verifies.
    let later = NOW + 600;
    assert_eq!(
        ring.active(SigningAlg::ES256, later).unwrap().kid(),
        next.kid()
    );
    assert_eq!(ring.state_of(old.kid(), later), Some(KeyState::Retired));
    let v = Verifier::new(&ring, later).unwrap();
    let by_old = sign_jwt(&claims(later + 60), "at+jwt", &old).unwrap();
    assert!(verify(&v, &by_old, later).is_ok());

    // With a retention, a long-retired key leaves the JWKS.
    let ring = ring.with_retention(3600);
    assert_eq!(ring.published(later + 3600).len(), 2);
    assert_eq!(ring.published(later + 3601).len(), 1);
}

#[test]
fn jwks_has_kid_alg_and_use_for_every_key_type() {
    let keys: Vec<Arc<SigningKey>> = SigningAlg::ALL.iter().map(|&a| test_key(a, 0)).collect();
    let ring = KeyRing::new(keys.clone());
    let jwks = serde_json::to_value(ring.jwks(NOW).unwrap()).unwrap();
    assert_eq!(jwks, ring.jwks_json(NOW));
    for (jwk, key) in jwks["keys"].as_array().unwrap().iter().zip(&keys) {
        assert_eq!(jwk["kid"], key.kid());
        assert_eq!(jwk["alg"], key.alg().as_str());
        assert_eq!(jwk["use"], "sig");
        assert!(jwk.get("d").is_none());
    }
    let meta: &KeyMeta = keys[0].meta();
    assert_eq!(meta.kid, keys[0].public_jwk().thumbprint());
}

#[test]
fn a_critical_header_extension_is_refused() {
    let key = test_key(SigningAlg::ES256, 0);
    let v = Verifier::new(&ring_of(&[&key]), NOW).unwrap();
    let token = sign_jwt(&claims(NOW + 300), "at+jwt", &key).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let header = b64(&json!({"alg": "ES256", "kid": key.kid(), "typ": "at+jwt", "crit": ["exp"]}));
    let token = format!("{header}.{}.{}", parts[1], parts[2]);
    assert_eq!(
        rejection(verify(&v, &token, NOW)),
        TokenRejection::Malformed
    );
}
