//! The only place that reads the time. Everything else receives `now` from a [`Clock`], so tests can
//! pin or advance time (code expiry, key activation) without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Seconds since the Unix epoch. Every timestamp in Portcullis (tokens, database rows) uses this unit.
pub type UnixTime = i64;

/// A source of the current time.
#[derive(Clone, Debug)]
pub enum Clock {
    /// The operating system clock.
    System,
    /// A settable clock for tests; shared, so a test can move the time of a running server.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    /// A fixed clock starting at `start`.
    pub fn fixed(start: UnixTime) -> Self {
        Clock::Fixed(Arc::new(AtomicI64::new(start)))
    }

    /// The current time in whole seconds.
    pub fn now(&self) -> UnixTime {
        match self {
            Clock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            Clock::Fixed(t) => t.load(Ordering::SeqCst),
        }
    }

    /// Moves a fixed clock forward; a no-op on the system clock.
    pub fn advance(&self, seconds: i64) {
        if let Clock::Fixed(t) = self {
            t.fetch_add(seconds, Ordering::SeqCst);
        }
    }

    /// Sets a fixed clock; a no-op on the system clock.
    pub fn set(&self, now: UnixTime) {
        if let Clock::Fixed(t) = self {
            t.store(now, Ordering::SeqCst);
        }
    }
}
