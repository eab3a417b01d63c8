//! The server's metrics (SPEC §13.1), kept in one Prometheus registry per server (the `prometheus`
//! crate, docs/decisions/0008) and rendered by `http::ops` at `/metrics`.
//!
//! This module is the sink every layer reports to: the HTTP layer counts requests and token
//! answers, the service layer the security events only it can see (sign-in outcomes, throttling,
//! code replays, refresh-token reuse), the store the wait for a pooled connection; gauges that
//! describe state (pool, keys, expiring secrets) are set when `/metrics` is scraped
//! (`service::scrape`). It knows no HTTP framework and no database. No global registry: every
//! server (and every test server in one process) counts on its own.
//!
//! Cost on the hot path: the token counters are resolved once, at start (an atomic add per
//! token); an HTTP request costs one labelled-histogram lookup (a hash of three short strings
//! under a read lock) and one observation.

use crate::clock::UnixTime;
use crate::domain::ClientKind;
use crate::oauth::{ErrorCode, GrantType};
use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::sync::Mutex;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = prometheus::TEXT_FORMAT;

/// The `provider` label of a sign-in with a password stored here (federation adds upstream ids).
pub const LOCAL_PROVIDER: &str = "local";

/// How often, at most, a scrape counts the expiring client secrets again (seconds).
pub const SECRETS_RECOUNT_SECS: i64 = 60;

/// "Expiring soon" for client secrets: within this many seconds (30 days).
pub const SECRETS_EXPIRING_WITHIN_SECS: i64 = 30 * 86_400;

/// Latency buckets of HTTP requests (seconds): sub-millisecond token answers up to slow pages.
const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Buckets of the wait for a pooled connection (seconds): none at all up to the pool timeout.
const POOL_WAIT_BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0,
];

/// The error codes the token endpoint answers with; their series exist from the start at 0, so an
/// alert on `increase(...)` sees the first refusal.
const TOKEN_ERRORS: [ErrorCode; 8] = [
    ErrorCode::InvalidRequest,
    ErrorCode::InvalidClient,
    ErrorCode::InvalidGrant,
    ErrorCode::UnauthorizedClient,
    ErrorCode::UnsupportedGrantType,
    ErrorCode::InvalidScope,
    ErrorCode::TemporarilyUnavailable,
    ErrorCode::ServerError,
];

const CLIENT_KINDS: [ClientKind; 3] = [
    ClientKind::ClientCredentials,
    ClientKind::AuthorizationCode,
    ClientKind::Hybrid,
];

/// How a sign-in attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Signed in.
    Success,
    /// Wrong e-mail or password (or unknown account).
    Failure,
    /// Refused without checking the password: the address is backing off.
    Throttled,
}

impl SignInOutcome {
    const ALL: [SignInOutcome; 3] = [
        SignInOutcome::Success,
        SignInOutcome::Failure,
        SignInOutcome::Throttled,
    ];

    fn as_str(self) -> &'static str {
        match self {
            SignInOutcome::Success => "success",
            SignInOutcome::Failure => "failure",
            SignInOutcome::Throttled => "throttled",
        }
    }
}

/// Which throttle held a sign-in attempt back (SPEC §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// The address, or the account at the address, is backing off: refused unchecked.
    Backoff,
    /// The account is over its limit from all addresses: the refusal was answered slowly.
    SlowDown,
}

impl Throttle {
    fn as_str(self) -> &'static str {
        match self {
            Throttle::Backoff => "backoff",
            Throttle::SlowDown => "slow_down",
        }
    }
}

/// Signing keys by state, as the key metadata says now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyCounts {
    pub next: i64,
    pub active: i64,
    pub retired: i64,
}

/// Every series of one server.
pub struct Metrics {
    registry: Registry,
    http_requests: HistogramVec,
    /// Indexed by [`issued_index`]: resolved at start, so issuing a token hashes no label.
    tokens_issued: Vec<IntCounter>,
    tokens_refused: IntCounterVec,
    sign_ins: IntCounterVec,
    throttled: IntCounterVec,
    refresh_reuse: IntCounter,
    code_replays: IntCounter,
    pool_connections: IntGaugeVec,
    pool_wait: Histogram,
    signing_keys: IntGaugeVec,
    /// Registered only when keys rotate automatically (`PORTCULLIS_KEY_ROTATION_DAYS` > 0).
    next_rotation: Option<IntGauge>,
    secrets_expiring: IntGaugeVec,
    secrets_count: Mutex<SecretsCount>,
}

/// When the expiring secrets were last counted, and which tenants had some.
#[derive(Default)]
struct SecretsCount {
    at: Option<UnixTime>,
    tenants: Vec<String>,
}

fn issued_index(grant: GrantType, kind: ClientKind) -> usize {
    let g = GrantType::ALL.iter().position(|x| *x == grant).unwrap_or(0);
    let k = CLIENT_KINDS.iter().position(|x| *x == kind).unwrap_or(0);
    g * CLIENT_KINDS.len() + k
}

impl Metrics {
    /// Registers every series; `rotates`: whether keys rotate automatically (so there is a next
    /// rotation to report). `commit`: the git commit the binary was built from, if known.
    pub fn new(rotates: bool, commit: Option<&str>) -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let http_requests = HistogramVec::new(
            HistogramOpts::new(
                "portcullis_http_request_duration_seconds",
                "HTTP requests by route template, method and status class, with their latency.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["route", "method", "status"],
        )?;
        let tokens_issued_vec = IntCounterVec::new(
            Opts::new(
                "portcullis_tokens_issued_total",
                "Tokens issued by the token endpoint, by grant type and client kind.",
            ),
            &["grant_type", "client_kind"],
        )?;
        let mut tokens_issued = Vec::new();
        for grant in GrantType::ALL {
            for kind in CLIENT_KINDS {
                tokens_issued.push(
                    tokens_issued_vec
                        .get_metric_with_label_values(&[grant.as_str(), kind.as_str()])?,
                );
            }
        }
        let tokens_refused = IntCounterVec::new(
            Opts::new(
                "portcullis_token_requests_refused_total",
                "Token requests answered with an OAuth error, by error code.",
            ),
            &["error"],
        )?;
        for code in TOKEN_ERRORS {
            tokens_refused.get_metric_with_label_values(&[code.as_str()])?;
        }
        let sign_ins = IntCounterVec::new(
            Opts::new(
                "portcullis_sign_ins_total",
                "Sign-in attempts by identity provider and outcome.",
            ),
            &["provider", "outcome"],
        )?;
        for outcome in SignInOutcome::ALL {
            sign_ins.get_metric_with_label_values(&[LOCAL_PROVIDER, outcome.as_str()])?;
        }
        let throttled = IntCounterVec::new(
            Opts::new(
                "portcullis_sign_in_throttled_total",
                "Sign-in attempts held back by throttling: refused unchecked (backoff) or answered slowly (slow_down).",
            ),
            &["throttle"],
        )?;
        for t in [Throttle::Backoff, Throttle::SlowDown] {
            throttled.get_metric_with_label_values(&[t.as_str()])?;
        }
        let refresh_reuse = IntCounter::new(
            "portcullis_refresh_token_reuse_total",
            "Refresh tokens reused after rotation; each revoked its family.",
        )?;
        let code_replays = IntCounter::new(
            "portcullis_code_replays_total",
            "Authorization codes presented again; each revoked the tokens it had produced.",
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "portcullis_db_pool_connections",
                "Database pool connections by state (in_use, idle).",
            ),
            &["state"],
        )?;
        let pool_wait = Histogram::with_opts(
            HistogramOpts::new(
                "portcullis_db_pool_wait_seconds",
                "Time spent waiting for a pooled database connection: for a place in the line of units of work admitted to the pool, and for the connection itself.",
            )
            .buckets(POOL_WAIT_BUCKETS.to_vec()),
        )?;
        let signing_keys = IntGaugeVec::new(
            Opts::new("portcullis_signing_keys", "Signing keys by state."),
            &["state"],
        )?;
        let next_rotation = if rotates {
            Some(IntGauge::new(
                "portcullis_signing_key_next_rotation_seconds",
                "Seconds until the active signing key is due to be replaced (negative: overdue).",
            )?)
        } else {
            None
        };
        let secrets_expiring = IntGaugeVec::new(
            Opts::new(
                "portcullis_client_secrets_expiring",
                "Client secrets that expire within 30 days, per tenant (tenants with none are absent).",
            ),
            &["tenant"],
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new(
                "portcullis_build_info",
                "The running build: its version and git commit (unknown unless given at build time).",
            ),
            &["version", "commit"],
        )?;
        build_info
            .get_metric_with_label_values(&[
                env!("CARGO_PKG_VERSION"),
                commit.unwrap_or("unknown"),
            ])?
            .set(1);
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(tokens_issued_vec))?;
        registry.register(Box::new(tokens_refused.clone()))?;
        registry.register(Box::new(sign_ins.clone()))?;
        registry.register(Box::new(throttled.clone()))?;
        registry.register(Box::new(refresh_reuse.clone()))?;
        registry.register(Box::new(code_replays.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_wait.clone()))?;
        registry.register(Box::new(signing_keys.clone()))?;
        if let Some(g) = &next_rotation {
            registry.register(Box::new(g.clone()))?;
        }
        registry.register(Box::new(secrets_expiring.clone()))?;
        registry.register(Box::new(build_info))?;
        Ok(Metrics {
            registry,
            http_requests,
            tokens_issued,
            tokens_refused,
            sign_ins,
            throttled,
            refresh_reuse,
            code_replays,
            pool_connections,
            pool_wait,
            signing_keys,
            next_rotation,
            secrets_expiring,
            secrets_count: Mutex::new(SecretsCount::default()),
        })
    }

    /// One HTTP request: its route template (bounded, never a raw path), method and status class
    /// labels, and how long it took.
    pub fn http_request(&self, route: &str, method: &str, status_class: &str, seconds: f64) {
        self.http_requests
            .with_label_values(&[route, method, status_class])
            .observe(seconds);
    }

    /// A token issued by the token endpoint.
    pub fn token_issued(&self, grant: GrantType, kind: ClientKind) {
        if let Some(c) = self.tokens_issued.get(issued_index(grant, kind)) {
            c.inc();
        }
    }

    /// A token request refused with `code`.
    pub fn token_refused(&self, code: ErrorCode) {
        self.tokens_refused
            .with_label_values(&[code.as_str()])
            .inc();
    }

    /// A sign-in attempt at `provider` ([`LOCAL_PROVIDER`] for a password checked here).
    pub fn sign_in(&self, provider: &str, outcome: SignInOutcome) {
        self.sign_ins
            .with_label_values(&[provider, outcome.as_str()])
            .inc();
    }

    /// A sign-in attempt held back by a throttle.
    pub fn throttled(&self, throttle: Throttle) {
        self.throttled.with_label_values(&[throttle.as_str()]).inc();
    }

    /// A refresh token reused after rotation (its family was revoked).
    pub fn refresh_reuse(&self) {
        self.refresh_reuse.inc();
    }

    /// An authorization code presented again (what it produced was revoked).
    pub fn code_replay(&self) {
        self.code_replays.inc();
    }

    /// The histogram the store observes its connection waits in.
    pub fn pool_wait(&self) -> Histogram {
        self.pool_wait.clone()
    }

    /// The pool's connections now.
    pub fn set_pool(&self, in_use: u32, idle: u32) {
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(idle));
    }

    /// The signing keys now, and the seconds until the next rotation is due (`None`: no active key).
    pub fn set_keys(&self, counts: KeyCounts, next_rotation_in: Option<i64>) {
        for (state, n) in [
            ("next", counts.next),
            ("active", counts.active),
            ("retired", counts.retired),
        ] {
            self.signing_keys.with_label_values(&[state]).set(n);
        }
        if let Some(g) = &self.next_rotation {
            // No active key: the rotation is due now.
            g.set(next_rotation_in.unwrap_or(0));
        }
    }

    /// Claims the recount of expiring secrets if the last one is older than
    /// [`SECRETS_RECOUNT_SECS`] at `now`; a `true` answer obliges the caller to
    /// [`Metrics::set_secrets_expiring`] (a failed count waits for the next period).
    pub fn claim_secrets_recount(&self, now: UnixTime) -> bool {
        let mut count = self.secrets_count.lock().unwrap_or_else(|p| p.into_inner());
        let due = count
            .at
            .is_none_or(|at| now - at >= SECRETS_RECOUNT_SECS || now < at);
        if due {
            count.at = Some(now);
        }
        due
    }

    /// The expiring secrets per tenant (tenants missing here had none and lose their series).
    pub fn set_secrets_expiring(&self, per_tenant: &[(String, i64)]) {
        let mut count = self.secrets_count.lock().unwrap_or_else(|p| p.into_inner());
        for gone in count
            .tenants
            .iter()
            .filter(|t| !per_tenant.iter().any(|(n, _)| n == *t))
        {
            let _ = self.secrets_expiring.remove_label_values(&[gone.as_str()]);
        }
        for (tenant, n) in per_tenant {
            self.secrets_expiring
                .with_label_values(&[tenant.as_str()])
                .set(*n);
        }
        count.tenants = per_tenant.iter().map(|(t, _)| t.clone()).collect();
    }

    /// Every series in the Prometheus text format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut out = String::new();
        TextEncoder::new().encode_utf8(&self.registry.gather(), &mut out)?;
        Ok(out)
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        text.lines()
            .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
            .map(|l| &l[series.len() + 1..])
    }

    #[test]
    fn every_grant_and_kind_has_its_own_counter() {
        let m = Metrics::new(false, None).unwrap();
        m.token_issued(GrantType::RefreshToken, ClientKind::Hybrid);
        m.token_issued(GrantType::RefreshToken, ClientKind::Hybrid);
        m.token_issued(GrantType::ClientCredentials, ClientKind::ClientCredentials);
        let text = m.render().unwrap();
        let v = |g: &str, k: &str| {
            line(
                &text,
                &format!(
                    "portcullis_tokens_issued_total{{client_kind=\"{k}\",grant_type=\"{g}\"}}"
                ),
            )
            .map(str::to_owned)
        };
        assert_eq!(v("refresh_token", "hybrid").as_deref(), Some("2"));
        assert_eq!(
            v("client_credentials", "client_credentials").as_deref(),
            Some("1")
        );
        assert_eq!(v("authorization_code", "hybrid").as_deref(), Some("0"));
        let distinct: std::collections::HashSet<usize> = GrantType::ALL
            .iter()
            .flat_map(|g| CLIENT_KINDS.iter().map(move |k| issued_index(*g, *k)))
            .collect();
        assert_eq!(distinct.len(), 9);
    }

    #[test]
    fn the_rotation_gauge_exists_only_when_keys_rotate_and_build_info_names_the_version() {
        let fixed = Metrics::new(false, None).unwrap();
        fixed.set_keys(KeyCounts::default(), Some(5));
        let text = fixed.render().unwrap();
        assert!(!text.contains("portcullis_signing_key_next_rotation_seconds"));
        assert!(text.contains(&format!(
            "portcullis_build_info{{commit=\"unknown\",version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )));
        let rotating = Metrics::new(true, Some("abc123")).unwrap();
        rotating.set_keys(
            KeyCounts {
                next: 1,
                active: 2,
                retired: 0,
            },
            Some(-30),
        );
        let text = rotating.render().unwrap();
        assert_eq!(
            line(&text, "portcullis_signing_key_next_rotation_seconds"),
            Some("-30")
        );
        assert_eq!(
            line(&text, "portcullis_signing_keys{state=\"active\"}"),
            Some("2")
        );
        assert!(text.contains("commit=\"abc123\""));
    }

    #[test]
    fn expiring_secrets_are_recounted_at_most_once_a_period_and_stale_tenants_disappear() {
        let m = Metrics::new(false, None).unwrap();
        assert!(m.claim_secrets_recount(1000));
        assert!(!m.claim_secrets_recount(1000 + SECRETS_RECOUNT_SECS - 1));
        assert!(m.claim_secrets_recount(1000 + SECRETS_RECOUNT_SECS));
        m.set_secrets_expiring(&[("t1".to_owned(), 3), ("t2".to_owned(), 1)]);
        m.set_secrets_expiring(&[("t2".to_owned(), 2)]);
        let text = m.render().unwrap();
        assert_eq!(
            line(&text, "portcullis_client_secrets_expiring{tenant=\"t2\"}"),
            Some("2")
        );
        assert!(!text.contains("tenant=\"t1\""), "{text}");
    }
}
