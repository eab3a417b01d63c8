//! Operations endpoints: `/healthz` (process up), `/readyz` (database reachable), `/metrics`
//! (Prometheus text format, a handful of counters kept with atomics).

use super::AppState;
use crate::crypto::keys::KeyState;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters exported at `/metrics`.
#[derive(Default, Debug)]
pub struct Metrics {
    tokens_issued: AtomicU64,
    tokens_refused: AtomicU64,
}

impl Metrics {
    pub fn token_issued(&self) {
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }
    pub fn token_refused(&self) {
        self.tokens_refused.fetch_add(1, Ordering::Relaxed);
    }
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body("ok")
}

/// How long `/readyz` waits for the database: it must answer within about a second (SPEC §9).
const READY_WAIT: std::time::Duration = std::time::Duration::from_millis(800);

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = state.ctx.store.clone();
    // The outer timeout also covers a busy blocking pool and a query on a hung connection.
    let check = web::block(move || store.ping_within(READY_WAIT));
    let up = matches!(
        actix_web::rt::time::timeout(READY_WAIT * 5 / 4, check).await,
        Ok(Ok(true))
    );
    if up {
        HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body("database unreachable")
    }
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let m = &state.metrics;
    let now = state.ctx.now();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP portcullis_tokens_issued_total Tokens issued by the token endpoint."
    );
    let _ = writeln!(out, "# TYPE portcullis_tokens_issued_total counter");
    let _ = writeln!(
        out,
        "portcullis_tokens_issued_total {}",
        m.tokens_issued.load(Ordering::Relaxed)
    );
    let _ = writeln!(out, "# HELP portcullis_token_requests_refused_total Token requests answered with an OAuth error.");
    let _ = writeln!(
        out,
        "# TYPE portcullis_token_requests_refused_total counter"
    );
    let _ = writeln!(
        out,
        "portcullis_token_requests_refused_total {}",
        m.tokens_refused.load(Ordering::Relaxed)
    );
    let _ = writeln!(out, "# HELP portcullis_signing_keys Signing keys by state.");
    let _ = writeln!(out, "# TYPE portcullis_signing_keys gauge");
    let infos = state.ctx.keys.infos(now);
    for (state_name, st) in [
        ("next", KeyState::Next),
        ("active", KeyState::Active),
        ("retired", KeyState::Retired),
    ] {
        let n = infos.iter().filter(|k| k.state == st).count();
        let _ = writeln!(out, "portcullis_signing_keys{{state=\"{state_name}\"}} {n}");
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4"))
        .body(out)
}
