//! The static assets, served from memory with one cache lifetime: the one stylesheet of the
//! identity pages and the portal (at `{identity root}/static/site.css`), and the portal's own
//! stylesheet and script (at `{portal root}/static/`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::HttpResponse;

const SITE_CSS: &str = include_str!("../../../templates/site.css");
const PORTAL_CSS: &str = include_str!("../../../templates/portal.css");
const PORTAL_JS: &str = include_str!("../../../templates/portal.js");

/// Public and cacheable, but not for long: the files are not versioned by name, so a new release
/// reaches browsers within the hour.
const CACHE_CONTROL: &str = "public, max-age=3600";

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .body(body)
}

/// `GET /identity/static/site.css`.
pub async fn site_css() -> HttpResponse {
    asset("text/css; charset=utf-8", SITE_CSS)
}

/// `GET /portal/static/portal.css`.
pub async fn portal_css() -> HttpResponse {
    asset("text/css; charset=utf-8", PORTAL_CSS)
}

/// `GET /portal/static/portal.js`.
pub async fn portal_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", PORTAL_JS)
}
