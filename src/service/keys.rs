//! The signing keys as the running server sees them: the key directory parsed once into a
//! [`KeyRing`] (ring key pairs kept, never re-parsed per token) and a [`Verifier`] built from it.
//! A background task calls [`KeyCache::refresh`] so that keys added by `keys rotate` on any node
//! are published long before they start signing.

use crate::clock::UnixTime;
use crate::crypto::jwt::Verifier;
use crate::crypto::keys::{KeyRing, KeyStore, SigningAlg, SigningKey};
use crate::crypto::CryptoError;
use std::sync::{Arc, RwLock};

/// How long discovery and JWKS may be cached by relying parties (`Cache-Control: max-age`).
pub const JWKS_MAX_AGE: i64 = 300;
/// A rotated key starts signing this long after it was added: the JWKS cache lifetime plus the
/// time every node needs to notice the new key.
pub const ROTATION_DELAY: i64 = 2 * JWKS_MAX_AGE;
/// Retired keys stay published this long: longer than any token they signed lives.
pub const RETIRED_KEY_RETENTION: i64 = 2 * 3600;
/// How often a server re-reads the key directory.
pub const REFRESH_INTERVAL_SECS: u64 = 10;

struct Loaded {
    ring: Arc<KeyRing>,
    verifier: Arc<Verifier>,
    /// The JWKS document, serialised once per load: the published set only changes on reload.
    jwks: bytes::Bytes,
}

fn load(ring: KeyRing, now: UnixTime) -> Result<Loaded, CryptoError> {
    let verifier = Verifier::new(&ring, now)?;
    let jwks = serde_json::to_vec(&ring.jwks_json(now))?;
    Ok(Loaded {
        ring: Arc::new(ring),
        verifier: Arc::new(verifier),
        jwks: bytes::Bytes::from(jwks),
    })
}

/// Parsed keys shared by all requests.
pub struct KeyCache {
    store: KeyStore,
    algs: Vec<SigningAlg>,
    loaded: RwLock<Loaded>,
}

impl KeyCache {
    /// Opens the key directory, generating a key for every needed algorithm that has none.
    /// RS256 is always needed (ID tokens); `access_token_alg` may add another.
    pub fn open(
        dir: &std::path::Path,
        access_token_alg: SigningAlg,
        now: UnixTime,
    ) -> Result<KeyCache, CryptoError> {
        let mut algs = vec![SigningAlg::RS256];
        if access_token_alg != SigningAlg::RS256 {
            algs.push(access_token_alg);
        }
        let store = KeyStore::new(dir);
        let ring = store
            .ensure_active(&algs, now)?
            .with_retention(RETIRED_KEY_RETENTION);
        Ok(KeyCache {
            store,
            algs,
            loaded: RwLock::new(load(ring, now)?),
        })
    }

    /// Re-reads the directory (and makes sure every needed algorithm still has a key).
    pub fn refresh(&self, now: UnixTime) -> Result<(), CryptoError> {
        let ring = self
            .store
            .ensure_active(&self.algs, now)?
            .with_retention(RETIRED_KEY_RETENTION);
        let fresh = load(ring, now)?;
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(())
    }

    /// Removes keys retired long enough ago.
    pub fn purge(&self, now: UnixTime) -> Result<Vec<String>, CryptoError> {
        self.store.purge(now, RETIRED_KEY_RETENTION)
    }

    fn ring(&self) -> Arc<KeyRing> {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .ring
            .clone()
    }

    /// The key that signs with `alg` at `now`.
    pub fn active(&self, alg: SigningAlg, now: UnixTime) -> Option<Arc<SigningKey>> {
        self.ring().active(alg, now)
    }

    /// The verifier for every published key.
    pub fn verifier(&self) -> Arc<Verifier> {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .verifier
            .clone()
    }

    /// The serialised JWKS document.
    pub fn jwks_bytes(&self) -> bytes::Bytes {
        self.loaded
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .jwks
            .clone()
    }

    /// Key counts by state, for `/metrics`.
    pub fn infos(&self, now: UnixTime) -> Vec<crate::crypto::keys::KeyInfo> {
        self.ring().infos(now)
    }
}
