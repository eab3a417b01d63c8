//! Wiring: builds the service [`Context`] (configuration, database pool, keys, clock) and the actix
//! server bound to a given listener, plus the background upkeep tasks.

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::master_key::MasterKey;
use crate::crypto::secrets::{random_token, CsrfKey};
use crate::http::{self, AppState};
use crate::service::keys::{KeyCache, REFRESH_INTERVAL_SECS};
use crate::service::{Context, PasswordWork};
use crate::store::Store;
use actix_web::{middleware, web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("signing keys: {0}")]
    Keys(#[from] crate::service::keys::KeysError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("http server: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    MasterKey(#[from] crate::crypto::master_key::MasterKeyError),
    #[error("password threads: {0}")]
    Passwords(String),
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("HTTP client for identity providers: {0}")]
    Federation(String),
}

/// Opens the database (applying migrations) and the key directory.
pub fn build_context(config: Config, clock: Clock) -> Result<Context, StartError> {
    let master = MasterKey::load_or_create(&config.master_key_file)?;
    let metrics = Arc::new(crate::metrics::Metrics::new(
        config.key_rotation_days > 0,
        option_env!("PORTCULLIS_GIT_COMMIT"),
    )?);
    let store = Store::open_with_wait(
        &config.database_url,
        config.database_connections,
        config.database_wait,
    )?
    .with_wait_histogram(metrics.pool_wait());
    store.migrate_reporting(|step| {
        tracing::info!(
            migration = step.name,
            seconds = step.took.as_secs_f64(),
            "applied migration {}/{}",
            step.number,
            step.of
        )
    })?;
    let master = Arc::new(master);
    let keys = KeyCache::open(&config, &store, Arc::clone(&master), clock.now())?;
    let passwords = PasswordWork::start(PasswordWork::default_limit())
        .map_err(|e| StartError::Passwords(e.to_string()))?;
    let candidate = random_token(32)?;
    let csrf_secret = store.write(|conn| {
        crate::store::server_secrets::get_or_create(conn, "csrf", &candidate, clock.now())
    })?;
    Ok(Context {
        config: Arc::new(config),
        store,
        clock,
        keys: Arc::new(keys),
        passwords: Arc::new(passwords),
        csrf: Arc::new(CsrfKey::new(csrf_secret.as_bytes())),
        master,
        metrics,
        federation: Arc::new(
            crate::service::federation::upstream::Upstreams::new()
                .map_err(StartError::Federation)?,
        ),
    })
}

/// The HTTP state for a context.
pub fn app_state(ctx: Context) -> AppState {
    let c = &ctx.config;
    let mut algs = vec![c.access_token_alg.as_str()];
    if !algs.contains(&"RS256") {
        algs.push("RS256");
    }
    let discovery = crate::oidc::discovery::document(&c.issuer(), &c.api_scope, &algs);
    AppState {
        discovery: web::Bytes::from(serde_json::to_vec(&discovery).unwrap_or_default()),
        ctx,
    }
}

/// Starts the server on `listener`; the returned future runs it until stopped.
pub fn server(
    state: AppState,
    listener: TcpListener,
    workers: Option<usize>,
) -> Result<actix_web::dev::Server, StartError> {
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(middleware::from_fn(http::retry_after::middleware))
            .wrap(middleware::from_fn(http::request_id::middleware))
            .wrap(middleware::from_fn(http::request_metrics::middleware))
            .configure(http::routes)
    })
    .listen(listener)?;
    if let Some(n) = workers {
        server = server.workers(n);
    }
    Ok(server.disable_signals().run())
}

/// Background upkeep: re-reads the key directory (keys rotated by the CLI or another node), purges
/// retired keys, and deletes expired grant artefacts in small batches. Runs on the current actix
/// system until it stops.
pub fn spawn_upkeep(ctx: Context) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(REFRESH_INTERVAL_SECS));
        let mut rounds: u64 = 0;
        loop {
            tick.tick().await;
            rounds += 1;
            let c = ctx.clone();
            let purge_keys = rounds.is_multiple_of(360);
            let purge_grants = rounds.is_multiple_of(6);
            let result = web::block(move || {
                if purge_grants {
                    if let Err(e) = crate::service::upkeep::purge_expired(&c) {
                        tracing::warn!(error = %e, "purging expired grants failed");
                    }
                }
                crate::service::upkeep::key_upkeep(&c, purge_keys)
            })
            .await;
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "key refresh failed"),
                Err(e) => tracing::warn!(error = %e, "key refresh task failed"),
            }
        }
    });
}
