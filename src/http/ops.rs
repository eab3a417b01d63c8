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

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = state.ctx.store.clone();
    let up = web::block(move || store.ping()).await.unwrap_or(false);
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
    let rendered = blocking(move || {
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
