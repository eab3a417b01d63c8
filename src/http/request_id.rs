//! Request ids: every request gets a fresh id that is in its tracing span (so in every log line
//! of the request), in the `Request-Id` response header, and used as the `OperationId` of error
//! bodies. Also lowercases `/api/...` paths, whose segments match case-insensitively (OCS).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Uri;
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled (a fresh one outside a request).
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| uuid::Uuid::new_v4().simple().to_string())
}

fn lowercase_api_path(req: &mut ServiceRequest) {
    let path = req.path();
    if !path
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("/api/"))
    {
        return;
    }
    // Every segment of the management API is case-insensitive: fixed names and GUIDs alike.
    let lower = path.to_ascii_lowercase();
    if lower == path {
        return;
    }
    let pq = match req.uri().query() {
        Some(q) => format!("{lower}?{q}"),
        None => lower,
    };
    if let Ok(uri) = pq.parse::<Uri>() {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
}

/// The middleware function (`actix_web::middleware::from_fn`).
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    lowercase_api_path(&mut req);
    let method = req.method().clone();
    // The path only: query strings may carry codes or tokens and never reach a log.
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(id.clone(), next.call(req).instrument(span.clone()))
        .await;
    let _entered = span.enter();
    match result {
        Ok(mut res) => {
            let status = res.status().as_u16();
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("request-id"), v);
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            if status >= 500 {
                tracing::error!(%method, %path, status, ms, "request failed");
            } else {
                tracing::info!(%method, %path, status, ms, "request");
            }
            Ok(res)
        }
        Err(e) => {
            tracing::error!(%method, %path, error = %e, "request failed");
            Err(e)
        }
    }
}
