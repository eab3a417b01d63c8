//! Bounded password work (SPEC §8). argon2id costs ~19 MiB and tens of milliseconds per call, so
//! it runs on a few threads of its own — never on the blocking pool the token endpoint uses — and
//! at most as many computations as there are threads run at once. A caller that finds every
//! thread busy is told so at once ([`ServiceError::Unavailable`], answered 503 with `Retry-After`)
//! instead of queueing without bound.

use super::{ServiceError, ServiceResult};
use crate::crypto::secrets;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// The password threads and the count of computations running on them.
pub struct PasswordWork {
    jobs: Sender<Job>,
    running: Arc<AtomicUsize>,
    limit: usize,
    /// Computations started since start (for tests and metrics).
    started: AtomicU64,
}

impl std::fmt::Debug for PasswordWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordWork")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// A taken slot, given back when the computation ends (or its caller gives up).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl PasswordWork {
    /// `limit` threads (at least one), e.g. twice the cores.
    pub fn start(limit: usize) -> ServiceResult<PasswordWork> {
        let limit = limit.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..limit {
            let rx = Arc::clone(&rx);
            std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || worker(&rx))
                .map_err(|e| ServiceError::Internal(format!("password thread: {e}")))?;
        }
        Ok(PasswordWork {
            jobs: tx,
            running: Arc::new(AtomicUsize::new(0)),
            limit,
            started: AtomicU64::new(0),
        })
    }

    /// The default size: twice the cores the process may use.
    pub fn default_limit() -> usize {
        2 * std::thread::available_parallelism().map_or(1, usize::from)
    }

    /// Runs `work` on a password thread and waits for it; `Unavailable` at once when `limit`
    /// computations are already running.
    fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> ServiceResult<T> {
        let busy = || ServiceError::Unavailable("every password check is busy".to_owned());
        let taken = self
            .running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.limit).then_some(n + 1)
            });
        if taken.is_err() {
            return Err(busy());
        }
        let slot = Slot(Arc::clone(&self.running));
        self.started.fetch_add(1, Ordering::Relaxed);
        let (done, result): (SyncSender<T>, Receiver<T>) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let out = work();
            // Free the slot before answering, so the caller's next check finds it free.
            drop(slot);
            // The caller may be gone; then nobody needs the result.
            let _ = done.send(out);
        });
        self.jobs
            .send(job)
            .map_err(|_| ServiceError::Internal("password threads stopped".to_owned()))?;
        result
            .recv()
            .map_err(|_| ServiceError::Internal("password thread failed".to_owned()))
    }

    /// How many computations have started on the password threads.
    pub fn computations(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    /// Whether `password` matches the stored argon2id `hash`.
    pub fn verify(&self, password: &str, hash: &str) -> ServiceResult<bool> {
        let (password, hash) = (password.to_owned(), hash.to_owned());
        self.run(move || secrets::verify_password(&password, &hash))
    }

    /// The same work as [`verify`](Self::verify) for an account that does not exist, so timing
    /// reveals nothing; always `false`.
    pub fn verify_nothing(&self, password: &str) -> ServiceResult<bool> {
        let password = password.to_owned();
        self.run(move || {
            secrets::dummy_password_verify(&password);
            false
        })
    }

    /// A new argon2id hash of `password`.
    pub fn hash(&self, password: &str) -> ServiceResult<String> {
        let password = password.to_owned();
        self.run(move || secrets::hash_password(&password))?
            .map_err(ServiceError::from)
    }
}

fn worker(jobs: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while taking a job, never while running one.
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(p) => p.into_inner().recv(),
        };
        match job {
            Ok(job) => job(),
            Err(_) => return, // The sender is gone: the server is stopping.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn beyond_the_limit_a_caller_is_turned_away_at_once() {
        let work = Arc::new(PasswordWork::start(2).unwrap());
        let gate = Arc::new(Barrier::new(3));
        let held: Vec<_> = (0..2)
            .map(|_| {
                let (work, gate) = (Arc::clone(&work), Arc::clone(&gate));
                std::thread::spawn(move || {
                    work.run(move || {
                        gate.wait(); // both slots taken
                        gate.wait(); // released by the test
                    })
                })
            })
            .collect();
        gate.wait();
        assert!(matches!(work.run(|| ()), Err(ServiceError::Unavailable(_))));
        gate.wait();
        for h in held {
            h.join().unwrap().unwrap();
        }
        assert_eq!(work.run(|| 7).unwrap(), 7, "slots are given back");
    }

    #[test]
    fn hashes_verify_on_the_password_threads() {
        let work = PasswordWork::start(1).unwrap();
        let hash = work.hash("correct horse battery").unwrap();
        assert!(work.verify("correct horse battery", &hash).unwrap());
        assert!(!work.verify("wrong", &hash).unwrap());
        assert!(!work.verify_nothing("anything").unwrap());
    }
}
