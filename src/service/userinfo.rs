//! The userinfo endpoint (OIDC Core §5.3, SPEC §4.6): a bearer access token of ours (RFC 6750 §2),
//! issued for a signed-in user with `openid`, not revoked, whose user still exists, gives `sub`,
//! the claims of the granted scopes (OIDC Core §5.4: `profile` → name, given_name, family_name;
//! `email` → email, email_verified) and the Portcullis claims `tid` and `role_type`.
//!
//! Errors follow RFC 6750 §3.1: `ServiceError::Unauthorized` when no token was sent (the challenge
//! then names no error), `invalid_token`, `insufficient_scope`, `invalid_request`.

use super::token::issue::role_type_ids_of;
use super::token::verify_access_token;
use super::{Context, ServiceError, ServiceResult};
use crate::domain::scope::OPENID;
use crate::domain::{ClientId, TenantId, UserId};
use crate::oauth::bearer::presented_bearer;
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::store;
use serde::Serialize;

/// The userinfo response (OIDC Core §5.3.2). Claims without a value are left out (§5.3.2: "If a
/// Claim is not returned, that Claim Name SHOULD be omitted").
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct UserInfoClaims {
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Portcullis does not verify e-mail addresses: always `false` when `email` is granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    pub tid: String,
    /// RoleTypeIds of the built-in roles the user holds now.
    pub role_type: Vec<String>,
}

/// A userinfo answer.
#[derive(Debug)]
pub struct UserInfo {
    pub claims: UserInfoClaims,
    /// The CORS origins (SPEC §7) of the client the token was issued to; read only when asked for
    /// (the request came from a browser), else empty.
    pub client_cors_origins: Vec<String>,
}

fn invalid_token(description: &str) -> ServiceError {
    OAuthError::new(ErrorCode::InvalidToken, description).into()
}

/// Answers one userinfo request. `authorization` is the raw `Authorization` header; `form_body`
/// the body of a form-encoded POST (`None` for GET and other bodies); `with_client_origins` asks
/// for the token client's CORS origins (one more indexed read).
pub fn userinfo(
    ctx: &Context,
    authorization: Option<&str>,
    form_body: Option<&[u8]>,
    with_client_origins: bool,
) -> ServiceResult<UserInfo> {
    let form = form_body.map(FormParams::parse).transpose()?;
    let token = presented_bearer(authorization, form.as_ref())?
        .ok_or_else(|| ServiceError::Unauthorized("no access token was sent".to_owned()))?;
    let claims = verify_access_token(ctx, &token)
        .map_err(|e| invalid_token(&format!("the access token is not valid: {e}")))?;
    if !claims.is_user_token() {
        return Err(invalid_token("the access token was not issued for a user"));
    }
    if !claims.scope.contains(OPENID) {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token was not granted the openid scope",
        )
        .into());
    }
    let user_id = UserId::parse(&claims.sub).map_err(|_| invalid_token("bad sub"))?;
    let tenant_id = TenantId::parse(&claims.tid).map_err(|_| invalid_token("bad tid"))?;
    ctx.store.read(|conn| {
        if store::grants::is_revoked(conn, &claims.jti)? {
            return Err(invalid_token("the access token has been revoked"));
        }
        let user = store::users::get(conn, &tenant_id, &user_id)?
            .ok_or_else(|| invalid_token("the user no longer exists"))?;
        let role_type = role_type_ids_of(conn, &user)?;
        let client_id = ClientId::parse(&claims.client_id).ok();
        let client_cors_origins = match client_id.filter(|_| with_client_origins) {
            Some(id) => match store::clients::load_for_token(conn, &id, None)? {
                Some(client) if client.enabled => client.cors_origins(),
                _ => Vec::new(),
            },
            None => Vec::new(),
        };
        let profile = claims.scope.contains("profile");
        let email = claims.scope.contains("email");
        Ok(UserInfo {
            claims: UserInfoClaims {
                sub: user.id.as_str().to_owned(),
                name: user.name.filter(|_| profile),
                given_name: user.given_name.filter(|_| profile),
                family_name: user.surname.filter(|_| profile),
                email: email.then_some(user.email),
                email_verified: email.then_some(false),
                tid: tenant_id.as_str().to_owned(),
                role_type,
            },
            client_cors_origins,
        })
    })
}
