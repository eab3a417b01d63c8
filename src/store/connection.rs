//! One connection type over both backends (`diesel::MultiConnection`) and an r2d2 manager that picks
//! the backend from the URL scheme. CAUTION: diesel's own `establish` on a multi-connection would let
//! SQLite treat any string as a file name, so unknown schemes are rejected here.

use super::{StoreError, StoreResult};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use std::time::{Duration, Instant};

/// A connection to SQLite or PostgreSQL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// A pooled connection, and whether it is known to work: PostgreSQL's connections can drop (a
/// server restart), so one is checked with a query at checkout unless it came back from work that
/// went well within [`PROVEN_FOR`].
pub struct Pooled {
    conn: DbConn,
    /// When work on it last went well (or it was made or checked); `None` after work that failed.
    proven: Option<Instant>,
}

/// How long a connection that just served work without an error is trusted without a check.
/// CAUTION: the check is a round trip and a statement on the server for every unit of work; on
/// PostgreSQL it cost a quarter of the token rate (issue 10: ES256 10 700/s with it, 14 300/s
/// without). HikariCP skips its check the same way (`aliveBypassWindowMs`, 500 ms). A server that
/// restarts inside this window costs at most one failed unit (503) per pooled connection.
pub const PROVEN_FOR: Duration = Duration::from_millis(500);

impl Pooled {
    fn fresh(conn: DbConn) -> Pooled {
        Pooled {
            conn,
            proven: Some(Instant::now()),
        }
    }

    /// Records that work on this connection failed: it is checked before its next use.
    pub fn failed(&mut self) {
        self.proven = None;
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
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
                target: bounded_pg_url(url, busy_timeout),
            })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// `url` with libpq's waits bounded by the database wait, unless the URL sets them itself.
/// CAUTION: by default libpq waits forever for a server that does not answer (its host gone,
/// packets dropped): connecting would block r2d2's background threads, and the validation query of
/// a pooled connection — run in the request's own thread — would hang the request. With
/// `connect_timeout` (whole seconds, at least 2) and `tcp_user_timeout` (unacknowledged data) such a
/// connection fails instead, as a closed connection, which the request reports as 503.
fn bounded_pg_url(url: &str, wait: std::time::Duration) -> String {
    let params = [
        ("connect_timeout", wait.as_secs().max(2).to_string()),
        ("tcp_user_timeout", wait.as_millis().max(1000).to_string()),
    ];
    let mut out = url.to_owned();
    for (key, value) in params {
        let query = out.split_once('?').map(|(_, q)| q).unwrap_or("");
        if query.split('&').any(|p| p.split('=').next() == Some(key)) {
            continue;
        }
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str(&format!("{key}={value}"));
    }
    out
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
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
                Ok(Pooled::fresh(DbConn::Sqlite(c)))
            }
            Backend::Postgres => PgConnection::establish(&self.target)
                .map(|c| Pooled::fresh(DbConn::Pg(c)))
                .map_err(diesel::r2d2::Error::ConnectionError),
        }
    }

    /// Run at checkout (`test_on_check_out`, PostgreSQL only): a query, unless work on the
    /// connection went well within [`PROVEN_FOR`].
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), Self::Error> {
        if conn.proven.is_some_and(|at| at.elapsed() < PROVEN_FOR) {
            return Ok(());
        }
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)?;
        conn.proven = Some(Instant::now());
        Ok(())
    }

    /// On return to the pool. A connection whose transaction state diesel gave up on is dropped
    /// instead of returned; one whose server went away is caught by the check at checkout.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        if conn.proven.is_some() {
            conn.proven = Some(Instant::now());
        }
        diesel::r2d2::R2D2Connection::is_broken(&mut conn.conn)
    }
}

#[cfg(test)]
mod tests {
    use super::bounded_pg_url;
    use std::time::Duration;

    #[test]
    fn postgres_urls_get_bounded_waits_unless_they_set_their_own() {
        let two = Duration::from_secs(2);
        assert_eq!(
            bounded_pg_url("postgres://u@h/db", two),
            "postgres://u@h/db?connect_timeout=2&tcp_user_timeout=2000"
        );
        assert_eq!(
            bounded_pg_url(
                "postgres://u@h/db?options=-csearch_path%3Dx",
                Duration::from_millis(500)
            ),
            "postgres://u@h/db?options=-csearch_path%3Dx&connect_timeout=2&tcp_user_timeout=1000"
        );
        assert_eq!(
            bounded_pg_url(
                "postgres://u@h/db?connect_timeout=10&tcp_user_timeout=0",
                two
            ),
            "postgres://u@h/db?connect_timeout=10&tcp_user_timeout=0"
        );
    }
}
