use super::*;

const T0: i64 = 1_700_000_000;
const ES: SigningAlg = SigningAlg::ES256;

fn store() -> (tempfile::TempDir, KeyStore) {
    let tmp = tempfile::tempdir().unwrap();
    let store = KeyStore::new(tmp.path().join("keys"));
    (tmp, store)
}

fn state(store: &KeyStore, kid: &str, now: i64) -> Option<KeyState> {
    store.load().unwrap().state_of(kid, now)
}

#[test]
fn ensure_active_generates_once_with_private_files() {
    let (_tmp, store) = store();
    let ring = store
        .ensure_active(&[SigningAlg::RS256, ES, SigningAlg::EdDSA], T0)
        .unwrap();
    assert_eq!(ring.keys().len(), 3);
    for alg in SigningAlg::ALL {
        let key = ring.active(alg, T0).unwrap();
        assert_eq!(key.kid(), key.public_jwk().thumbprint());
        let pem = fs::read_to_string(store.dir().join(format!("{}.pem", key.kid()))).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = store.dir().join(format!("{}.pem", key.kid()));
            let mode = fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let json: serde_json::Value = serde_json::from_slice(
            &fs::read(store.dir().join(format!("{}.json", key.kid()))).unwrap(),
        )
        .unwrap();
        assert_eq!(json["retired_at"], serde_json::Value::Null);
        assert_eq!(json["alg"], alg.as_str());
    }
    let again = store
        .ensure_active(&[SigningAlg::RS256, ES, SigningAlg::EdDSA], T0 + 10)
        .unwrap();
    assert_eq!(again.keys().len(), 3, "nothing generated the second time");
    assert!(!store.dir().join(LOCK_FILE).exists(), "lock released");
}

#[test]
fn broken_files_are_skipped_and_others_ignored() {
    let (_tmp, store) = store();
    let ring = store.ensure_active(&[ES, ES], T0).unwrap();
    assert_eq!(ring.keys().len(), 1);
    let kid = ring.active(ES, T0).unwrap().kid().to_owned();
    fs::write(store.dir().join("README.md"), "keys live here").unwrap();
    fs::write(store.dir().join("bogus.json"), "{not json").unwrap();
    fs::write(
        store.dir().join("orphan.json"),
        r#"{"kid":"orphan","alg":"ES256","created_at":0,"activates_at":0,"retired_at":null}"#,
    )
    .unwrap();
    let ring = store.load().unwrap();
    assert_eq!(ring.keys().len(), 1);
    assert_eq!(ring.keys()[0].kid(), kid);
    assert!(KeyRing::load(&store.dir().join("missing")).is_err());
}

#[test]
fn rotate_then_time_passing_activates_the_next_key() {
    let (_tmp, store) = store();
    let old = store
        .ensure_active(&[ES], T0)
        .unwrap()
        .active(ES, T0)
        .unwrap();
    let next = store.rotate(ES, T0, 600).unwrap();
    assert_eq!(next.state, KeyState::Next);
    assert_eq!(next.activates_at, T0 + 600);
    // Before activation, a second ensure_active generates nothing (duplicates asked for once).
    assert_eq!(
        store.ensure_active(&[ES, ES], T0 + 1).unwrap().keys().len(),
        2
    );
    let ring = store.load().unwrap();
    assert_eq!(ring.active(ES, T0 + 599).unwrap().kid(), old.kid());
    assert_eq!(ring.active(ES, T0 + 600).unwrap().kid(), next.kid);
    assert_eq!(ring.state_of(old.kid(), T0 + 600), Some(KeyState::Retired));
    assert_eq!(ring.published(T0 + 600).len(), 2);
    let list = store.list(T0 + 600).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].kid, next.kid);
    assert_eq!(list[1].state, KeyState::Active);
}

#[test]
fn retire_rules() {
    let (_tmp, store) = store();
    let active = store
        .ensure_active(&[ES], T0)
        .unwrap()
        .active(ES, T0)
        .unwrap();
    assert!(matches!(
        store.retire("no-such-kid", T0),
        Err(CryptoError::UnknownKid(_))
    ));
    // The only active key without a next key cannot be retired.
    let err = store.retire(active.kid(), T0).unwrap_err();
    assert!(matches!(err, CryptoError::OnlyActiveKey { .. }));
    assert!(err.to_string().contains("keys rotate"));
    assert_eq!(state(&store, active.kid(), T0), Some(KeyState::Active));
    // With a next key: emergency rotation promotes it now.
    let next = store.rotate(ES, T0, 3600).unwrap();
    let promoted = store.retire(active.kid(), T0 + 5).unwrap();
    assert_eq!(promoted.as_deref(), Some(next.kid.as_str()));
    let ring = store.load().unwrap();
    assert_eq!(ring.active(ES, T0 + 5).unwrap().kid(), next.kid);
    assert_eq!(ring.state_of(active.kid(), T0 + 5), Some(KeyState::Retired));
    assert_eq!(
        ring.by_kid(active.kid()).unwrap().meta().retired_at,
        Some(T0 + 5)
    );
    // Retiring again changes nothing.
    assert_eq!(store.retire(active.kid(), T0 + 50).unwrap(), None);
    assert_eq!(
        store
            .load()
            .unwrap()
            .by_kid(active.kid())
            .unwrap()
            .meta()
            .retired_at,
        Some(T0 + 5)
    );
    // A next key can be retired (cancelling a rotation).
    let extra = store.rotate(ES, T0 + 10, 3600).unwrap();
    assert_eq!(store.retire(&extra.kid, T0 + 10).unwrap(), None);
    assert_eq!(
        state(&store, &extra.kid, T0 + 10_000),
        Some(KeyState::Retired)
    );
    assert_eq!(
        state(&store, &next.kid, T0 + 10_000),
        Some(KeyState::Active)
    );
}

#[test]
fn purge_removes_only_keys_retired_longer_than_keep_for() {
    let (_tmp, store) = store();
    let first = store
        .ensure_active(&[ES], T0)
        .unwrap()
        .active(ES, T0)
        .unwrap();
    let second = store.rotate(ES, T0, 100).unwrap();
    let third = store.rotate(ES, T0 + 1000, 100).unwrap();
    // first superseded at T0+100, second at T0+1100.
    assert!(store.purge(T0 + 1100, 1000).unwrap().is_empty());
    assert_eq!(
        store.purge(T0 + 1101, 1000).unwrap(),
        vec![first.kid().to_owned()]
    );
    assert!(!store.dir().join(format!("{}.pem", first.kid())).exists());
    assert!(!store.dir().join(format!("{}.json", first.kid())).exists());
    // The active key and a next key are never purged.
    let fourth = store.rotate(ES, T0 + 5000, 1_000_000).unwrap();
    let purged = store.purge(T0 + 100_000, 0).unwrap();
    assert_eq!(purged, vec![second.kid.clone()]);
    let ring = store.load().unwrap();
    assert_eq!(ring.active(ES, T0 + 100_000).unwrap().kid(), third.kid);
    assert_eq!(
        ring.state_of(&fourth.kid, T0 + 100_000),
        Some(KeyState::Next)
    );
}

#[test]
fn stale_lock_is_broken_and_fresh_lock_waits() {
    let (_tmp, store) = store();
    fs::create_dir_all(store.dir()).unwrap();
    let lock = store.dir().join(LOCK_FILE);
    let held = DirLock::acquire(store.dir()).unwrap();
    assert!(lock.exists());
    let handle = {
        let dir = store.dir().to_owned();
        std::thread::spawn(move || DirLock::acquire(&dir).map(|_| ()))
    };
    std::thread::sleep(Duration::from_millis(200));
    drop(held);
    handle.join().unwrap().unwrap();
    // A lock file 2 minutes old is stale.
    let file = File::create(&lock).unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(120);
    file.set_modified(old).unwrap();
    assert!(lock_is_stale(&lock));
    drop(DirLock::acquire(store.dir()).unwrap());
    assert!(!lock.exists());
}

#[test]
fn automatic_rotation_racing_in_one_directory_adds_exactly_one_next_key() {
    use super::super::lifecycle::DAY;
    let (_tmp, store) = store();
    store.ensure_active(&[ES], T0).unwrap();
    assert!(store
        .rotate_if_due(ES, T0 + DAY - 1, DAY, 600)
        .unwrap()
        .is_none());
    assert!(
        store.rotate_if_due(ES, T0 + DAY, 0, 600).unwrap().is_none(),
        "0 = by hand"
    );
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                store.rotate_if_due(ES, T0 + DAY, DAY, 600).unwrap()
            })
        })
        .collect();
    let added: Vec<KeyInfo> = racers
        .into_iter()
        .filter_map(|r| r.join().unwrap())
        .collect();
    assert_eq!(added.len(), 1, "one racer added the key");
    assert_eq!(added[0].activates_at, T0 + DAY + 600);
    let infos = store.list(T0 + DAY).unwrap();
    let next: Vec<_> = infos.iter().filter(|i| i.state == KeyState::Next).collect();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].kid, added[0].kid);
}
