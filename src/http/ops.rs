//! Operations endpoints: `/healthz` (process up), `/readyz` (database reachable), `/metrics`
//! (Prometheus text format; the series live in `crate::metrics`).

use super::{blocking, AppState};
use crate::service::{scrape, ServiceError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};

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

/// `GET /metrics`: every series of `crate::metrics` in the Prometheus text format, after the
/// state gauges are read (`service::scrape`, on the blocking pool: it may read the database).
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let ctx = state.ctx.clone();
    let rendered = blocking(&state.ctx, move || {
        scrape::refresh_gauges(&ctx);
        ctx.metrics
            .render()
            .map_err(|e| ServiceError::Internal(format!("rendering metrics: {e}")))
    })
    .await;
    match rendered {
        Ok(body) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "metrics scrape failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body("metrics unavailable")
        }
    }
}
