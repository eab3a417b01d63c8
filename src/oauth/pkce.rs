//! PKCE (RFC 7636): only `S256` is accepted; `plain` is refused (SPEC §4.3).

use super::{ErrorCode, OAuthError};
use base64::Engine;
use sha2::{Digest, Sha256};

/// Validates the challenge of an authorization request: 43 base64url characters, method S256.
pub fn validate_challenge(challenge: Option<&str>, method: Option<&str>) -> Result<(), OAuthError> {
    let Some(challenge) = challenge else {
        return Err(OAuthError::invalid_request(
            "code_challenge is required (PKCE with S256)",
        ));
    };
    match method {
        Some("S256") => {}
        None | Some("plain") => {
            return Err(OAuthError::invalid_request(
                "code_challenge_method must be S256; plain is not accepted",
            ))
        }
        Some(other) => {
            return Err(OAuthError::invalid_request(format!(
                "code_challenge_method '{other}' is not supported; use S256"
            )))
        }
    }
    let ok = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        return Err(OAuthError::invalid_request(
            "code_challenge must be the base64url SHA-256 of the verifier (43 characters)",
        ));
    }
    Ok(())
}

/// Checks a verifier against the stored S256 challenge (RFC 7636 §4.6).
pub fn verify(verifier: Option<&str>, challenge: &str) -> Result<(), OAuthError> {
    let Some(verifier) = verifier else {
        return Err(OAuthError::invalid_request("code_verifier is missing"));
    };
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return Err(OAuthError::invalid_request(
            "code_verifier must be 43 to 128 unreserved characters",
        ));
    }
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    if subtle::ConstantTimeEq::ct_eq(computed.as_bytes(), challenge.as_bytes()).into() {
        Ok(())
    } else {
        Err(OAuthError::new(
            ErrorCode::InvalidGrant,
            "code_verifier does not match the code_challenge",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(validate_challenge(Some(challenge), Some("S256")).is_ok());
        assert!(verify(Some(verifier), challenge).is_ok());
        assert_eq!(
            verify(Some(&verifier.replace('d', "e")), challenge)
                .unwrap_err()
                .code,
            ErrorCode::InvalidGrant
        );
        assert!(validate_challenge(Some(challenge), Some("plain")).is_err());
        assert!(validate_challenge(Some(challenge), None).is_err());
        assert!(validate_challenge(None, Some("S256")).is_err());
        assert!(verify(None, challenge).is_err());
    }
}
