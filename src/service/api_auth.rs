//! Authentication of management API calls: the bearer token must be an access token of this server
//! (signature against our own keys, issuer, audience = the API scope, expiry) granting the API
//! scope.

use super::token::verify_access_token;
use super::{Context, ServiceError, ServiceResult};
use crate::domain::{Caller, ClientId, TenantId, UserId};

/// Verifies a bearer token and returns the caller it stands for.
pub fn caller_from_bearer(ctx: &Context, token: &str) -> ServiceResult<Caller> {
    let claims = verify_access_token(ctx, token)
        .map_err(|e| ServiceError::Unauthorized(format!("the access token is not valid: {e}")))?;
    // SPEC §3.1: a token issued without the API scope does not open the API (e.g. a user token
    // for `openid` only, which still has the API as its audience).
    if !claims.scope.contains(&ctx.config.api_scope) {
        return Err(ServiceError::Forbidden(format!(
            "the access token was not issued for the '{}' scope",
            ctx.config.api_scope
        )));
    }
    let bad = |what: &str| ServiceError::Unauthorized(format!("the access token has a bad {what}"));
    let user_id = if claims.is_user_token() {
        Some(UserId::parse(&claims.sub).map_err(|_| bad("sub"))?)
    } else {
        None
    };
    Ok(Caller {
        tenant_id: TenantId::parse(&claims.tid).map_err(|_| bad("tid"))?,
        client_id: Some(ClientId::parse(&claims.client_id).map_err(|_| bad("client_id"))?),
        user_id,
        role_type_ids: claims.role_type,
        token_id: claims.jti,
        origin: Default::default(),
    })
}
