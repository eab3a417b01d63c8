//! Database outages are short, visible and survived (SPEC §9). A node on a private PostgreSQL that
//! the test starts, stops (as a crash: `pg_ctl stop -m immediate`) and starts again, under load:
//! `/readyz` answers 503 within about a second, requests that need the database get 503 with
//! `Retry-After` after the short pool wait (never a hang, never a 500), and the node recovers by
//! itself with everything written before the outage. On SQLite, a write blocked by another
//! process's lock ends the same way after the busy timeout.
//!
//! The private PostgreSQL comes from `initdb`/`pg_ctl` in `/usr/lib/postgresql/*/bin` (or
//! `PORTCULLIS_PG_BIN`), on a free loopback port in a temporary directory. Without them the test
//! skips with a message, unless `PORTCULLIS_REQUIRE_PG_BINARIES=1`.

use crate::harness::{call, get, http, post, Reply};
use portcullis::app;
use portcullis::clock::Clock;
use portcullis::config::{Config, ConfigArgs};
use portcullis::service::bootstrap::{bootstrap, BootstrapOutput};
use portcullis::service::Context;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A node of the real application on 127.0.0.1:0, over the database and configuration given.
/// Several may share one database (unlike `TestServer`, which always makes a fresh one).
pub struct Node {
    pub base: String,
    pub ctx: Context,
    handle: actix_web::dev::ServerHandle,
}

impl Node {
    /// Starts a node (blocking: call it from `spawn_blocking`). `args` needs at least the database
    /// URL, the keys directory and the master key file; the public URL defaults to the node's own
    /// address (nodes of one deployment share theirs).
    pub fn start(mut args: ConfigArgs, clock: Clock) -> Node {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        args.public_url.get_or_insert_with(|| base.clone());
        let config = Config::resolve(&args).unwrap();
        let ctx = app::build_context(config, clock).expect("context");
        let state = app::app_state(ctx.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = app::server(state, listener, Some(2)).unwrap();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        let handle = rx.recv().unwrap();
        Node { base, ctx, handle }
    }

    pub async fn spawn(args: ConfigArgs, clock: Clock) -> Node {
        tokio::task::spawn_blocking(move || Node::start(args, clock))
            .await
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client_credentials request.
    pub async fn token(&self, client_id: &str, secret: &str) -> Reply {
        call(
            http()
                .post(self.url("/identity/connect/token"))
                .basic_auth(client_id, Some(secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Settings of a node with its files in `dir`.
pub fn node_args(dir: &Path, database_url: &str) -> ConfigArgs {
    ConfigArgs {
        database_url: Some(database_url.to_owned()),
        keys_dir: Some(dir.join("keys")),
        master_key_file: Some(dir.join("master.key")),
        ..Default::default()
    }
}

fn system_now() -> i64 {
    Clock::System.now()
}

/// A PostgreSQL server of the test's own, in a temporary directory.
struct PrivatePg {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// `initdb` refuses to run as root: then every command runs as the `postgres` user.
    as_postgres: bool,
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`, or `PORTCULLIS_PG_BIN`.
fn pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PORTCULLIS_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PrivatePg {
    /// `initdb` in a fresh directory; `None` (after saying why) when the binaries are absent.
    fn init() -> Option<PrivatePg> {
        let Some(bin) = pg_bin() else {
            let required = std::env::var("PORTCULLIS_REQUIRE_PG_BINARIES").as_deref() == Ok("1");
            assert!(
                !required,
                "PORTCULLIS_REQUIRE_PG_BINARIES=1 but no initdb under /usr/lib/postgresql/*/bin"
            );
            eprintln!(
                "SKIPPED: no initdb under /usr/lib/postgresql/*/bin (set PORTCULLIS_PG_BIN); \
                 the database-outage test needs a PostgreSQL it can stop"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown the PostgreSQL directory");
        }
        let pg = PrivatePg {
            bin,
            port: free_port(),
            dir,
            as_postgres,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL binary");
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server as a crash would: no shutdown checkpoint, recovery from WAL on start.
    fn crash(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.data();
        let exe = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        };
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One answer seen by the load.
#[derive(Debug)]
struct Seen {
    status: u16,
    retry_after: bool,
    took: Duration,
}

/// Token requests in a loop from `tasks` tasks until `stop`.
fn load(
    node: &Node,
    client: &BootstrapOutput,
    tasks: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Seen>>> {
    (0..tasks)
        .map(|_| {
            let url = node.url("/identity/connect/token");
            let (id, secret) = (
                client.admin_client_id.clone(),
                client.admin_client_secret.clone(),
            );
            let stop = stop.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let started = Instant::now();
                    let res = http
                        .post(&url)
                        .basic_auth(&id, Some(&secret))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .await
                        .expect("the node answers every request");
                    seen.push(Seen {
                        status: res.status().as_u16(),
                        retry_after: res.headers().contains_key("retry-after"),
                        took: started.elapsed(),
                    });
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                seen
            })
        })
        .collect()
}

/// `/readyz`'s status and how long it took.
async fn readyz(node: &Node) -> (u16, Duration) {
    let started = Instant::now();
    let res = http().get(node.url("/readyz")).send().await.unwrap();
    (res.status().as_u16(), started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgresql_outage_is_short_visible_and_survived() {
    let Some(pg) = tokio::task::spawn_blocking(PrivatePg::init).await.unwrap() else {
        return;
    };
    let pg = Arc::new(pg);
    let p = pg.clone();
    tokio::task::spawn_blocking(move || p.start())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = Node::spawn(node_args(dir.path(), &pg.url()), Clock::fixed(system_now())).await;
    let ctx = node.ctx.clone();
    let (admin, other) = tokio::task::spawn_blocking(move || {
        (
            bootstrap(&ctx, "Default", "admin@localhost").unwrap(),
            bootstrap(&ctx, "Written before the outage", "x@y.z").unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!(readyz(&node).await.0, 200);
    let wait = node.ctx.config.database_wait;
    let api_token = node
        .token(&admin.admin_client_id, &admin.admin_client_secret)
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let loaders = load(&node, &admin, 4, stop.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;

    let p = pg.clone();
    tokio::task::spawn_blocking(move || p.crash())
        .await
        .unwrap();
    let outage = Instant::now();
    for _ in 0..3 {
        let (status, took) = readyz(&node).await;
        assert_eq!(status, 503, "/readyz while the database is down");
        assert!(took < Duration::from_millis(1500), "/readyz took {took:?}");
        eprintln!("outage: /readyz answered 503 in {took:?}");
    }
    let started = Instant::now();
    let res = node
        .token(&other.admin_client_id, &other.admin_client_secret)
        .await;
    let took = started.elapsed();
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(res.body["error"], "temporarily_unavailable");
    assert!(res.header("retry-after").is_some());
    assert!(took < wait + Duration::from_secs(2), "waited {took:?}");
    let clients = format!(
        "/api/v1/Tenants/{}/ClientCredentialClients",
        admin.tenant_id
    );
    let api = get(&node.url(&clients), &api_token).await;
    assert_eq!(api.status, 503, "management API: {}", api.text);
    assert_eq!(api.body["Error"], "Service unavailable");
    assert!(api.header("retry-after").is_some());
    if let Some(left) = Duration::from_secs(4).checked_sub(outage.elapsed()) {
        tokio::time::sleep(left).await;
    }

    let p = pg.clone();
    tokio::task::spawn_blocking(move || p.start())
        .await
        .unwrap();
    let back = Instant::now();
    loop {
        if readyz(&node).await.0 == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(20), "no recovery");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "outage: database down {:?}, node ready {:?} after restart",
        back - outage,
        back.elapsed()
    );
    // Written before the crash, read after it.
    let res = node
        .token(&other.admin_client_id, &other.admin_client_secret)
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let token = node
        .token(&admin.admin_client_id, &admin.admin_client_secret)
        .await;
    assert_eq!(token.status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);

    let mut seen = Vec::new();
    for l in loaders {
        seen.extend(l.await.unwrap());
    }
    let unavailable = seen.iter().filter(|s| s.status == 503).count();
    let slowest = seen.iter().map(|s| s.took).max().unwrap();
    eprintln!(
        "outage: {} requests, {unavailable} answered 503, slowest {slowest:?}",
        seen.len()
    );
    assert!(unavailable > 0, "the load saw the outage");
    for s in &seen {
        assert!(s.status == 200 || s.status == 503, "{s:?}");
        assert!(s.status == 200 || s.retry_after, "503 without Retry-After");
        assert!(
            s.took < wait + Duration::from_secs(2),
            "a request hung: {s:?}"
        );
    }
    assert_eq!(seen.last().unwrap().status, 200, "the load recovered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_write_blocked_by_another_process_gets_503_after_the_wait() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portcullis.db");
    let url = format!("sqlite://{}", file.display());
    let mut args = node_args(dir.path(), &url);
    args.database_wait = Some(1.0);
    let node = Node::spawn(args, Clock::fixed(system_now())).await;
    let ctx = node.ctx.clone();
    let admin = tokio::task::spawn_blocking(move || bootstrap(&ctx, "Default", "a@b.c").unwrap())
        .await
        .unwrap();
    let token = node
        .token(&admin.admin_client_id, &admin.admin_client_secret)
        .await;
    let token = token.body["access_token"].as_str().unwrap().to_owned();
    let tenant = node.url(&format!("/api/v1/Tenants/{}", admin.tenant_id));
    let clients = format!("{tenant}/ClientCredentialClients");
    let member = crate::harness::TENANT_MEMBER.role_type_id();
    let roles = get(&format!("{tenant}/Roles?roleTypeId={member}"), &token).await;
    let body = serde_json::json!({"Name": "blocked", "RoleIds": [roles.body[0]["Id"]]});

    // Another process (here: another connection) holds the write lock.
    let mut other = diesel::SqliteConnection::establish(file.to_str().unwrap()).unwrap();
    other.batch_execute("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let res = post(&clients, &token, &body).await;
    let took = started.elapsed();
    assert_eq!(res.status, 503, "{}", res.text);
    assert_eq!(res.body["Error"], "Service unavailable");
    assert!(res.header("retry-after").is_some());
    assert!(
        took >= Duration::from_millis(900),
        "waited the busy timeout: {took:?}"
    );
    assert!(took < Duration::from_secs(4), "no hang: {took:?}");
    // Reads go on beside the writer (WAL).
    let res = node
        .token(&admin.admin_client_id, &admin.admin_client_secret)
        .await;
    assert_eq!(res.status, 200);

    other.batch_execute("ROLLBACK").unwrap();
    let res = post(&clients, &token, &body).await;
    assert_eq!(res.status, 201, "{}", res.text);
}
