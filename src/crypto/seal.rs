//! Sealing a short-lived value under a key derived from a bearer secret (ChaCha20-Poly1305 via
//! aws-lc-rs). Used to keep a refresh-token rotation's response for the retry window so that only the
//! holder of the old token can read it back: the database alone cannot.

use super::CryptoError;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use sha2::{Digest, Sha256};

const CONTEXT: &[u8] = b"portcullis seal v1\0";

fn key_for(secret: &str) -> Result<LessSafeKey, CryptoError> {
    let mut h = Sha256::new();
    h.update(CONTEXT);
    h.update(secret.as_bytes());
    let unbound =
        UnboundKey::new(&CHACHA20_POLY1305, &h.finalize()).map_err(|_| CryptoError::Signing)?;
    Ok(LessSafeKey::new(unbound))
}

/// Encrypts `plaintext` under a key derived from `secret`; returns nonce‖ciphertext, base64url.
pub fn seal(secret: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
    let key = key_for(secret)?;
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CryptoError::Random)?;
    let mut buf = plaintext.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
        .map_err(|_| CryptoError::Signing)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out))
}

/// Decrypts what [`seal`] produced with the same `secret`; `None` if anything does not match.
pub fn open(secret: &str, sealed: &str) -> Option<Vec<u8>> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sealed)
        .ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, rest) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = rest.to_vec();
    let plain = key_for(secret)
        .ok()?
        .open_in_place(nonce, Aad::empty(), &mut buf)
        .ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_secret_opens_it() {
        let sealed = seal("old-token", b"{\"access_token\":\"x\"}").unwrap();
        assert_eq!(
            open("old-token", &sealed).unwrap(),
            b"{\"access_token\":\"x\"}"
        );
        assert!(open("other-token", &sealed).is_none());
        let mut tampered = sealed.clone();
        tampered.replace_range(20..21, if &sealed[20..21] == "A" { "B" } else { "A" });
        assert!(open("old-token", &tampered).is_none());
        assert!(open("old-token", "!!").is_none());
    }
}
