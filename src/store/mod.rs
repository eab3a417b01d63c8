//! Storage: the only module that uses diesel. One `schema.rs` serves SQLite (embedded default) and
//! PostgreSQL (several nodes); the backend is chosen by the URL scheme. Repository functions take a
//! `&mut DbConn` and return domain types; a service runs them inside one [`Store::read`] or
//! [`Store::write`] unit of work.

pub mod client_secrets;
pub mod clients;
mod connection;
pub mod grants;
pub mod refresh;
pub mod roles;
pub mod schema;
pub mod server_secrets;
pub mod tenants;
pub mod users;

pub use connection::{Backend, DbConn};

use connection::ConnectionManager;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

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
            other => StoreError::Database(other),
        }
    }
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
}

impl Store {
    /// Opens a pool for `url` (`sqlite://PATH` or `postgres://...`). Creates the SQLite file's directory.
    pub fn open(url: &str, max_connections: u32) -> StoreResult<Store> {
        let manager = ConnectionManager::new(url)?;
        let backend = manager.backend();
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            // r2d2 runs a validation query before every checkout: one extra statement on every
            // token request. A SQLite file connection cannot drop, so skip it there; a PostgreSQL
            // connection can (server restart), so keep it there.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Store {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
        })
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations of the right dialect; returns how many ran.
    pub fn migrate(&self) -> StoreResult<usize> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| StoreError::Migration(e.to_string()))
    }

    fn conn(&self) -> StoreResult<r2d2::PooledConnection<ConnectionManager>> {
        self.pool
            .get()
            .map_err(|e| StoreError::Unavailable(e.to_string()))
    }

    /// Runs `work` on one pooled connection without a transaction (single reads).
    pub fn read<T, E>(&self, work: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.conn()?;
        work(&mut conn)
    }

    /// [`Store::read`] only when a pooled connection is idle at once; `None` instead of waiting
    /// for one (for work on an async worker thread, which must not block).
    pub fn read_now<T, E>(
        &self,
        work: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let mut conn = self.pool.try_get()?;
        Some(work(&mut conn))
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
        (*conn)
            .transaction(|c| work(c).map_err(TransactionError::Work))
            .map_err(|e| match e {
                TransactionError::Work(e) => e,
                TransactionError::Database(e) => E::from(StoreError::from(e)),
            })
    }

    /// Whether the database answers (for `/readyz`).
    pub fn ping(&self) -> bool {
        use diesel::RunQueryDsl;
        self.conn()
            .map(|mut c| diesel::sql_query("SELECT 1").execute(&mut *c).is_ok())
            .unwrap_or(false)
    }
}

/// Encodes a string list for a TEXT column.
pub(crate) fn to_json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

/// Decodes a TEXT column holding a JSON string list.
pub(crate) fn from_json_list(text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}
