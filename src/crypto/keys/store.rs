//! The key directory (SPEC §6.4): `<kid>.pem` (PKCS#8, mode 0600) + `<kid>.json` ([`KeyMeta`]) per
//! key, shared by every node and by the `keys` commands.
//!
//! Contract: every change (generate, rotate, retire, purge) runs under an exclusive `.lock` file in
//! the directory, re-reads the directory inside the lock, and writes files atomically (temporary
//! file, fsync, rename), so concurrent processes never generate two keys for one need nor expose a
//! half-written file. A key appears when its `.json` is renamed into place (the `.pem` is written
//! first) and disappears when its `.json` is removed. Other files (README, .gitignore, dot-files)
//! are ignored.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::keyring::{KeyInfo, KeyRing, KeyState};
use super::lifecycle;
use super::{pkcs8_der_to_pem, KeyMeta, SigningAlg, SigningKey};
use crate::clock::UnixTime;
use crate::crypto::CryptoError;

const LOCK_FILE: &str = ".lock";
const LOCK_WAIT: Duration = Duration::from_secs(10);
const LOCK_STALE_AFTER: Duration = Duration::from_secs(60);
const LOCK_RETRY: Duration = Duration::from_millis(50);

/// Reads every key pair of `dir`, skipping (with a warning) pairs that do not load.
pub(super) fn read_key_dir(dir: &Path) -> Result<Vec<(SigningKey, PathBuf)>, CryptoError> {
    let entries =
        fs::read_dir(dir).map_err(|e| CryptoError::io("reading key directory", dir, e))?;
    let mut keys = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| CryptoError::io("reading key directory", dir, e))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(kid) = name.strip_suffix(".json") else {
            continue;
        };
        if kid.starts_with('.') {
            continue;
        }
        match read_pair(dir, kid) {
            Ok(key) => keys.push((key, path)),
            Err(err) => tracing::warn!(kid, error = %err, "skipping unloadable signing key"),
        }
    }
    // Directory order is arbitrary; keep the ring deterministic.
    keys.sort_by(|a, b| a.0.kid().cmp(b.0.kid()));
    Ok(keys)
}

fn read_pair(dir: &Path, kid: &str) -> Result<SigningKey, CryptoError> {
    let json_path = dir.join(format!("{kid}.json"));
    let json = fs::read(&json_path).map_err(|e| CryptoError::io("reading", &json_path, e))?;
    let meta: KeyMeta = serde_json::from_slice(&json)?;
    if meta.kid != kid {
        return Err(CryptoError::InvalidKey(format!(
            "{} names kid {}",
            json_path.display(),
            meta.kid
        )));
    }
    let pem_path = dir.join(format!("{kid}.pem"));
    let pem =
        fs::read_to_string(&pem_path).map_err(|e| CryptoError::io("reading", &pem_path, e))?;
    SigningKey::from_pem(&pem, meta)
}

/// The key directory and the operations of the key life cycle.
#[derive(Clone, Debug)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        KeyStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads the keys (see [`KeyRing::load`]).
    pub fn load(&self) -> Result<KeyRing, CryptoError> {
        KeyRing::load(&self.dir)
    }

    /// At start: makes sure each of `algs` has an active or next key, generating an immediately
    /// active one where neither exists. Creates the directory if missing. Returns the loaded ring.
    pub fn ensure_active(
        &self,
        algs: &[SigningAlg],
        now: UnixTime,
    ) -> Result<KeyRing, CryptoError> {
        // Deduplicated: the access-token algorithm is often RS256 too.
        let uncovered = |ring: &KeyRing| lifecycle::uncovered(&ring.metas(), algs, now);
        // Fast path without the lock: the usual start, and the only one on a read-only directory.
        if self.dir.is_dir() {
            let ring = self.load()?;
            if uncovered(&ring).is_empty() {
                return Ok(ring);
            }
        }
        fs::create_dir_all(&self.dir)
            .map_err(|e| CryptoError::io("creating key directory", &self.dir, e))?;
        let _lock = DirLock::acquire(&self.dir)?;
        // Re-read inside the lock: another process may have generated the keys meanwhile.
        let ring = self.load()?;
        let missing = uncovered(&ring);
        for &alg in &missing {
            let (key, der) = SigningKey::generate(alg, now, now)?;
            self.write_new_key(&key, &der)?;
            tracing::info!(kid = key.kid(), alg = %alg, "generated signing key");
        }
        if !missing.is_empty() {
            self.load()
        } else {
            Ok(ring)
        }
    }

    /// `keys rotate`: adds a *next* key of `alg` that becomes active at `now + delay`, where `delay`
    /// is the JWKS cache lifetime, so relying parties see the key before it signs.
    pub fn rotate(
        &self,
        alg: SigningAlg,
        now: UnixTime,
        delay: i64,
    ) -> Result<KeyInfo, CryptoError> {
        fs::create_dir_all(&self.dir)
            .map_err(|e| CryptoError::io("creating key directory", &self.dir, e))?;
        let _lock = DirLock::acquire(&self.dir)?;
        let activates_at = now.saturating_add(delay.max(0));
        let (key, der) = SigningKey::generate(alg, now, activates_at)?;
        self.write_new_key(&key, &der)?;
        tracing::info!(kid = key.kid(), alg = %alg, activates_at, "added next signing key");
        let m = key.meta();
        Ok(KeyInfo {
            kid: m.kid.clone(),
            alg,
            state: if activates_at > now {
                KeyState::Next
            } else {
                KeyState::Active
            },
            created_at: m.created_at,
            activates_at,
            retired_at: None,
        })
    }

    /// `keys retire KID`: the key stops signing at `now` and stays published until purged.
    /// Retiring the active key needs a next key of the same algorithm, which is then promoted
    /// (activates at `now`: an emergency rotation); returns the promoted kid, if any.
    pub fn retire(&self, kid: &str, now: UnixTime) -> Result<Option<String>, CryptoError> {
        let _lock = DirLock::acquire(&self.dir)?;
        let plan = lifecycle::plan_retire(&self.load()?.metas(), kid, now)?;
        for meta in &plan.writes {
            self.write_meta(meta)?;
        }
        if let Some(p) = &plan.promoted {
            tracing::warn!(kid = p, "promoted next signing key (emergency rotation)");
        }
        if !plan.writes.is_empty() {
            tracing::info!(kid, "retired signing key");
        }
        Ok(plan.promoted)
    }

    /// Automatic rotation (SPEC §6.4): when [`lifecycle::rotation_due`] for `alg` (the active key
    /// has signed for `period` seconds and no next key exists), adds a *next* key activating at
    /// `now + delay`. Decided again inside the directory lock, so of several nodes trying at once
    /// exactly one adds a key; the others find it there. Returns the added key, if this call added it.
    pub fn rotate_if_due(
        &self,
        alg: SigningAlg,
        now: UnixTime,
        period: i64,
        delay: i64,
    ) -> Result<Option<KeyInfo>, CryptoError> {
        let _lock = DirLock::acquire(&self.dir)?;
        if lifecycle::rotation_due(&self.load()?.metas(), alg, now, period).is_none() {
            return Ok(None);
        }
        let activates_at = now.saturating_add(delay.max(0));
        let (key, der) = SigningKey::generate(alg, now, activates_at)?;
        self.write_new_key(&key, &der)?;
        tracing::info!(kid = key.kid(), alg = %alg, activates_at, "automatic rotation: added next signing key");
        Ok(Some(KeyInfo {
            kid: key.kid().to_owned(),
            alg,
            state: KeyState::Next,
            created_at: now,
            activates_at,
            retired_at: None,
        }))
    }

    /// The PKCS#8 PEM of `kid` (for importing the directory into the database).
    pub fn private_pem(&self, kid: &str) -> Result<String, CryptoError> {
        let path = self.dir.join(format!("{kid}.pem"));
        fs::read_to_string(&path).map_err(|e| CryptoError::io("reading", &path, e))
    }

    /// Deletes the files of keys retired for longer than `keep_for` seconds (the longest token
    /// lifetime), so no unexpired token refers to them. Never touches active or next keys. Returns
    /// the purged kids.
    pub fn purge(&self, now: UnixTime, keep_for: i64) -> Result<Vec<String>, CryptoError> {
        let _lock = DirLock::acquire(&self.dir)?;
        let purged = lifecycle::purgeable(&self.load()?.metas(), now, keep_for);
        for kid in &purged {
            // JSON first: from then on the key no longer exists for any reader.
            for ext in ["json", "pem"] {
                let path = self.dir.join(format!("{kid}.{ext}"));
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(CryptoError::io("removing", path, e)),
                }
            }
            tracing::info!(kid, "purged retired signing key");
        }
        if !purged.is_empty() {
            sync_dir(&self.dir)?;
        }
        Ok(purged)
    }

    /// `keys list`.
    pub fn list(&self, now: UnixTime) -> Result<Vec<KeyInfo>, CryptoError> {
        Ok(self.load()?.infos(now))
    }

    fn write_new_key(&self, key: &SigningKey, der: &[u8]) -> Result<(), CryptoError> {
        let pem = pkcs8_der_to_pem(der);
        let pem_path = self.dir.join(format!("{}.pem", key.kid()));
        write_atomically(&pem_path, pem.as_bytes(), true)?;
        self.write_meta(key.meta())
    }

    fn write_meta(&self, meta: &KeyMeta) -> Result<(), CryptoError> {
        let mut json = serde_json::to_vec_pretty(meta)?;
        json.push(b'\n');
        write_atomically(&self.dir.join(format!("{}.json", meta.kid)), &json, false)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory (mode 0600 from
/// creation when `private`), fsyncs it, renames it over `path` and fsyncs the directory.
fn write_atomically(path: &Path, bytes: &[u8], private: bool) -> Result<(), CryptoError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let result = (|| {
        let mut file = options
            .open(&tmp)
            .map_err(|e| CryptoError::io("creating", &tmp, e))?;
        #[cfg(unix)]
        if private {
            // `mode` does not apply to a pre-existing temporary file; make sure before writing.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(|e| CryptoError::io("setting permissions of", &tmp, e))?;
        }
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| CryptoError::io("writing", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| CryptoError::io("renaming into", path, e))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), CryptoError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| CryptoError::io("syncing", dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// An exclusive lock on the key directory: the `.lock` file exists while held, removed on drop.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    fn acquire(dir: &Path) -> Result<Self, CryptoError> {
        let path = dir.join(LOCK_FILE);
        let started = Instant::now();
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    // For humans inspecting a stuck lock; failing to write it is harmless.
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(DirLock { path });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    if lock_is_stale(&path) {
                        tracing::warn!(path = %path.display(), "breaking stale key directory lock");
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if started.elapsed() >= LOCK_WAIT {
                        return Err(CryptoError::LockTimeout(path));
                    }
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(e) => return Err(CryptoError::io("creating lock file", &path, e)),
            }
        }
    }
}

/// Whether the lock file was last modified more than 60 s ago (its holder has most likely crashed).
/// CAUTION: this compares a file time with the operating system clock on purpose: it is about the
/// file's real age, not protocol time, so it must not use the (possibly fixed) application clock.
/// Two processes breaking the same stale lock at once could both proceed; that needs a crash and
/// a simultaneous start, and at worst generates one extra key.
fn lock_is_stale(path: &Path) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > LOCK_STALE_AFTER)
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
