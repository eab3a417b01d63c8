//! Storage: the suite runs on the backend it was given, and both migration dialects produce exactly
//! the tables and columns that `schema.rs` declares.

use crate::harness::{pg_url, TestServer};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use portcullis::store::Backend;
use std::collections::BTreeMap;

/// Tables and their columns as declared in `src/store/schema.rs` (read as text).
fn declared() -> BTreeMap<String, Vec<String>> {
    let text = include_str!("../../src/store/schema.rs");
    let mut out = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(name) = line
            .strip_suffix('{')
            .and_then(|l| l.split_once(" ("))
            .map(|(n, _)| n)
        {
            if !name.contains("table!") {
                current = Some(name.trim().to_owned());
                out.insert(name.trim().to_owned(), Vec::new());
                continue;
            }
        }
        if let (Some(t), Some((col, _))) = (&current, line.split_once(" -> ")) {
            out.get_mut(t).unwrap().push(col.trim().to_owned());
        }
        if line == "}" {
            current = None;
        }
    }
    for cols in out.values_mut() {
        cols.sort();
    }
    out
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn actual(database_url: &str) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<Column> = if let Some(path) = database_url.strip_prefix("sqlite://") {
        let mut conn = SqliteConnection::establish(path).unwrap();
        diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
               AND m.name <> '__diesel_schema_migrations'",
        )
        .load(&mut conn)
        .unwrap()
    } else {
        let mut conn = PgConnection::establish(database_url).unwrap();
        conn.batch_execute("SELECT 1").unwrap();
        diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name <> '__diesel_schema_migrations'",
        )
        .load(&mut conn)
        .unwrap()
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows {
        out.entry(r.table_name).or_default().push(r.column_name);
    }
    for cols in out.values_mut() {
        cols.sort();
    }
    out
}

#[tokio::test]
async fn migrations_match_schema_rs_on_this_backend() {
    let server = TestServer::spawn().await;
    let expected = declared();
    assert!(
        expected.contains_key("clients"),
        "schema.rs parse: {expected:?}"
    );
    assert_eq!(actual(&server.ctx.config.database_url), expected);
}

#[tokio::test]
async fn the_suite_runs_on_the_backend_it_was_given() {
    let server = TestServer::spawn().await;
    let expected = if pg_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    assert_eq!(server.ctx.store.backend(), expected);
}

#[test]
fn unknown_database_url_schemes_are_refused() {
    for url in ["mysql://x", "data/portcullis.db", "sqlite://"] {
        assert!(portcullis::store::Store::open(url, 1).is_err(), "{url}");
    }
}

#[tokio::test]
async fn expired_grant_artefacts_are_purged_in_batches_and_live_ones_stay() {
    use portcullis::domain::{Session, TenantId, UserId};
    use portcullis::store::grants;
    let server = TestServer::spawn().await;
    let ctx = server.ctx.clone();
    let now = ctx.now();
    let tenant = TenantId::parse(&server.admin.tenant_id).unwrap();
    let user: UserId = tokio::task::spawn_blocking({
        let ctx = ctx.clone();
        let tenant = tenant.clone();
        move || {
            ctx.store
                .read(|c| portcullis::store::users::find_by_email(c, &tenant, "admin@localhost"))
                .unwrap()
                .unwrap()
                .0
                .id
        }
    })
    .await
    .unwrap();
    let session = |n: usize, expires_at: i64| Session {
        id_hash: format!("hash-{n}"),
        sid: format!("sid-{n}"),
        tenant_id: tenant.clone(),
        user_id: user.clone(),
        auth_time: now - 10,
        last_seen: now - 10,
        expires_at,
    };
    let rows: Vec<Session> = (0..(portcullis::service::upkeep::PURGE_BATCH as usize + 3))
        .map(|n| session(n, now - 1))
        .chain(std::iter::once(session(9999, now + 3600)))
        .collect();
    let purged = tokio::task::spawn_blocking(move || {
        ctx.store
            .write(|c| -> Result<(), portcullis::store::StoreError> {
                for s in &rows {
                    grants::insert_session(c, s)?;
                }
                grants::revoke_jti(c, "old-jti", now - 1)?;
                grants::revoke_jti(c, "live-jti", now + 60)?;
                Ok(())
            })
            .unwrap();
        let first = portcullis::service::upkeep::purge_expired(&ctx).unwrap();
        let second = portcullis::service::upkeep::purge_expired(&ctx).unwrap();
        let live = ctx
            .store
            .read(|c| grants::get_session(c, "hash-9999"))
            .unwrap();
        let dead = ctx
            .store
            .read(|c| grants::get_session(c, "hash-0"))
            .unwrap();
        let live_jti = ctx
            .store
            .read(|c| grants::is_revoked(c, "live-jti"))
            .unwrap();
        let old_jti = ctx
            .store
            .read(|c| grants::is_revoked(c, "old-jti"))
            .unwrap();
        (
            first,
            second,
            live.is_some(),
            dead.is_none(),
            live_jti,
            old_jti,
        )
    })
    .await
    .unwrap();
    let batch = portcullis::service::upkeep::PURGE_BATCH as usize;
    // The first round takes one batch of sessions (+ the expired jti), the second the rest.
    assert_eq!(purged.0, batch + 1);
    assert_eq!(purged.1, 3);
    assert!(purged.2, "a live session must stay");
    assert!(purged.3, "an expired session must go");
    assert!(purged.4, "an unexpired revocation must stay");
    assert!(!purged.5, "an expired revocation entry must go");
}

/// Runs SQL on the suite's database with a connection of its own.
fn execute_sql(database_url: &str, sql: &str) {
    match database_url.strip_prefix("sqlite://") {
        Some(path) => SqliteConnection::establish(path)
            .unwrap()
            .batch_execute(sql),
        None => PgConnection::establish(database_url)
            .unwrap()
            .batch_execute(sql),
    }
    .unwrap();
}

#[derive(QueryableByName)]
struct StoredHash {
    #[diesel(sql_type = Text)]
    secret_hash: String,
}

fn stored_secret_hash(database_url: &str, client_id: &str) -> String {
    let query = diesel::sql_query("SELECT secret_hash FROM client_secrets WHERE client_id = $1")
        .bind::<Text, _>(client_id);
    let rows: Vec<StoredHash> = match database_url.strip_prefix("sqlite://") {
        Some(path) => {
            let query =
                diesel::sql_query("SELECT secret_hash FROM client_secrets WHERE client_id = ?")
                    .bind::<Text, _>(client_id);
            query.load(&mut SqliteConnection::establish(path).unwrap())
        }
        None => query.load(&mut PgConnection::establish(database_url).unwrap()),
    }
    .unwrap();
    assert_eq!(rows.len(), 1, "one secret");
    rows.into_iter().next().unwrap().secret_hash
}

#[tokio::test]
async fn client_secret_hashes_migrate_from_hex_to_base64url_and_back() {
    use base64::Engine;
    use sha2::Digest;
    const MIGRATION: &str = "2026-11-29-000005_secret_hash_base64url";
    let (up, down) = match pg_url() {
        None => (
            include_str!("../../migrations/sqlite/2026-11-29-000005_secret_hash_base64url/up.sql"),
            include_str!(
                "../../migrations/sqlite/2026-11-29-000005_secret_hash_base64url/down.sql"
            ),
        ),
        Some(_) => (
            include_str!(
                "../../migrations/postgres/2026-11-29-000005_secret_hash_base64url/up.sql"
            ),
            include_str!(
                "../../migrations/postgres/2026-11-29-000005_secret_hash_base64url/down.sql"
            ),
        ),
    };
    let server = TestServer::spawn().await;
    let url = server.ctx.config.database_url.clone();
    let (client, secret) = (
        server.admin.admin_client_id.clone(),
        server.admin.admin_client_secret.clone(),
    );
    let digest = sha2::Sha256::digest(secret.as_bytes());
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let token_status = || async {
        crate::harness::http()
            .post(server.token_url())
            .basic_auth(&client, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };

    assert_eq!(
        stored_secret_hash(&url, &client),
        b64url,
        "new secrets are stored as base64url"
    );
    assert_eq!(token_status().await, 200);

    // As a database written before {MIGRATION} holds it: hex, which no longer authenticates.
    execute_sql(&url, down);
    assert_eq!(stored_secret_hash(&url, &client), hex, "{MIGRATION} down");
    assert_eq!(token_status().await, 401);

    execute_sql(&url, up);
    assert_eq!(stored_secret_hash(&url, &client), b64url, "{MIGRATION} up");
    assert_eq!(token_status().await, 200);
}

/// A role's holders are listed in the list order of their kind (creation, then id), one index range
/// each (issue 10): pages and totals hold after a holder's roles are rewritten, and after the
/// migration that copies the order into the role rows runs on existing rows.
#[tokio::test]
async fn role_holder_pages_keep_list_order_through_updates_and_the_migration() {
    use crate::harness::{get, ids, post, put, TENANT_MEMBER};
    use serde_json::json;
    const MIGRATION: &str = "2026-11-30-000500_role_holders_in_list_order";
    let (up, down) = match pg_url() {
        None => (
            include_str!(
                "../../migrations/sqlite/2026-11-30-000500_role_holders_in_list_order/up.sql"
            ),
            include_str!(
                "../../migrations/sqlite/2026-11-30-000500_role_holders_in_list_order/down.sql"
            ),
        ),
        Some(_) => (
            include_str!(
                "../../migrations/postgres/2026-11-30-000500_role_holders_in_list_order/up.sql"
            ),
            include_str!(
                "../../migrations/postgres/2026-11-30-000500_role_holders_in_list_order/down.sql"
            ),
        ),
    };
    let server = TestServer::spawn().await;
    let admin = server.admin_token().await;
    let r = post(&server.api("/Roles"), &admin, json!({"Name": "Pagers"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let role = r.body["Id"].as_str().unwrap().to_owned();
    let member = server.role_id(TENANT_MEMBER).await;

    let mut holders = Vec::new();
    for n in 0..5 {
        let r = post(
            &server.api("/ClientCredentialClients"),
            &admin,
            json!({"Name": format!("pager-{n}"), "RoleIds": [member, role]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        holders.push(r.body["Client"]["Id"].as_str().unwrap().to_owned());
    }
    let mut users = Vec::new();
    for n in 0..3 {
        let r = post(
            &server.api("/Users"),
            &admin,
            json!({"Email": format!("pager{n}@example.com"), "Password": "correct horse battery staple", "RoleIds": [member, role]}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        users.push(r.body["Id"].as_str().unwrap().to_owned());
    }
    // Rewriting a holder's roles (off, then on again) keeps its place: its creation time is copied.
    let second = server.api(&format!("/ClientCredentialClients/{}", holders[1]));
    for roles in [json!([member]), json!([member, role])] {
        let r = put(&second, &admin, json!({"RoleIds": roles})).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    // The expected order is the kind's own list order.
    let listed = get(&server.api("/ClientCredentialClients?count=1000"), &admin).await;
    let order: Vec<String> = ids(&listed.body)
        .into_iter()
        .filter(|id| holders.contains(id))
        .collect();
    assert_eq!(order.len(), 5);
    let listed = get(&server.api("/Users?count=1000"), &admin).await;
    let user_order: Vec<String> = ids(&listed.body)
        .into_iter()
        .filter(|id| users.contains(id))
        .collect();
    assert_eq!(user_order.len(), 3);

    let check = |when: &'static str| {
        let (server, admin, role) = (&server, &admin, &role);
        let (order, user_order) = (&order, &user_order);
        async move {
            let page = get(
                &server.api(&format!(
                    "/Roles/{role}/ClientCredentialClients?skip=1&count=2"
                )),
                admin,
            )
            .await;
            assert_eq!(page.status, 200, "{when}: {}", page.text);
            assert_eq!(ids(&page.body), order[1..3].to_vec(), "{when}");
            assert_eq!(page.total_count(), 5, "{when}");
            let all = get(
                &server.api(&format!("/Roles/{role}/ClientCredentialClients")),
                admin,
            )
            .await;
            assert_eq!(&ids(&all.body), order, "{when}");
            let page = get(
                &server.api(&format!("/Roles/{role}/Users?skip=1&count=1")),
                admin,
            )
            .await;
            assert_eq!(page.status, 200, "{when}: {}", page.text);
            assert_eq!(ids(&page.body), user_order[1..2].to_vec(), "{when}");
            assert_eq!(page.total_count(), 3, "{when}");
        }
    };
    check("as written").await;

    // As a database written before the migration holds it, then migrated.
    let url = server.ctx.config.database_url.clone();
    execute_sql(&url, down);
    execute_sql(&url, up);
    check(MIGRATION).await;
}

/// Units of work wait for a place in the store's line in the order they asked, and no longer than
/// the database wait: then the store is unavailable (503 at the edge), not hung.
#[tokio::test]
async fn units_of_work_are_admitted_in_order_and_wait_no_longer_than_the_database_wait() {
    use portcullis::store::{Store, StoreError};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/line.db", dir.path().display());
    let wait = Duration::from_millis(300);
    let store = Store::open_with_wait(&url, 1, wait).unwrap();

    let held = store.admit().await.unwrap();
    let started = Instant::now();
    match store.admit().await {
        Err(StoreError::Unavailable(why)) => assert!(why.contains("300 ms"), "{why}"),
        Err(e) => panic!("expected Unavailable, got {e:?}"),
        Ok(_) => panic!("a second place in a line of one"),
    }
    assert!(
        started.elapsed() >= wait,
        "gave up early: {:?}",
        started.elapsed()
    );

    // Three waiters, queued one after the other, get in in that order.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut waiters = Vec::new();
    for n in 0..3 {
        let (store, tx) = (store.clone(), tx.clone());
        waiters.push(tokio::spawn(async move {
            let _place = store.admit().await.expect("admitted within the wait");
            tx.send(n).unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }));
        // Let this waiter reach the line before the next one asks.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(held);
    for w in waiters {
        w.await.unwrap();
    }
    drop(tx);
    let mut order = Vec::new();
    while let Some(n) = rx.recv().await {
        order.push(n);
    }
    assert_eq!(order, vec![0, 1, 2]);
}

/// A PostgreSQL connection that just served work is handed out again without a check query
/// (issue 10); when the server drops it, at most one unit fails, and the next gets a new one.
#[tokio::test]
async fn a_postgresql_connection_the_server_dropped_costs_at_most_one_failed_unit() {
    use diesel::sql_types::Integer;
    use portcullis::store::{Store, StoreError};
    let Some(url) = pg_url() else {
        return; // PostgreSQL pass only: a SQLite file connection cannot be dropped by a server.
    };
    let store = Store::open(&url, 1).unwrap();
    let backend_pid = || {
        store.read(|conn| {
            diesel::select(diesel::dsl::sql::<Integer>("pg_backend_pid()"))
                .get_result::<i32>(conn)
                .map_err(StoreError::from)
        })
    };
    let first = backend_pid().unwrap();
    assert_eq!(
        backend_pid().unwrap(),
        first,
        "one pooled connection, reused"
    );

    // The server ends that session, as a restart or an administrator would.
    let mut admin = PgConnection::establish(&url).unwrap();
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "pg_terminate_backend({first})"
    )))
    .get_result::<bool>(&mut admin)
    .unwrap();

    let next = match backend_pid() {
        Ok(pid) => pid, // checked at checkout (the window had passed) and replaced at once
        Err(_) => backend_pid().expect("the unit after a failed one gets a working connection"),
    };
    assert_ne!(next, first, "a new session");
}

/// In line and then at the pool, a unit of work waits no longer than the database wait in all
/// (SPEC §9), not the wait once in each.
#[tokio::test]
async fn the_line_and_the_pool_together_wait_no_longer_than_the_database_wait() {
    use portcullis::store::{Store, StoreError};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/line.db", dir.path().display());
    let wait = Duration::from_millis(1000);
    let store = Store::open_with_wait(&url, 1, wait).unwrap();

    // The only connection, held outside the line (as /readyz or the upkeep may) for 3 s.
    let holder = hold_the_only_connection(&store, Duration::from_secs(3));
    // The only place in line, held for 600 ms.
    let place = store.admit().await.unwrap();
    let started = Instant::now();
    let waiter = {
        let store = store.clone();
        tokio::spawn(async move {
            let admitted = store.admit().await?;
            tokio::task::spawn_blocking(move || {
                let _entered = admitted.enter();
                store.read(|_| Ok::<_, StoreError>(()))
            })
            .await
            .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(600)).await;
    drop(place);
    let result = waiter.await.unwrap();
    let took = started.elapsed();
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        took >= Duration::from_millis(900),
        "gave up early: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1450),
        "waited in line and then the whole wait again: {took:?}"
    );
    holder.join().unwrap().unwrap();
}

/// The shared wait bounds a unit's first connection only: a unit whose own work (argon2, signing)
/// outlasted the database wait still waits as usual for its later connections.
#[tokio::test]
async fn a_units_later_connections_wait_as_usual_after_its_own_long_work() {
    use portcullis::store::{Store, StoreError};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/line.db", dir.path().display());
    let store = Store::open_with_wait(&url, 1, Duration::from_millis(300)).unwrap();
    let admitted = store.admit().await.unwrap();
    let result = tokio::task::spawn_blocking(move || {
        let _entered = admitted.enter();
        store.read(|_| Ok::<_, StoreError>(()))?;
        // The unit's own work, past its wait; then the only connection is briefly held elsewhere.
        std::thread::sleep(Duration::from_millis(400));
        let holder = hold_the_only_connection(&store, Duration::from_millis(100));
        let later = store.read(|_| Ok::<_, StoreError>(()));
        holder.join().unwrap().unwrap();
        later
    })
    .await
    .unwrap();
    assert!(result.is_ok(), "{result:?}");
}

/// Holds `store`'s only connection on another thread for `hold`; returns once it is held.
fn hold_the_only_connection(
    store: &portcullis::store::Store,
    hold: std::time::Duration,
) -> std::thread::JoinHandle<Result<(), portcullis::store::StoreError>> {
    let (taken_tx, taken_rx) = std::sync::mpsc::channel();
    let store = store.clone();
    let holder = std::thread::spawn(move || {
        store.read(|_| {
            taken_tx.send(()).unwrap();
            std::thread::sleep(hold);
            Ok(())
        })
    });
    taken_rx.recv().unwrap();
    holder
}
