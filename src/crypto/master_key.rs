//! The master key (SPEC §1.2): 256 random bits in a file of mode 0600 (`data/master.key` by default),
//! generated on first start, that seals what the server must store but never show in clear: upstream
//! client secrets (§12.1) and private signing keys kept in the database (§6.4). AES-256-GCM with a
//! random nonce; the `purpose` is the associated data, so a value sealed for one use cannot be
//! replayed as another.

use super::CryptoError;
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::path::Path;

const PREFIX: &str = "mk1.";

/// The loaded master key. Cheap to share behind an `Arc`.
pub struct MasterKey {
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

/// Why the master key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("master key file {path}: {reason}")]
    File { path: String, reason: String },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl MasterKey {
    /// Reads the key file, or creates it (and its directory) with a fresh key when it does not exist.
    /// Two processes starting at once both end up with the key that was written first.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, MasterKeyError> {
        let fail = |reason: String| MasterKeyError::File {
            path: path.display().to_string(),
            reason,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return MasterKey::from_text(&text).map_err(fail),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail(e.to_string())),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| CryptoError::Random)?;
        let text = format!("{}\n", URL_SAFE_NO_PAD.encode(bytes));
        match create_private(path, text.as_bytes()) {
            Ok(()) => MasterKey::from_text(&text).map_err(fail),
            // Another process won the race: use what it wrote.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
                MasterKey::from_text(&text).map_err(fail)
            }
            Err(e) => Err(fail(e.to_string())),
        }
    }

    /// A key from its file text: 32 bytes, base64url.
    pub fn from_text(text: &str) -> Result<MasterKey, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| "is not base64url".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!("holds {} bytes, 32 are needed", bytes.len()));
        }
        let unbound =
            UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| "unusable key".to_owned())?;
        Ok(MasterKey {
            key: LessSafeKey::new(unbound),
        })
    }

    /// Seals `plaintext` for `purpose` (e.g. `"idp-client-secret:{id}"`); the result is ASCII.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<String, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CryptoError::Random)?;
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(purpose.as_bytes()),
                &mut buf,
            )
            .map_err(|_| CryptoError::Signing)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// Opens what [`MasterKey::seal`] produced for the same `purpose`; `None` when the value was
    /// sealed under another key or purpose, or was altered.
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buf = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(purpose.as_bytes()), &mut buf)
            .ok()?;
        Some(plain.to_vec())
    }
}

/// Creates `path` with mode 0600; fails with `AlreadyExists` if it is there.
fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_writes_a_private_key_file_and_later_starts_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("master.key");
        let first = MasterKey::load_or_create(&path).unwrap();
        let sealed = first.seal("idp-client-secret:1", b"s3cret").unwrap();
        assert!(!sealed.contains("s3cret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(
            again.open("idp-client-secret:1", &sealed).unwrap(),
            b"s3cret"
        );
    }

    #[test]
    fn only_the_same_key_and_purpose_open_a_sealed_value() {
        let dir = tempfile::tempdir().unwrap();
        let a = MasterKey::load_or_create(&dir.path().join("a.key")).unwrap();
        let b = MasterKey::load_or_create(&dir.path().join("b.key")).unwrap();
        let sealed = a.seal("purpose-1", b"value").unwrap();
        assert!(a.open("purpose-2", &sealed).is_none());
        assert!(b.open("purpose-1", &sealed).is_none());
        let mut tampered = sealed.clone();
        let i = sealed.len() - 3;
        tampered.replace_range(i..i + 1, if &sealed[i..i + 1] == "A" { "B" } else { "A" });
        assert!(a.open("purpose-1", &tampered).is_none());
        assert!(a.open("purpose-1", "mk1.!!").is_none());
    }

    #[test]
    fn a_damaged_key_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, "short").unwrap();
        let err = MasterKey::load_or_create(&path).unwrap_err().to_string();
        assert!(err.contains("master.key"), "{err}");
    }
}
