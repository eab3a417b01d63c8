//! Where the key set lives (SPEC §6.4, `PORTCULLIS_KEYS_STORE`): the key directory (files under a
//! lock file, `crypto::keys::KeyStore`) or the database ([`DatabaseKeys`]). Both run the same life
//! cycle; the server, the `keys` commands and the tests use this one interface.

use super::{DatabaseKeys, KeysError};
use crate::clock::UnixTime;
use crate::config::{Config, KeysStore};
use crate::crypto::keys::{KeyInfo, KeyRing, KeyStore, SigningAlg};
use crate::crypto::master_key::MasterKey;
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;

/// The configured key set.
pub enum KeySource {
    Dir(KeyStore),
    Database(DatabaseKeys),
}

impl KeySource {
    pub fn from_config(config: &Config, store: &Store, master: Arc<MasterKey>) -> KeySource {
        match config.keys_store {
            KeysStore::Dir => KeySource::Dir(KeyStore::new(&config.keys_dir)),
            KeysStore::Database => KeySource::Database(DatabaseKeys::new(store.clone(), master)),
        }
    }

    /// A node switching to the database store imports the key directory once: when the database
    /// holds no key yet and the directory has some. Returns what was imported.
    pub fn import_on_switch(&self, dir: &Path, now: UnixTime) -> Result<Vec<KeyInfo>, KeysError> {
        match self {
            KeySource::Database(db) if dir.is_dir() && db.is_empty()? => {
                db.import(&KeyStore::new(dir), now)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// `keys import`: copies the keys of `dir` the database lacks (idempotent).
    pub fn import(&self, dir: &Path, now: UnixTime) -> Result<Vec<KeyInfo>, KeysError> {
        match self {
            KeySource::Database(db) => db.import(&KeyStore::new(dir), now),
            KeySource::Dir(_) => Ok(Vec::new()),
        }
    }

    pub fn load(&self) -> Result<KeyRing, KeysError> {
        match self {
            KeySource::Dir(d) => Ok(d.load()?),
            KeySource::Database(db) => db.load(),
        }
    }

    pub fn ensure_active(&self, algs: &[SigningAlg], now: UnixTime) -> Result<KeyRing, KeysError> {
        match self {
            KeySource::Dir(d) => Ok(d.ensure_active(algs, now)?),
            KeySource::Database(db) => db.ensure_active(algs, now),
        }
    }

    pub fn rotate(&self, alg: SigningAlg, now: UnixTime, delay: i64) -> Result<KeyInfo, KeysError> {
        match self {
            KeySource::Dir(d) => Ok(d.rotate(alg, now, delay)?),
            KeySource::Database(db) => db.rotate(alg, now, delay),
        }
    }

    /// Automatic rotation; `Some` only on the call (of all nodes) that added the next key.
    pub fn rotate_if_due(
        &self,
        alg: SigningAlg,
        now: UnixTime,
        period: i64,
        delay: i64,
    ) -> Result<Option<KeyInfo>, KeysError> {
        match self {
            KeySource::Dir(d) => Ok(d.rotate_if_due(alg, now, period, delay)?),
            KeySource::Database(db) => db.rotate_if_due(alg, now, period, delay),
        }
    }

    pub fn retire(&self, kid: &str, now: UnixTime) -> Result<Option<String>, KeysError> {
        match self {
            KeySource::Dir(d) => Ok(d.retire(kid, now)?),
            KeySource::Database(db) => db.retire(kid, now),
        }
    }

    pub fn purge(&self, now: UnixTime, keep_for: i64) -> Result<Vec<String>, KeysError> {
        match self {
            KeySource::Dir(d) => Ok(d.purge(now, keep_for)?),
            KeySource::Database(db) => db.purge(now, keep_for),
        }
    }

    /// `keys list`.
    pub fn list(&self, now: UnixTime) -> Result<Vec<KeyInfo>, KeysError> {
        Ok(self.load()?.infos(now))
    }
}
