//! Storage: the only module that uses diesel. One `schema.rs` serves SQLite (embedded default) and
//! PostgreSQL (several nodes); the backend is chosen by the URL scheme. Repository functions take a
//! `&mut DbConn` and return domain types; a service runs them inside one [`Store::read`] or
//! [`Store::write`] unit of work.

pub mod audit;
pub mod client_secrets;
pub mod clients;
mod connection;
pub mod grants;
pub mod identity_providers;
pub mod invitations;
pub mod refresh;
pub mod roles;
pub mod schema;
pub mod server_secrets;
pub mod signing_keys;
pub mod tenants;
mod token_read;
pub mod users;

pub use connection::{Backend, DbConn};

use connection::{ConnectionManager, Pooled};
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a caller waits for a pooled connection unless configured (`config.database_wait`).
pub const DEFAULT_DATABASE_WAIT: Duration = Duration::from_secs(2);
/// Below this, a healthy but briefly busy database would already look unreachable.
const MIN_DATABASE_WAIT: Duration = Duration::from_millis(100);

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint was violated (e.g. an id or e-mail already taken).
    #[error("already exists")]
    Conflict,
    /// The database URL is not one Portcullis understands.
    #[error("unsupported database URL: {0} (use sqlite://PATH or postgres://...)")]
    UnsupportedUrl(String),
    /// Could not get a connection (pool exhausted or database down).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data could not be read back (corrupt JSON column, unknown enum value).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(diesel::result::Error),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Conflict,
            // The server went away under a pooled connection (restart, outage), or another
            // process held SQLite's write lock past the busy timeout: both are outages (503 with
            // Retry-After, SPEC §9), not bugs (500).
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            Error::DatabaseError(_, info) if is_outage_message(info.message()) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

/// Messages of database errors that mean "unreachable or busy", whatever kind diesel gave them.
fn is_outage_message(message: &str) -> bool {
    const OUTAGE: [&str; 6] = [
        "database is locked",
        "database is busy",
        "server closed the connection",
        "terminating connection",
        "no connection to the server",
        "could not receive data from server",
    ];
    OUTAGE.iter().any(|m| message.contains(m))
}

/// Inside [`Store::write`]: the work's own error, or diesel's from beginning or committing.
enum TransactionError<E> {
    Work(E),
    Database(diesel::result::Error),
}

impl<E> From<diesel::result::Error> for TransactionError<E> {
    fn from(e: diesel::result::Error) -> Self {
        TransactionError::Database(e)
    }
}

/// Result of repository functions.
pub type StoreResult<T> = Result<T, StoreError>;

/// The connection pool plus what a unit of work needs to run safely on either backend.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<ConnectionManager>,
    backend: Backend,
    /// CAUTION: SQLite allows one writer; serialising this process's write transactions avoids the
    /// read-then-write lock upgrade deadlock (SQLITE_BUSY without waiting) between pooled connections.
    sqlite_writer: Arc<Mutex<()>>,
    /// Where the wait for a connection is observed (`/metrics`), when the server counts it.
    wait: Option<prometheus::Histogram>,
    /// The line that units of work on the blocking pool wait in, first come first served, for
    /// one of a few places (see [`Store::admit`], `admitted_at_once`).
    admission: Arc<tokio::sync::Semaphore>,
}

/// A unit of work's place among those admitted to the pool, and its wait so far; the place is
/// freed when it drops.
pub struct Admission {
    _place: tokio::sync::OwnedSemaphorePermit,
    wait: UnitWait,
}

/// When a unit began to wait (in line), and when its wait for the database ends.
#[derive(Clone, Copy)]
struct UnitWait {
    since: Instant,
    deadline: Instant,
}

thread_local! {
    /// The wait of the unit running on this thread, until its first connection (see
    /// [`Admission::enter`]); `None` outside an admitted unit and after its first checkout.
    static WAITING: std::cell::Cell<Option<UnitWait>> = const { std::cell::Cell::new(None) };
}

/// An admitted unit running on this thread (its place held); leaving it clears the deadline.
pub struct Entered {
    _admission: Admission,
}

impl Admission {
    /// Runs the unit on this (blocking) thread: its first connection is waited for only as long
    /// as the unit's wait has left, so the line and the pool together take at most the database
    /// wait (SPEC §9), not twice it. Later checkouts of the unit wait as any other; its own work
    /// (argon2, signing) does not eat into them.
    pub fn enter(self) -> Entered {
        WAITING.with(|w| w.set(Some(self.wait)));
        Entered { _admission: self }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        WAITING.with(|w| w.set(None));
    }
}

/// The pool's connections at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolState {
    /// Handed out to a unit of work.
    pub in_use: u32,
    /// Open and waiting in the pool.
    pub idle: u32,
}

impl Store {
    /// Opens a pool for `url` (`sqlite://PATH` or `postgres://...`) with the default database wait.
    /// Creates the SQLite file's directory.
    pub fn open(url: &str, max_connections: u32) -> StoreResult<Store> {
        Self::open_with_wait(url, max_connections, DEFAULT_DATABASE_WAIT)
    }

    /// Opens a pool whose callers wait at most `wait` for a connection (SPEC §9: a request that
    /// needs the database gets 503 after that instead of hanging); SQLite's busy timeout is the
    /// same `wait`, so a write blocked by another process ends the same way.
    pub fn open_with_wait(url: &str, max_connections: u32, wait: Duration) -> StoreResult<Store> {
        let wait = wait.max(MIN_DATABASE_WAIT);
        let manager = ConnectionManager::new(url, wait)?;
        let backend = manager.backend();
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            // Connections are made when wanted, never behind the caller's back: with a minimum
            // of idle connections, r2d2 replenishes on a background thread after each checkout,
            // and a CLI command that exits while libpq is still connecting there crashes in
            // OpenSSL's exit handlers (seen: `keys retire` on PostgreSQL, 1 run in 3).
            .min_idle(Some(0))
            .idle_timeout(None)
            // r2d2 runs a validation query before every checkout: one extra statement on every
            // token request. A SQLite file connection cannot drop, so skip it there; a PostgreSQL
            // connection can (server restart), so keep it there: a broken connection is dropped at
            // checkout and replaced, which is how a node recovers by itself after an outage.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_timeout(wait)
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // Reach the database once, so a wrong URL or a database that is down fails here.
        drop(
            pool.get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?,
        );
        Ok(Store {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
            wait: None,
            admission: Arc::new(tokio::sync::Semaphore::new(admitted_at_once(
                max_connections,
            ))),
        })
    }

    /// Observes every wait for a connection in `histogram` (seconds).
    pub fn with_wait_histogram(mut self, histogram: prometheus::Histogram) -> Store {
        self.wait = Some(histogram);
        self
    }

    /// The pool's connections now (for `/metrics`).
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            in_use: state.connections.saturating_sub(state.idle_connections),
            idle: state.idle_connections,
        }
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations of the right dialect; returns how many ran.
    pub fn migrate(&self) -> StoreResult<usize> {
        self.migrate_reporting(|_| {})
    }

    /// Applies pending migrations one by one, calling `applied` after each (its position among
    /// the pending ones, its name, how long it took), so a long migration of a large database
    /// shows where it is. Each migration runs in its own
    /// transaction (diesel's harness), so an interrupted run resumes where it stopped.
    pub fn migrate_reporting(
        &self,
        mut applied: impl FnMut(MigrationStep<'_>),
    ) -> StoreResult<usize> {
        let mut conn = self.conn()?;
        let failed =
            |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
        match &mut **conn {
            DbConn::Sqlite(c) => {
                // Start-up work, not a request: wait for another process's migration or write
                // (two nodes starting at once) far longer than the request-time busy timeout.
                diesel::connection::SimpleConnection::batch_execute(
                    c,
                    "PRAGMA busy_timeout = 60000",
                )?;
                let result = run_each(c, SQLITE_MIGRATIONS, &mut applied);
                let wait = self.pool.connection_timeout().as_millis();
                diesel::connection::SimpleConnection::batch_execute(
                    c,
                    &format!("PRAGMA busy_timeout = {wait}"),
                )?;
                result.map_err(failed)
            }
            DbConn::Pg(c) => run_each(c, PG_MIGRATIONS, &mut applied).map_err(failed),
        }
    }

    /// Waits, at most as long as a connection is waited for, for a place among the units of work
    /// admitted to the pool, in the order they asked.
    /// CAUTION: without it every request had its own blocking thread, which waited for one of
    /// the 16 connections in r2d2 (woken in no fair order) and then competed for the cores with
    /// the others; on PostgreSQL at 64 connections some waited seconds (issue 10: token p99
    /// 1.1 s, requests over 2 s). Waiting here, as a task, keeps the order and the threads few.
    pub async fn admit(&self) -> StoreResult<Admission> {
        let started = Instant::now();
        let wait = self.pool.connection_timeout();
        let place = tokio::time::timeout(wait, self.admission.clone().acquire_owned()).await;
        let refused = |why: String| {
            // An admitted unit's wait is observed at its first checkout, line included.
            if let Some(histogram) = &self.wait {
                histogram.observe(started.elapsed().as_secs_f64());
            }
            Err(StoreError::Unavailable(why))
        };
        match place {
            Ok(Ok(place)) => Ok(Admission {
                _place: place,
                wait: UnitWait {
                    since: started,
                    deadline: started + wait,
                },
            }),
            Ok(Err(_closed)) => refused("the store is closed".into()),
            Err(_elapsed) => refused(format!(
                "no database connection free within {} ms",
                wait.as_millis()
            )),
        }
    }

    fn conn(&self) -> StoreResult<r2d2::PooledConnection<ConnectionManager>> {
        let now = Instant::now();
        // An admitted unit's first checkout: only what is left of its wait, and the wait observed
        // is the unit's whole wait (line and pool).
        let (since, timeout) = match WAITING.with(std::cell::Cell::take) {
            Some(w) => (w.since, w.deadline.saturating_duration_since(now)),
            None => (now, self.pool.connection_timeout()),
        };
        let conn = self.pool.get_timeout(timeout);
        if let Some(wait) = &self.wait {
            wait.observe(since.elapsed().as_secs_f64());
        }
        conn.map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs `work` on one pooled connection without a transaction (single reads).
    pub fn read<T, E>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.conn()?;
        checked(&mut conn, work)
    }

    /// [`Store::read`] only when a pooled connection is idle at once; `None` instead of waiting
    /// for one (for work on an async worker thread, which must not block).
    pub fn read_now<T, E>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let mut conn = self.pool.try_get()?;
        Some(checked(&mut conn, work))
    }

    /// Runs `work` in one transaction; rolled back when it returns an error. Errors of the
    /// transaction itself (begin, commit) come back as [`StoreError`]s, so no caller sees diesel.
    pub fn write<T, E>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.conn()?;
        // A poisoned lock only means another writer panicked; the database itself is consistent.
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.sqlite_writer.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        if self.backend == Backend::Sqlite {
            return checked(&mut conn, |c| immediate_transaction(c, work));
        }
        checked(&mut conn, |c| {
            c.transaction(|c| work(c).map_err(TransactionError::Work))
                .map_err(|e| match e {
                    TransactionError::Work(e) => e,
                    TransactionError::Database(e) => E::from(StoreError::from(e)),
                })
        })
    }

    /// Whether the database answers (for `/readyz`).
    pub fn ping(&self) -> bool {
        self.ping_within(self.pool.connection_timeout())
    }

    /// Whether the database answers, waiting at most `timeout` for a connection: `/readyz` must
    /// answer within about a second even while the pool waits for an unreachable server.
    pub fn ping_within(&self, timeout: Duration) -> bool {
        use diesel::RunQueryDsl;
        self.pool
            .get_timeout(timeout)
            .map(|mut c| checked(&mut c, |c| diesel::sql_query("SELECT 1").execute(c)).is_ok())
            .unwrap_or(false)
    }
}

/// Runs `work` on a pooled connection; when it fails, the connection is checked before its next
/// use (`connection::Pooled`): the failure may have been the connection's.
fn checked<T, E>(
    conn: &mut Pooled,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    let result = work(conn);
    if result.is_err() {
        conn.failed();
    }
    result
}

/// Units of work admitted to the pool at once: one per connection, but at most four per core.
/// A unit is mostly CPU (signing; on one machine, PostgreSQL's own work too); more runnable
/// threads than that only wait in the scheduler, which keeps no order: on 2 cores, PostgreSQL
/// ES256 tokens at 64 connections had p99 800 ms with 16 admitted, 10 ms with 8 (issue 10).
fn admitted_at_once(max_connections: u32) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    (max_connections as usize).min(4 * cores).max(1)
}

/// One applied migration, as reported by [`Store::migrate_reporting`].
#[derive(Clone, Copy, Debug)]
pub struct MigrationStep<'a> {
    /// 1-based position among the migrations pending when the run started.
    pub number: usize,
    pub of: usize,
    pub name: &'a str,
    pub took: Duration,
}

/// A SQLite write transaction that takes the write lock at `BEGIN IMMEDIATE`.
/// CAUTION: a deferred transaction that has read and then writes while another process holds the
/// write lock gets SQLITE_BUSY at once, without the busy timeout (SQLite's deadlock rule); taking
/// the lock first makes it wait up to the busy timeout instead, then fail as an outage (503).
/// The transaction is begun on the SQLite connection itself and finished through `DbConn`'s
/// transaction manager, which delegates to the same one, so nested transactions in `work` still
/// become savepoints.
fn immediate_transaction<T, E>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    type Manager = <DbConn as Connection>::TransactionManager;
    let database = |e: diesel::result::Error| E::from(StoreError::from(e));
    if let DbConn::Sqlite(c) = &mut *conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(database)?;
    }
    match work(conn) {
        Ok(value) => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = Manager::rollback_transaction(conn);
                Err(database(e))
            }
        },
        Err(e) => {
            // A failed rollback leaves the manager broken; r2d2 then drops the connection.
            let _ = Manager::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs the pending migrations of `source` one at a time, timing each.
fn run_each<C>(
    conn: &mut C,
    source: EmbeddedMigrations,
    applied: &mut impl FnMut(MigrationStep<'_>),
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let pending = conn.pending_migrations(source)?;
    for (i, migration) in pending.iter().enumerate() {
        let started = std::time::Instant::now();
        conn.run_migration(migration.as_ref())?;
        applied(MigrationStep {
            number: i + 1,
            of: pending.len(),
            name: &migration.name().to_string(),
            took: started.elapsed(),
        });
    }
    Ok(pending.len())
}

/// Encodes a string list for a TEXT column.
pub(crate) fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// Decodes a TEXT column holding a JSON string list.
pub(crate) fn from_json_list(text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}
