//! Signing keys in the database or the key directory, and automatic rotation (SPEC §6.4), with
//! two nodes (two contexts and servers) on one database and one fixed clock: they race to rotate
//! and exactly one next key results; after the JWKS cache lifetime it signs on both; the retired
//! key stays published while its tokens live. Runs on SQLite, or PostgreSQL when
//! `PORTCULLIS_TEST_DATABASE_URL` is set. Plus the import of a key directory and the `keys` and
//! `migrate` commands against the database.

use crate::harness::{drop_database, fresh_database, get, http, jwt_header};
use crate::outage::{node_args, Node};
use portcullis::clock::Clock;
use portcullis::config::ConfigArgs;
use portcullis::crypto::keys::lifecycle::DAY;
use portcullis::crypto::keys::{KeyInfo, KeyState, KeyStore, SigningAlg};
use portcullis::service::bootstrap::{bootstrap, BootstrapOutput};
use portcullis::service::keys::{RETIRED_KEY_RETENTION, ROTATION_DELAY};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Barrier};

/// Settings of a node with its own keys directory (unused by the database store) and the shared
/// master key of `dir`.
fn args(dir: &Path, node: &str, db: &str, store: &str) -> ConfigArgs {
    let mut a = node_args(&dir.join(node), db);
    a.master_key_file = Some(dir.join("master.key"));
    a.keys_store = Some(store.to_owned());
    a.key_rotation_days = Some(1);
    // One deployment: one issuer, whichever node answers.
    a.public_url = Some("http://portcullis.test".to_owned());
    a
}

fn now() -> i64 {
    Clock::System.now()
}

async fn jwks_kids(node: &Node) -> Vec<String> {
    let res = http()
        .get(node.url("/identity/.well-known/openid-configuration/jwks"))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    let mut kids: Vec<String> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    kids.sort();
    kids
}

async fn token(node: &Node, admin: &BootstrapOutput) -> String {
    let res = node
        .token(&admin.admin_client_id, &admin.admin_client_secret)
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.body["access_token"].as_str().unwrap().to_owned()
}

fn kid(jwt: &str) -> String {
    jwt_header(jwt)["kid"].as_str().unwrap().to_owned()
}

fn list(node: &Node) -> Vec<KeyInfo> {
    let now = node.ctx.now();
    node.ctx.keys.source().list(now).unwrap()
}

fn count(keys: &[KeyInfo], state: KeyState) -> usize {
    keys.iter().filter(|k| k.state == state).count()
}

/// Every thread of both nodes refreshes at the same moment (rotation is due on all of them).
async fn race(a: &Node, b: &Node) {
    let barrier = Arc::new(Barrier::new(8));
    let mut racers = Vec::new();
    for i in 0..8 {
        let ctx = if i % 2 == 0 {
            a.ctx.clone()
        } else {
            b.ctx.clone()
        };
        let barrier = barrier.clone();
        racers.push(tokio::task::spawn_blocking(move || {
            barrier.wait();
            ctx.keys.refresh(ctx.now())
        }));
    }
    for r in racers {
        r.await.unwrap().expect("refresh");
    }
}

async fn refresh(nodes: &[&Node]) {
    for n in nodes {
        let ctx = n.ctx.clone();
        tokio::task::spawn_blocking(move || {
            ctx.keys.purge(ctx.now()).unwrap();
            ctx.keys.refresh(ctx.now()).unwrap();
        })
        .await
        .unwrap();
    }
}

/// The whole rotation on two nodes sharing the key set `store` ("database" or "dir").
async fn two_nodes_rotate_once(store: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (db, pg_schema) = fresh_database(dir.path());
    let clock = Clock::fixed(now());
    let (mut a_args, mut b_args) = (
        args(dir.path(), "a", &db, store),
        args(dir.path(), "b", &db, store),
    );
    if store == "dir" {
        a_args.keys_dir = Some(dir.path().join("shared-keys"));
        b_args.keys_dir = a_args.keys_dir.clone();
    }
    let a = Node::spawn(a_args, clock.clone()).await;
    let b = Node::spawn(b_args, clock.clone()).await;
    let ctx = a.ctx.clone();
    let admin = tokio::task::spawn_blocking(move || bootstrap(&ctx, "Default", "a@b.c").unwrap())
        .await
        .unwrap();
    let first = list(&a);
    assert_eq!(first.len(), 1, "one first key, though both nodes started");
    assert_eq!(jwks_kids(&a).await, jwks_kids(&b).await);
    let old = first[0].kid.clone();

    // Not due a second early; then due on every node at once.
    clock.advance(DAY - 1);
    race(&a, &b).await;
    assert_eq!(list(&a).len(), 1, "not due yet");
    clock.advance(1);
    race(&a, &b).await;
    let keys = list(&b);
    assert_eq!(
        count(&keys, KeyState::Next),
        1,
        "exactly one next key: {keys:?}"
    );
    assert_eq!(count(&keys, KeyState::Active), 1);
    let next = keys.iter().find(|k| k.state == KeyState::Next).unwrap();
    assert_eq!(next.activates_at, clock.now() + ROTATION_DELAY);
    let next = next.kid.clone();
    refresh(&[&a, &b]).await;
    for node in [&a, &b] {
        assert_eq!(
            jwks_kids(node).await,
            sorted(&[&old, &next]),
            "next key published"
        );
        assert_eq!(
            kid(&token(node, &admin).await),
            old,
            "the old key still signs"
        );
    }
    let old_token = token(&a, &admin).await;

    // After the JWKS cache lifetime the next key signs on both nodes; no second rotation starts.
    clock.advance(ROTATION_DELAY);
    race(&a, &b).await;
    refresh(&[&a, &b]).await;
    let keys = list(&a);
    assert_eq!(keys.len(), 2, "{keys:?}");
    let api = format!(
        "/api/v1/Tenants/{}/ClientCredentialClients",
        admin.tenant_id
    );
    for node in [&a, &b] {
        assert_eq!(kid(&token(node, &admin).await), next, "the new key signs");
        assert_eq!(
            jwks_kids(node).await,
            sorted(&[&old, &next]),
            "retired, still published"
        );
        let res = get(&node.url(&api), &old_token).await;
        assert_eq!(
            res.status, 200,
            "a token of the retired key still works: {}",
            res.text
        );
    }

    // Once every token of the retired key has expired, it goes.
    clock.advance(RETIRED_KEY_RETENTION + 1);
    refresh(&[&a, &b]).await;
    for node in [&a, &b] {
        assert_eq!(jwks_kids(node).await, vec![next.clone()]);
    }
    assert_eq!(list(&b).len(), 1);
    drop((a, b));
    drop_database(&pg_schema);
}

fn sorted(kids: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = kids.iter().map(|k| (*k).clone()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_the_database_store_rotate_exactly_once() {
    two_nodes_rotate_once("database").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_key_directory_rotate_exactly_once() {
    two_nodes_rotate_once("dir").await;
}

fn portcullis(dir: &Path, db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .current_dir(dir)
        .env("RUST_LOG", "warn")
        .args(["--database-url", db, "--keys-store", "database"])
        .arg("--keys-dir")
        .arg(dir.join("keys"))
        .arg("--master-key-file")
        .arg(dir.join("master.key"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_to_the_database_imports_the_key_directory_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, pg_schema) = fresh_database(dir.path());
    let t0 = now();
    let keys = KeyStore::new(dir.path().join("keys"));
    let ring = keys.ensure_active(&[SigningAlg::RS256], t0 - 10).unwrap();
    let dir_kid = ring.active(SigningAlg::RS256, t0).unwrap().kid().to_owned();
    let next = keys.rotate(SigningAlg::RS256, t0, ROTATION_DELAY).unwrap();

    let mut node_args = args(dir.path(), "node", &db, "database");
    node_args.keys_dir = Some(dir.path().join("keys"));
    let node = Node::spawn(node_args.clone(), Clock::fixed(t0)).await;
    let imported = list(&node);
    assert_eq!(imported.len(), 2, "{imported:?}");
    assert_eq!(imported[0].kid, dir_kid);
    assert_eq!(imported[0].state, KeyState::Active);
    assert_eq!(imported[1].kid, next.kid);
    assert_eq!(imported[1].state, KeyState::Next);
    assert_eq!(jwks_kids(&node).await, sorted(&[&dir_kid, &next.kid]));
    // Sealed: no private key in clear in the database.
    let ctx = node.ctx.clone();
    let rows = tokio::task::spawn_blocking(move || {
        ctx.store
            .read(portcullis::store::signing_keys::list)
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        rows.iter()
            .all(|r| !r.sealed_private_key.contains("PRIVATE KEY")
                && r.sealed_private_key.len() > 100)
    );

    // A key added to the directory later is not imported by a start (once)...
    let late = keys.rotate(SigningAlg::RS256, t0, ROTATION_DELAY).unwrap();
    drop(node);
    let node = Node::spawn(node_args, Clock::fixed(t0)).await;
    assert_eq!(list(&node).len(), 2);
    drop(node);
    // ...but by `keys import`, which says what it imported, and imports nothing twice.
    let db_cli = db.clone();
    let out = portcullis(dir.path(), &db_cli, &["keys", "import"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("imported key {}", late.kid)),
        "{stderr}"
    );
    assert!(stderr.contains("1 key(s) imported"), "{stderr}");
    let out = portcullis(dir.path(), &db_cli, &["keys", "import"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 key(s) imported"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");

    // The other `keys` commands work against the database.
    let out = portcullis(dir.path(), &db_cli, &["keys", "list"]);
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let out = portcullis(dir.path(), &db_cli, &["keys", "retire", &dir_kid]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("was promoted"));
    let out = portcullis(dir.path(), &db_cli, &["keys", "retire", "no-such-kid"]);
    assert_eq!(out.status.code(), Some(1));
    let out = portcullis(dir.path(), &db_cli, &["keys", "rotate", "--alg", "ES256"]);
    assert!(out.status.success());
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added[0]["state"], "next");
    drop_database(&pg_schema);
}

#[test]
fn migrate_prints_each_migration_with_its_duration() {
    let dir = tempfile::tempdir().unwrap();
    let (db, pg_schema) = fresh_database(dir.path());
    let out = portcullis(dir.path(), &db, &["migrate"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let steps: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("applied migration"))
        .collect();
    assert!(steps.len() >= 9, "{stderr}");
    assert!(steps[0].starts_with("portcullis: [1/"), "{stderr}");
    assert!(steps.iter().all(|l| l.ends_with(" s")), "{stderr}");
    assert!(stderr.contains("signing_keys"), "{stderr}");
    let again = portcullis(dir.path(), &db, &["migrate"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 migration(s) applied"));
    drop_database(&pg_schema);
}

/// The server's own key upkeep is audited (SPEC §13.2): an automatic rotation and the purge of a
/// retired key are server-wide events (actor `server`, no tenant), one per key, and a round that
/// changes nothing writes nothing.
#[tokio::test]
async fn automatic_rotation_and_purge_are_server_wide_audit_events() {
    use crate::harness::{Options, TestServer};
    use portcullis::service::upkeep::key_upkeep;
    // The template keys activated in 2001: with a 1-day period a rotation is due at once.
    let server = TestServer::spawn_with(Options {
        key_rotation_days: Some(1),
        ..Options::default()
    })
    .await;
    let server_events = |all: Vec<portcullis::domain::audit::AuditRecord>| {
        all.into_iter()
            .filter(|r| r.event.actor == "server")
            .map(|r| {
                assert!(r.event.tenant_id.is_none(), "{r:?}");
                (
                    r.event.action.as_str(),
                    r.event.target_id.unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>()
    };
    let upkeep = |purge: bool| {
        let ctx = server.ctx.clone();
        async move {
            tokio::task::spawn_blocking(move || key_upkeep(&ctx, purge))
                .await
                .unwrap()
                .expect("key upkeep")
        }
    };
    upkeep(false).await;
    let rotated = server_events(crate::audit::all_events(&server).await);
    let kids: Vec<String> = rotated.iter().map(|(_, kid)| kid.clone()).collect();
    assert!(!rotated.is_empty());
    assert!(
        rotated.iter().all(|(action, _)| *action == "key.rotated"),
        "{rotated:?}"
    );
    let next_kids: Vec<String> = server
        .ctx
        .keys
        .source()
        .list(server.clock().now())
        .unwrap()
        .into_iter()
        .filter(|k| k.state == KeyState::Next)
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, next_kids, "one event per next key added");

    upkeep(false).await;
    assert_eq!(
        server_events(crate::audit::all_events(&server).await),
        rotated
    );

    // The next keys start signing, the old ones retire; once retired long enough they are purged.
    server.clock().advance(ROTATION_DELAY + 1);
    upkeep(false).await;
    server.clock().advance(RETIRED_KEY_RETENTION + 1);
    upkeep(true).await;
    let after = server_events(crate::audit::all_events(&server).await);
    let purged: Vec<&(&str, String)> = after.iter().filter(|(a, _)| *a == "key.purged").collect();
    assert!(!purged.is_empty(), "{after:?}");
    assert!(
        purged.iter().all(|(_, kid)| !kids.contains(kid)),
        "{after:?}"
    );
}
