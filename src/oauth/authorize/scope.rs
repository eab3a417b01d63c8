//! The scopes an authorization request is granted (RFC 6749 §3.3, OIDC Core §5.4, SPEC §3.3).

use super::ClientFacts;
use crate::domain::scope::OFFLINE_ACCESS;
use crate::domain::{ClientKind, Scope};
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};

/// The requested scopes that are granted, in request order and without repeats: `openid`,
/// `profile`, `email` and the API scope; `offline_access` only for hybrid clients allowed offline
/// access (silently dropped for any other client). An unknown scope, or none at all, is refused.
pub(super) fn granted_scopes(
    params: &FormParams,
    client: &ClientFacts,
    api_scope: &str,
) -> Result<Scope, OAuthError> {
    let requested = Scope::parse(params.get("scope").unwrap_or(""));
    let mut granted = Scope::default();
    for s in requested.iter() {
        match s {
            "openid" | "profile" | "email" => {}
            // Refresh tokens only for hybrid clients allowed offline access (SPEC §3.3, §4.4);
            // for any other client the scope is silently not granted.
            OFFLINE_ACCESS => {
                if !(client.kind == ClientKind::Hybrid && client.allow_offline_access) {
                    continue;
                }
            }
            s if s == api_scope => {}
            other => {
                return Err(OAuthError::new(
                    ErrorCode::InvalidScope,
                    format!("scope '{other}' is not supported"),
                ))
            }
        }
        granted.insert(s);
    }
    if granted.is_empty() {
        return Err(OAuthError::new(ErrorCode::InvalidScope, "scope is missing"));
    }
    Ok(granted)
}
