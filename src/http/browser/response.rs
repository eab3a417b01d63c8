//! How a page answers: an HTML page or a redirect with the security headers of SPEC §8
//! (`no-store`, `nosniff`, `no-referrer`, the CSP, `X-Frame-Options`), and a template rendered
//! into it.

use super::csp::page_csp;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use askama::Template;

fn common_headers(res: &mut HttpResponseBuilder) {
    res.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ));
}

/// An HTML page with the security headers. `deny_framing` adds `X-Frame-Options: DENY` (every
/// page but the form_post one, whose CSP names the one origin that may frame it).
pub fn html(status: StatusCode, csp: &str, deny_framing: bool) -> HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    common_headers(&mut res);
    res.content_type("text/html; charset=utf-8");
    if let Ok(v) = HeaderValue::from_str(csp) {
        res.insert_header((header::CONTENT_SECURITY_POLICY, v));
    }
    if deny_framing {
        res.insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    }
    res
}

/// A 302 to `location`. No page, so no framing rules: a silent renew in a hidden iframe gets its
/// redirect.
pub fn redirect(location: &str) -> HttpResponseBuilder {
    let mut res = HttpResponse::Found();
    common_headers(&mut res);
    res.insert_header((header::LOCATION, location));
    res
}

/// Answers with `res` carrying the rendered template; a template failure is logged and answered
/// with a bare 500 page instead.
pub fn page(mut res: HttpResponseBuilder, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(body) => res.body(body),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            html(StatusCode::INTERNAL_SERVER_ERROR, &page_csp(&[]), true)
                .body("<!DOCTYPE html><title>Error</title><p>An unexpected error occurred.</p>")
        }
    }
}
