//! The scopes an authorization request is granted (RFC 6749 §3.3, OIDC Core §5.4, SPEC §3.3).

use super::ClientFacts;
use crate::domain::ClientKind;
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};

/// The requested scopes that are granted, in request order and without repeats: `openid`,
/// `profile`, `email` and the API scope; `offline_access` only for hybrid clients allowed offline
/// access (silently dropped for any other client). An unknown scope, or none at all, is refused.
pub(super) fn granted_scopes(
    params: &FormParams,
    client: &ClientFacts,
    api_scope: &str,
) -> Result<Vec<String>, OAuthError> {
    let mut scopes: Vec<String> = Vec::new();
    for s in params
        .get("scope")
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
    {
        match s {
            "openid" | "profile" | "email" => {}
            // Refresh tokens only for hybrid clients allowed offline access (SPEC §3.3, §4.4);
            // for any other client the scope is silently not granted.
            "offline_access" => {
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
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err(OAuthError::new(ErrorCode::InvalidScope, "scope is missing"));
    }
    Ok(scopes)
}
