//! The key set kept in the database (`PORTCULLIS_KEYS_STORE=database`, SPEC §6.4): the same life
//! cycle as the key directory (decided by `crypto::keys::lifecycle`), persisted by
//! `store::signing_keys`, private keys sealed with the master key under the purpose
//! `signing-key:{kid}`, so nodes need only the database URL and the master key.
//!
//! Contract: a key is generated outside any transaction (RSA generation is slow and would hold
//! SQLite's write lock) and then inserted in one statement; the store's unique index on the key it
//! follows makes that insert the one place where concurrent nodes are decided, so exactly one
//! first key per algorithm and exactly one successor per rotation result.

use super::KeysError;
use crate::clock::UnixTime;
use crate::crypto::keys::{lifecycle, pkcs8_der_to_pem};
use crate::crypto::keys::{KeyInfo, KeyMeta, KeyRing, KeyState, KeyStore, SigningAlg, SigningKey};
use crate::crypto::master_key::MasterKey;
use crate::store::signing_keys::{self, StoredKey};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn purpose(kid: &str) -> String {
    format!("signing-key:{kid}")
}

/// The database key store of one node.
pub struct DatabaseKeys {
    store: Store,
    master: Arc<MasterKey>,
    /// Keys already opened and parsed, by kid: a reload re-parses only new or changed keys.
    parsed: Mutex<HashMap<String, Arc<SigningKey>>>,
}

fn meta_of(row: &StoredKey) -> Option<KeyMeta> {
    Some(KeyMeta {
        kid: row.kid.clone(),
        alg: row.alg.parse().ok()?,
        created_at: row.created_at,
        activates_at: row.activates_at,
        retired_at: row.retired_at,
    })
}

fn info_of(meta: &KeyMeta, state: KeyState) -> KeyInfo {
    KeyInfo {
        kid: meta.kid.clone(),
        alg: meta.alg,
        state,
        created_at: meta.created_at,
        activates_at: meta.activates_at,
        retired_at: meta.retired_at,
    }
}

impl DatabaseKeys {
    pub fn new(store: Store, master: Arc<MasterKey>) -> Self {
        DatabaseKeys {
            store,
            master,
            parsed: Mutex::new(HashMap::new()),
        }
    }

    fn rows(&self) -> Result<Vec<StoredKey>, KeysError> {
        self.store.read(|c| Ok(signing_keys::list(c)?))
    }

    fn metas(&self) -> Result<Vec<KeyMeta>, KeysError> {
        Ok(self.rows()?.iter().filter_map(meta_of).collect())
    }

    /// Every stored key, opened and parsed. A key that does not open (another master key, an
    /// unknown algorithm, a damaged row) is skipped with a warning, as a broken key file is.
    pub fn load(&self) -> Result<KeyRing, KeysError> {
        let rows = self.rows()?;
        let mut parsed = self.parsed.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys = Vec::with_capacity(rows.len());
        let mut fresh = HashMap::with_capacity(rows.len());
        for row in &rows {
            let Some(meta) = meta_of(row) else {
                tracing::warn!(
                    kid = row.kid,
                    alg = row.alg,
                    "skipping key of unknown algorithm"
                );
                continue;
            };
            let key = match parsed.get(&row.kid) {
                Some(k) if *k.meta() == meta => Arc::clone(k),
                _ => match self.open(row, meta) {
                    Ok(k) => Arc::new(k),
                    Err(e) => {
                        tracing::warn!(kid = row.kid, error = %e, "skipping unloadable signing key");
                        continue;
                    }
                },
            };
            fresh.insert(row.kid.clone(), Arc::clone(&key));
            keys.push(key);
        }
        *parsed = fresh;
        Ok(KeyRing::new(keys))
    }

    fn open(&self, row: &StoredKey, meta: KeyMeta) -> Result<SigningKey, KeysError> {
        let pem = self
            .master
            .open(&purpose(&row.kid), &row.sealed_private_key)
            .ok_or_else(|| {
                crate::crypto::CryptoError::InvalidKey(
                    "the private key does not open with this master key".to_owned(),
                )
            })?;
        let pem = String::from_utf8(pem).map_err(|_| {
            crate::crypto::CryptoError::InvalidKey("the private key is not PEM".to_owned())
        })?;
        Ok(SigningKey::from_pem(&pem, meta)?)
    }

    /// Seals and inserts a key; returns whether it was added (see `store::signing_keys::insert`).
    fn add(&self, meta: &KeyMeta, pem: &str, succeeds: Option<String>) -> Result<bool, KeysError> {
        let row = StoredKey {
            kid: meta.kid.clone(),
            alg: meta.alg.as_str().to_owned(),
            sealed_private_key: self.master.seal(&purpose(&meta.kid), pem.as_bytes())?,
            created_at: meta.created_at,
            activates_at: meta.activates_at,
            retired_at: meta.retired_at,
            succeeds,
        };
        self.store.write(|c| Ok(signing_keys::insert(c, &row)?))
    }

    fn generate_and_add(
        &self,
        alg: SigningAlg,
        now: UnixTime,
        activates_at: UnixTime,
        succeeds: Option<String>,
    ) -> Result<Option<KeyMeta>, KeysError> {
        let (key, der) = SigningKey::generate(alg, now, activates_at)?;
        let added = self.add(key.meta(), &pkcs8_der_to_pem(&der), succeeds)?;
        Ok(added.then(|| key.meta().clone()))
    }

    /// At start and on every refresh: a first, immediately active key for each of `algs` that has
    /// neither an active nor a next key (exactly one, whichever node gets there first).
    pub fn ensure_active(&self, algs: &[SigningAlg], now: UnixTime) -> Result<KeyRing, KeysError> {
        let metas = self.metas()?;
        for alg in lifecycle::uncovered(&metas, algs, now) {
            let follows = lifecycle::latest_kid(&metas, alg);
            if let Some(m) = self.generate_and_add(alg, now, now, Some(follows))? {
                tracing::info!(kid = m.kid, alg = %alg, "generated signing key in the database");
            }
        }
        self.load()
    }

    /// `keys rotate`: a next key that activates at `now + delay`.
    pub fn rotate(&self, alg: SigningAlg, now: UnixTime, delay: i64) -> Result<KeyInfo, KeysError> {
        let activates_at = now.saturating_add(delay.max(0));
        let meta = self
            .generate_and_add(alg, now, activates_at, None)?
            .ok_or_else(|| KeysError::Store(crate::store::StoreError::Conflict))?;
        tracing::info!(kid = meta.kid, alg = %alg, activates_at, "added next signing key");
        let state = if activates_at > now {
            KeyState::Next
        } else {
            KeyState::Active
        };
        Ok(info_of(&meta, state))
    }

    /// Automatic rotation: a next key following the active one, if due; `None` when not due or when
    /// another node's key won the insert.
    pub fn rotate_if_due(
        &self,
        alg: SigningAlg,
        now: UnixTime,
        period: i64,
        delay: i64,
    ) -> Result<Option<KeyInfo>, KeysError> {
        let Some(active) = lifecycle::rotation_due(&self.metas()?, alg, now, period) else {
            return Ok(None);
        };
        let activates_at = now.saturating_add(delay.max(0));
        let added = self.generate_and_add(alg, now, activates_at, Some(active))?;
        if let Some(m) = &added {
            tracing::info!(kid = m.kid, alg = %alg, activates_at, "automatic rotation: added next signing key");
        }
        Ok(added.map(|m| info_of(&m, KeyState::Next)))
    }

    /// `keys retire KID`, in one transaction.
    pub fn retire(&self, kid: &str, now: UnixTime) -> Result<Option<String>, KeysError> {
        self.store.write(|c| {
            let metas: Vec<KeyMeta> = signing_keys::list(c)?.iter().filter_map(meta_of).collect();
            let plan = lifecycle::plan_retire(&metas, kid, now)?;
            for m in &plan.writes {
                signing_keys::set_activates_at(c, &m.kid, m.activates_at)?;
                if let Some(at) = m.retired_at {
                    signing_keys::set_retired_at(c, &m.kid, at)?;
                }
            }
            Ok(plan.promoted)
        })
    }

    /// Deletes keys retired for longer than `keep_for` seconds, in one transaction; returns the
    /// kids this call deleted (not those another node purged first, so each purge is audited once).
    pub fn purge(&self, now: UnixTime, keep_for: i64) -> Result<Vec<String>, KeysError> {
        self.store.write(|c| {
            let metas: Vec<KeyMeta> = signing_keys::list(c)?.iter().filter_map(meta_of).collect();
            let mut purged = Vec::new();
            for kid in lifecycle::purgeable(&metas, now, keep_for) {
                if signing_keys::delete(c, &kid)? {
                    tracing::info!(kid, "purged retired signing key");
                    purged.push(kid);
                }
            }
            Ok::<_, KeysError>(purged)
        })
    }

    /// Copies the keys of a key directory that the database does not hold yet (by kid, with their
    /// states), so that switching stores keeps every published key. Idempotent; returns what it
    /// imported.
    pub fn import(&self, dir: &KeyStore, now: UnixTime) -> Result<Vec<KeyInfo>, KeysError> {
        let ring = dir.load()?;
        let mut imported = Vec::new();
        for key in ring.keys() {
            let pem = dir.private_pem(key.kid())?;
            if self.add(key.meta(), &pem, None)? {
                let state = ring.state_of(key.kid(), now).unwrap_or(KeyState::Retired);
                tracing::info!(kid = key.kid(), alg = %key.alg(), ?state, "imported signing key from the key directory");
                imported.push(info_of(key.meta(), state));
            }
        }
        Ok(imported)
    }

    /// Whether the database holds no key yet (a node switching stores imports the directory then).
    pub fn is_empty(&self) -> Result<bool, KeysError> {
        Ok(self
            .store
            .read(|c| Ok::<_, KeysError>(signing_keys::count(c)?))?
            == 0)
    }
}
