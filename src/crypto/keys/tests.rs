use super::*;
use std::sync::{Arc, OnceLock};

/// One RSA key generation shared by all tests of the crypto module (it is the slow one).
pub(crate) fn shared_rsa_der() -> &'static [u8] {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    DER.get_or_init(|| generate_pkcs8_der(SigningAlg::RS256).unwrap())
}

/// A key of `alg` (the shared one for RS256) with the given activation time.
pub(crate) fn test_key(alg: SigningAlg, activates_at: UnixTime) -> Arc<SigningKey> {
    let der = match alg {
        SigningAlg::RS256 => shared_rsa_der().to_vec(),
        _ => generate_pkcs8_der(alg).unwrap(),
    };
    let (_, public) = parse_pkcs8(&der, alg).unwrap();
    let meta = KeyMeta {
        kid: public.thumbprint(),
        alg,
        created_at: activates_at,
        activates_at,
        retired_at: None,
    };
    Arc::new(SigningKey::from_pkcs8_der(&der, meta).unwrap())
}

#[test]
fn rfc7638_example_thumbprint() {
    let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    assert_eq!(
        thumbprint_rsa(n, "AQAB"),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
}

#[test]
fn alg_names_parse_case_sensitively_and_serialize_as_jose_names() {
    for alg in SigningAlg::ALL {
        assert_eq!(alg.as_str().parse::<SigningAlg>().unwrap(), alg);
        assert_eq!(
            serde_json::to_string(&alg).unwrap(),
            format!("\"{}\"", alg.as_str())
        );
    }
    assert!("rs256".parse::<SigningAlg>().is_err());
    assert!("EDDSA".parse::<SigningAlg>().is_err());
    assert!("none".parse::<SigningAlg>().is_err());
}

#[test]
fn pem_round_trip_and_kid_check() {
    for alg in SigningAlg::ALL {
        let key = test_key(alg, 0);
        let der = match alg {
            SigningAlg::RS256 => shared_rsa_der().to_vec(),
            _ => generate_pkcs8_der(alg).unwrap(),
        };
        let pem = pkcs8_der_to_pem(&der);
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(pem_to_pkcs8_der(&pem).unwrap(), der);
        // A wrong kid is refused.
        let mut meta = key.meta().clone();
        meta.kid = "not-the-thumbprint".into();
        assert!(matches!(
            SigningKey::from_pem(&pem, meta),
            Err(CryptoError::InvalidKey(_))
        ));
    }
    assert!(pem_to_pkcs8_der(
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"
    )
    .is_err());
}

#[test]
fn key_of_one_alg_does_not_parse_as_another() {
    let der = generate_pkcs8_der(SigningAlg::ES256).unwrap();
    assert!(parse_pkcs8(&der, SigningAlg::EdDSA).is_err());
    assert!(parse_pkcs8(&der, SigningAlg::RS256).is_err());
}

#[test]
fn signatures_verify_with_the_published_public_key() {
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ED25519};
    let msg = b"header.payload";
    for alg in SigningAlg::ALL {
        let key = test_key(alg, 0);
        let sig = key.sign(msg).unwrap();
        assert_eq!(sig.len(), key.signature_len());
        let d = |s: &str| URL_SAFE_NO_PAD.decode(s).unwrap();
        let ok = match key.public_jwk() {
            PublicJwk::Rsa { n, e } => ring::signature::RsaPublicKeyComponents { n: d(n), e: d(e) }
                .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, msg, &sig)
                .is_ok(),
            PublicJwk::Ec { x, y } => {
                let mut point = vec![4u8];
                point.extend(d(x));
                point.extend(d(y));
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, &sig)
                    .is_ok()
            }
            PublicJwk::Okp { x } => UnparsedPublicKey::new(&ED25519, d(x))
                .verify(msg, &sig)
                .is_ok(),
        };
        assert!(ok, "{alg} signature does not verify");
        assert_eq!(key.jwk_json()["kid"], key.kid());
        assert_eq!(key.jwk_json()["alg"], alg.as_str());
        assert_eq!(key.jwk_json()["use"], "sig");
        assert!(!format!("{key:?}").contains("BEGIN"));
    }
}
