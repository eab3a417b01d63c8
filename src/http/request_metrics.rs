//! Counts every HTTP request in `crate::metrics` (SPEC §13.1) by route template, method and
//! status class, with its latency. The route is the pattern the request was routed by (actix's
//! `match_pattern()`), never the raw path, so a label holds no id and the series stay bounded;
//! a request no route matched is counted as [`UNMATCHED`]. Management API routes are registered
//! lowercase (their paths are case-insensitive, see `request_id`) and are reported in their OCS
//! spelling: `/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}`.

use super::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};
use std::borrow::Cow;
use std::time::Instant;

/// The route label of a request that matched no route (or failed before it was routed).
pub const UNMATCHED: &str = "unmatched";

/// The middleware function (`actix_web::middleware::from_fn`); wraps everything else, so the
/// latency is the whole request's.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    // CAUTION: no clone of the request is kept across `next` (routing needs it unshared); the
    // state is an `Arc` of its own.
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let result = next.call(req).await;
    let Some(state) = state else {
        return result;
    };
    let (route, status) = match &result {
        Ok(res) => (route_of(res.request()), res.status()),
        Err(e) => (
            Cow::Borrowed(UNMATCHED),
            e.as_response_error().status_code(),
        ),
    };
    state.ctx.metrics.http_request(
        &route,
        method,
        status_class(status),
        started.elapsed().as_secs_f64(),
    );
    result
}

/// The template of the route that served `req`. CAUTION: for a request a scope's (or the app's)
/// default service answered, `match_pattern()` re-matches the path ignoring guards and may name
/// a route that did not serve it (the API's preflight `{tail}*` matches any path under a tenant);
/// such a request left part of its path unmatched, so only a fully matched path is believed.
fn route_of(req: &HttpRequest) -> Cow<'static, str> {
    if !req.match_info().unprocessed().is_empty() {
        return Cow::Borrowed(UNMATCHED);
    }
    req.match_pattern()
        .map_or(Cow::Borrowed(UNMATCHED), |p| Cow::Owned(route_label(p)))
}

/// The method, or `other` for an extension method (a client could invent any number).
fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        _ => "other",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// The label of a route pattern: management API patterns in their OCS spelling, others as
/// registered.
fn route_label(pattern: String) -> String {
    if !pattern.starts_with("/api/") {
        return pattern;
    }
    pattern
        .split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(placeholder) => Cow::Owned(format!("{{{}", camel_case(placeholder))),
            None => Cow::Borrowed(ocs_segment(segment)),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `tenant_id}` → `tenantId}`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The OCS spelling of a fixed segment of a management API path (unknown ones stay as they are).
fn ocs_segment(segment: &str) -> &str {
    match segment {
        "tenants" => "Tenants",
        "clientcredentialclients" => "ClientCredentialClients",
        "authorizationcodeclients" => "AuthorizationCodeClients",
        "hybridclients" => "HybridClients",
        "clients" => "Clients",
        "secrets" => "Secrets",
        "roles" => "Roles",
        "users" => "Users",
        "identityproviders" => "IdentityProviders",
        "invitations" => "Invitations",
        "auditevents" => "AuditEvents",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_patterns_get_their_ocs_spelling_and_others_stay() {
        assert_eq!(
            route_label("/api/v1/tenants/{tenant_id}/clientcredentialclients/{client_id}".into()),
            "/api/v1/Tenants/{tenantId}/ClientCredentialClients/{clientId}"
        );
        assert_eq!(
            route_label("/api/v1/tenants/{tenant_id}/{tail}*".into()),
            "/api/v1/Tenants/{tenantId}/{tail}*"
        );
        assert_eq!(
            route_label("/api/v1/tenants/{tenant_id}".into()),
            "/api/v1/Tenants/{tenantId}"
        );
        assert_eq!(
            route_label("/identity/connect/token".into()),
            "/identity/connect/token"
        );
    }

    #[test]
    fn labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
        assert_eq!(status_class(StatusCode::NO_CONTENT), "2xx");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
    }
}
