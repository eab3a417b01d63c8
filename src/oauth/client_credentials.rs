//! The `client_credentials` grant (RFC 6749 §4.4, SPEC §4.2): only client-credentials clients, and
//! only the API scope, which is also the default.

use super::{ErrorCode, OAuthError};
use crate::domain::{ClientKind, Scope};

/// Decides the granted scope for a client-credentials request.
pub fn grant_scope(
    kind: ClientKind,
    requested: Option<&str>,
    api_scope: &str,
) -> Result<Scope, OAuthError> {
    if kind != ClientKind::ClientCredentials {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "only client-credentials clients may use the client_credentials grant",
        ));
    }
    let granted = Scope::of([api_scope]);
    if let Some(s) = requested.and_then(|r| {
        Scope::parse(r)
            .first_missing_from(&granted)
            .map(str::to_owned)
    }) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("scope '{s}' is not available to this client; use '{api_scope}'"),
        ));
    }
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_defaults_to_the_api_scope_and_nothing_else_is_granted() {
        let k = ClientKind::ClientCredentials;
        assert_eq!(
            grant_scope(k, None, "ocsapi").unwrap().to_delimited(),
            "ocsapi"
        );
        assert_eq!(
            grant_scope(k, Some("ocsapi"), "ocsapi")
                .unwrap()
                .to_delimited(),
            "ocsapi"
        );
        assert_eq!(
            grant_scope(k, Some("ocsapi openid"), "ocsapi")
                .unwrap_err()
                .code,
            ErrorCode::InvalidScope
        );
        assert_eq!(
            grant_scope(ClientKind::Hybrid, None, "ocsapi")
                .unwrap_err()
                .code,
            ErrorCode::UnauthorizedClient
        );
    }
}
