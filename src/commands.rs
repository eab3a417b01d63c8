//! The command-line commands' bodies (`main.rs` only parses). Each returns the process exit code:
//! 0 ok, 1 user error, 2 internal error.

use crate::app;
use crate::clock::Clock;
use crate::config::Config;
use crate::config::KeysStore;
use crate::crypto::keys::{KeyStore, SigningAlg};
use crate::crypto::master_key::MasterKey;
use crate::crypto::CryptoError;
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::service::keys::{KeySource, KeysError, ROTATION_DELAY};
use crate::service::{self, Context, ServiceError};
use serde::Serialize;
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

/// Prints `message` to stderr and returns `code`.
pub fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("portcullis: {message}");
    ExitCode::from(code)
}

fn service_failure(e: &ServiceError) -> ExitCode {
    match e {
        ServiceError::BadRequest { reason, resolution } => {
            fail(1, &format!("{reason} {resolution}"))
        }
        ServiceError::Conflict(m) | ServiceError::NotFound(m) => fail(1, m),
        ServiceError::Forbidden(m) | ServiceError::Unauthorized(m) => fail(1, m),
        other => fail(2, &other.to_string()),
    }
}

/// Prints a value as one JSON object on stdout.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), ServiceError> {
    let text = serde_json::to_string(value).map_err(|e| ServiceError::Internal(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Reads a password from standard input (one line, trailing newline removed).
pub fn read_password_stdin() -> Result<String, ServiceError> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| {
        ServiceError::bad_request(
            format!("cannot read the password: {e}"),
            "Pipe the password to standard input.",
        )
    })?;
    Ok(s.trim_end_matches(['\n', '\r']).to_owned())
}

/// Runs a future to completion on a small runtime of its own (commands that wait on HTTP, such
/// as `idp add` checking an upstream's discovery document).
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, ServiceError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ServiceError::Internal(format!("cannot start a runtime: {e}")))?;
    Ok(runtime.block_on(future))
}

/// Opens the database and keys, runs `work`, maps errors to exit codes.
pub fn with_context(
    config: Config,
    work: impl FnOnce(&Context) -> Result<(), ServiceError>,
) -> ExitCode {
    let ctx = match app::build_context(config, Clock::System) {
        Ok(c) => c,
        Err(e) => return fail(2, &e.to_string()),
    };
    match work(&ctx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => service_failure(&e),
    }
}

/// `migrate`.
pub fn migrate(config: &Config) -> ExitCode {
    let store =
        match crate::store::Store::open_with_wait(&config.database_url, 1, config.database_wait) {
            Ok(s) => s,
            Err(e) => return fail(1, &e.to_string()),
        };
    let started = std::time::Instant::now();
    // Plain lines on stderr, one per migration as it completes: a bar could not move inside one
    // migration's statements, and lines read the same on a terminal, in a log or in CI.
    let result = store.migrate_reporting(|step| {
        eprintln!(
            "portcullis: [{}/{}] applied migration {} in {}",
            step.number,
            step.of,
            step.name,
            seconds(step.took)
        );
    });
    match result {
        Ok(n) => {
            eprintln!(
                "portcullis: {n} migration(s) applied in {}",
                seconds(started.elapsed())
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(2, &e.to_string()),
    }
}

/// A duration for people: "0.042 s".
fn seconds(d: std::time::Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// The algorithms the server signs with: RS256 (ID tokens) and the access-token algorithm.
pub fn configured_algs(config: &Config) -> Vec<SigningAlg> {
    let mut algs = vec![SigningAlg::RS256];
    if config.access_token_alg != SigningAlg::RS256 {
        algs.push(config.access_token_alg);
    }
    algs
}

fn keys_failure(e: &KeysError) -> ExitCode {
    match e {
        KeysError::Crypto(CryptoError::UnknownKid(_) | CryptoError::OnlyActiveKey { .. }) => {
            fail(1, &e.to_string())
        }
        other => fail(2, &other.to_string()),
    }
}

/// The configured key set for the `keys` commands: the key directory alone, or the database
/// (opened with the configured wait, migrated) and the master key.
pub fn key_source(config: &Config) -> Result<KeySource, ExitCode> {
    if config.keys_store == KeysStore::Dir {
        return Ok(KeySource::Dir(KeyStore::new(&config.keys_dir)));
    }
    let store = crate::store::Store::open_with_wait(&config.database_url, 2, config.database_wait)
        .map_err(|e| fail(2, &e.to_string()))?;
    store.migrate().map_err(|e| fail(2, &e.to_string()))?;
    let master =
        MasterKey::load_or_create(&config.master_key_file).map_err(|e| fail(2, &e.to_string()))?;
    Ok(KeySource::from_config(config, &store, Arc::new(master)))
}

/// `keys list`.
pub fn keys_list(source: &KeySource, now: i64) -> ExitCode {
    match source.list(now) {
        Ok(keys) => match print_json(&keys) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => service_failure(&e),
        },
        Err(e) => keys_failure(&e),
    }
}

/// Records a server-wide change of the command line (signing keys: no tenant) in the audit
/// trail (SPEC §13.2). The keys live in files, so the event follows the change; when the database
/// cannot take it, the change stands and stderr says so.
pub fn record_server_event(config: &Config, action: AuditAction, target: &str, now: i64) {
    let event = AuditEvent::cli(None, action, target, now);
    let written = crate::store::Store::open(&config.database_url, 1)
        .and_then(|store| store.write(|conn| crate::store::audit::record(conn, &event)));
    if let Err(e) = written {
        eprintln!(
            "portcullis: the audit event {} was not written: {e}",
            action.as_str()
        );
    }
}

/// `keys rotate`.
pub fn keys_rotate(config: &Config, source: &KeySource, algs: &[SigningAlg], now: i64) -> ExitCode {
    let mut added = Vec::new();
    for alg in algs {
        match source.rotate(*alg, now, ROTATION_DELAY) {
            Ok(info) => {
                record_server_event(config, AuditAction::KeyRotated, &info.kid, now);
                added.push(info)
            }
            Err(e) => return keys_failure(&e),
        }
    }
    match print_json(&added) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => service_failure(&e),
    }
}

/// `keys retire KID`.
pub fn keys_retire(config: &Config, source: &KeySource, kid: &str, now: i64) -> ExitCode {
    match source.retire(kid, now) {
        Ok(promoted) => {
            record_server_event(config, AuditAction::KeyRetired, kid, now);
            if let Some(p) = promoted {
                eprintln!("portcullis: key {p} was promoted and signs from now on");
            }
            eprintln!("portcullis: key {kid} retired");
            ExitCode::SUCCESS
        }
        Err(e) => keys_failure(&e),
    }
}

/// `keys import`: copies the key directory's keys into the database (idempotent); one line per
/// imported key on stderr, the imported keys as JSON on stdout.
pub fn keys_import(config: &Config, source: &KeySource, now: i64) -> ExitCode {
    if config.keys_store != KeysStore::Database {
        return fail(
            1,
            "keys import copies the key directory into the database: set PORTCULLIS_KEYS_STORE=database",
        );
    }
    match source.import(&config.keys_dir, now) {
        Ok(imported) => {
            for k in &imported {
                eprintln!(
                    "portcullis: imported key {} ({}, {:?})",
                    k.kid, k.alg, k.state
                );
            }
            eprintln!(
                "portcullis: {} key(s) imported from {}",
                imported.len(),
                config.keys_dir.display()
            );
            match print_json(&imported) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => service_failure(&e),
            }
        }
        Err(e) => keys_failure(&e),
    }
}

/// First start (SPEC §1.3): an empty database gets the Default tenant; the credentials are
/// printed once and written to `data/initial-credentials.json` (mode 0600).
fn first_start(ctx: &Context) -> Result<(), ServiceError> {
    if !service::bootstrap::is_empty(ctx)? {
        return Ok(());
    }
    let out = match service::bootstrap::bootstrap(ctx, "Default", "admin@localhost") {
        Ok(o) => o,
        // Another node bootstrapped at the same moment.
        Err(ServiceError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let json =
        serde_json::to_string_pretty(&out).map_err(|e| ServiceError::Internal(e.to_string()))?;
    write_private_file("data/initial-credentials.json", json.as_bytes()).map_err(|e| {
        ServiceError::Internal(format!("cannot write data/initial-credentials.json: {e}"))
    })?;
    println!("\nFirst start: created tenant 'Default'. These credentials are shown once (also in data/initial-credentials.json):\n\n{json}\n");
    println!(
        "Get a token:\n  curl -s -u '{}:{}' -d grant_type=client_credentials {}/connect/token\n",
        out.admin_client_id, out.admin_client_secret, out.issuer
    );
    Ok(())
}

/// Writes a file only its owner can read. CAUTION: never opens `path` itself — an old file keeps
/// its old mode when truncated, and a planted symlink would be followed — but writes a new file
/// beside it (`create_new`, mode 0600) and renames it over `path`, which replaces a link rather
/// than writing through it.
fn write_private_file(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let path = std::path::Path::new(path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::write_private_file;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_files_are_0600_even_over_an_old_file_and_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("initial-credentials.json");
        let p = path.to_str().unwrap();
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private_file(p, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");

        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_private_file(p, b"secret").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(!std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "secret");
    }
}

/// `serve`.
pub fn serve(config: Config) -> ExitCode {
    let bind = config.bind.clone();
    let workers = config.workers;
    let ctx = match app::build_context(config, Clock::System) {
        Ok(c) => c,
        Err(e) => return fail(2, &e.to_string()),
    };
    if let Err(e) = first_start(&ctx) {
        return service_failure(&e);
    }
    let listener = match std::net::TcpListener::bind(&bind) {
        Ok(l) => l,
        Err(e) => return fail(1, &format!("cannot listen on {bind}: {e}")),
    };
    tracing::info!(%bind, issuer = %ctx.config.issuer(), "portcullis listening");
    let system = actix_web::rt::System::new();
    let result = system.block_on(async move {
        app::spawn_upkeep(ctx.clone());
        let server = app::server(app::app_state(ctx), listener, workers)?;
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            handle.stop(true).await;
        });
        server.await.map_err(app::StartError::from)
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(2, &e.to_string()),
    }
}

/// Resolves on Ctrl-C or (on unix) SIGTERM, which is what process managers send.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
