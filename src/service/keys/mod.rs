//! The signing keys as the running server sees them: the key set (the key directory or the
//! database, [`KeySource`]) parsed once into a [`KeyRing`] (key pairs kept, never re-parsed per
//! token) and a [`Verifier`] built from it. A background task calls [`KeyCache::refresh`] so that
//! keys added by `keys rotate` on any node are published long before they start signing, and so
//! that automatic rotation (every `PORTCULLIS_KEY_ROTATION_DAYS`) starts on whichever node sees it
//! due first.

mod database;
mod source;

pub use database::DatabaseKeys;
pub use source::KeySource;

use crate::clock::UnixTime;
use crate::config::Config;
use crate::crypto::jwt::Verifier;
use crate::crypto::keys::{lifecycle, KeyInfo, KeyRing, SigningAlg, SigningKey};
use crate::crypto::master_key::MasterKey;
use crate::crypto::CryptoError;
use crate::store::{Store, StoreError};
use std::sync::{Arc, RwLock};

/// Errors of the key life cycle: the key material or files, or the database holding the keys.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<KeysError> for super::ServiceError {
    fn from(e: KeysError) -> Self {
        match e {
            KeysError::Crypto(e) => e.into(),
            KeysError::Store(e) => e.into(),
        }
    }
}

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
    source: KeySource,
    algs: Vec<SigningAlg>,
    /// Seconds between automatic rotations; 0 = by hand only.
    rotation_period: i64,
    loaded: RwLock<Loaded>,
}

impl KeyCache {
    /// Opens the configured key set, generating a key for every needed algorithm that has none.
    /// RS256 is always needed (ID tokens); the access-token algorithm may add another. A node that
    /// keeps keys in the database imports the key directory first if the database has none yet.
    pub fn open(
        config: &Config,
        store: &Store,
        master: Arc<MasterKey>,
        now: UnixTime,
    ) -> Result<KeyCache, KeysError> {
        let mut algs = vec![SigningAlg::RS256];
        if config.access_token_alg != SigningAlg::RS256 {
            algs.push(config.access_token_alg);
        }
        let source = KeySource::from_config(config, store, master);
        source.import_on_switch(&config.keys_dir, now)?;
        let ring = source
            .ensure_active(&algs, now)?
            .with_retention(RETIRED_KEY_RETENTION);
        Ok(KeyCache {
            source,
            algs,
            rotation_period: config.key_rotation_days.saturating_mul(lifecycle::DAY),
            loaded: RwLock::new(load(ring, now)?),
        })
    }

    /// Starts an automatic rotation if one is due, re-reads the key set (and makes sure every
    /// needed algorithm still has a key).
    pub fn refresh(&self, now: UnixTime) -> Result<(), KeysError> {
        self.refresh_reporting(now).map(drop)
    }

    /// [`KeyCache::refresh`], returning the next keys this call added (for the audit trail).
    pub fn refresh_reporting(&self, now: UnixTime) -> Result<Vec<KeyInfo>, KeysError> {
        let mut added = Vec::new();
        // Judged first on the keys this node holds (a key only becomes due with time, and one
        // another node added only makes it less due), so a tick with nothing due reads no key
        // set; the source checks again where it decides (lock or transaction).
        let cached = self.ring().metas();
        for &alg in &self.algs {
            if lifecycle::rotation_due(&cached, alg, now, self.rotation_period).is_none() {
                continue;
            }
            added.extend(self.source.rotate_if_due(
                alg,
                now,
                self.rotation_period,
                ROTATION_DELAY,
            )?);
        }
        let ring = self
            .source
            .ensure_active(&self.algs, now)?
            .with_retention(RETIRED_KEY_RETENTION);
        let fresh = load(ring, now)?;
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(added)
    }

    /// Seconds until the next automatic rotation of any algorithm this server signs with (zero or
    /// less: due); `None` when rotation is off or no key is active. Judged on the keys it holds.
    pub fn next_rotation_in(&self, now: UnixTime) -> Option<i64> {
        let metas = self.ring().metas();
        self.algs
            .iter()
            .filter_map(|&alg| lifecycle::rotation_due_in(&metas, alg, now, self.rotation_period))
            .min()
    }

    /// Removes keys retired long enough ago.
    pub fn purge(&self, now: UnixTime) -> Result<Vec<String>, KeysError> {
        self.source.purge(now, RETIRED_KEY_RETENTION)
    }

    /// Where the keys live (for the `keys` commands and tests).
    pub fn source(&self) -> &KeySource {
        &self.source
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
