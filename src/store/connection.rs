//! One connection type over both backends (`diesel::MultiConnection`) and an r2d2 manager that picks
//! the backend from the URL scheme. CAUTION: diesel's own `establish` on a multi-connection would let
//! SQLite treat any string as a file name, so unknown schemes are rejected here.

use super::{StoreError, StoreResult};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

/// A connection to SQLite or PostgreSQL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// The database product behind a URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// r2d2 manager for [`DbConn`].
pub struct ConnectionManager {
    backend: Backend,
    /// SQLite's busy timeout: how long a write waits for another process's write lock.
    busy_timeout: std::time::Duration,
    /// For SQLite the file path, for PostgreSQL the full URL.
    target: String,
}

impl ConnectionManager {
    pub fn new(url: &str, busy_timeout: std::time::Duration) -> StoreResult<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::UnsupportedUrl(url.to_owned()));
            }
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
            Ok(Self {
                busy_timeout,
                backend: Backend::Sqlite,
                target: path.to_owned(),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self {
                busy_timeout,
                backend: Backend::Postgres,
                target: url.to_owned(),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        match self.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.target)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; the busy timeout makes a writer wait for
                // another process (the CLI, another node) instead of failing at once, but no
                // longer than a request waits for a connection (then: 503, SPEC §9).
                let busy_ms = self.busy_timeout.as_millis().min(u128::from(u32::MAX));
                c.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = {busy_ms}; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
            Backend::Postgres => PgConnection::establish(&self.target)
                .map(DbConn::Pg)
                .map_err(diesel::r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection whose transaction state diesel gave up on is dropped instead of returned to
    /// the pool; a connection whose server went away is caught by `test_on_check_out`.
    fn has_broken(&self, conn: &mut DbConn) -> bool {
        diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}
