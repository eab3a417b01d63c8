//! The one issuer: every access token (RFC 9068, SPEC §6.1), every ID token (SPEC §6.2) and every
//! token response (RFC 6749 §5.1) is built and signed here, whichever grant or page asks for it;
//! and access tokens are verified here. A new grant calls these functions; it never builds claims.

use super::super::{Context, ServiceError, ServiceResult};
use crate::crypto::jwt::sign_jwt;
use crate::crypto::keys::{SigningAlg, SigningKey};
use crate::crypto::CryptoError;
use crate::domain::{ClientId, RoleId, Scope, TenantId, TokenClient, User};
use crate::oauth::access_token::{AccessTokenClaims, ACCESS_TOKEN_TYP};
use crate::oidc::id_token::{IdTokenClaims, IdTokenGrant, ID_TOKEN_TYP};
use crate::store::{self, DbConn};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// A successful token response (RFC 6749 §5.1).
#[derive(Serialize, Deserialize, Debug)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl TokenResponse {
    /// A bearer token response (RFC 6750) for `access`, granted `scope`.
    pub fn bearer(access: AccessToken, scope: Scope) -> Self {
        TokenResponse {
            access_token: access.token,
            token_type: "Bearer".to_owned(),
            expires_in: access.lifetime,
            scope,
            id_token: None,
            refresh_token: None,
        }
    }
}

/// A signed access token and what a revocation needs of it.
#[derive(Debug)]
pub struct AccessToken {
    pub token: String,
    pub jti: String,
    pub exp: i64,
    /// Seconds from issuance to `exp` (`expires_in`).
    pub lifetime: i64,
    /// The `amr` it carries (an upstream sign-in's, SPEC §12.2), for the ID token beside it.
    pub amr: Option<Vec<String>>,
}

/// A user's sign-in that tokens are issued for.
#[derive(Clone, Copy, Debug)]
pub struct SignIn<'a> {
    pub user: &'a User,
    /// The session id (`sid`).
    pub sid: &'a str,
    pub auth_time: i64,
}

/// Everything an access token says (SPEC §6.1).
#[derive(Clone, Debug)]
pub struct AccessGrant<'a> {
    pub tenant_id: &'a TenantId,
    pub client_id: &'a ClientId,
    /// Seconds the token lives.
    pub lifetime: i64,
    pub scope: &'a Scope,
    /// Role Ids held by the subject (`role`).
    pub role_ids: &'a [RoleId],
    /// RoleTypeIds of the built-in roles among them (`role_type`).
    pub role_type_ids: Cow<'a, [String]>,
    /// `None`: the client on its own behalf (client_credentials); else the signed-in user.
    pub sign_in: Option<SignIn<'a>>,
    /// How an upstream authenticated the user (`amr` as it sent it; SPEC §12.2); `None` for a
    /// client or a Local account.
    pub amr: Option<Vec<String>>,
}

impl<'a> AccessGrant<'a> {
    /// The client's own token (client_credentials): its roles, no user.
    pub fn for_client(client: &'a TokenClient, scope: &'a Scope) -> Self {
        AccessGrant {
            tenant_id: &client.tenant_id,
            client_id: &client.id,
            lifetime: client.access_token_lifetime,
            scope,
            role_ids: &client.role_ids,
            role_type_ids: Cow::Borrowed(&client.role_type_ids),
            sign_in: None,
            amr: None,
        }
    }

    /// A signed-in user's token at `client_id` of `tenant_id`: the user's roles, read from the
    /// tenant's roles in the caller's unit of work, and an upstream sign-in's `amr`.
    pub fn for_user(
        conn: &mut DbConn,
        tenant_id: &'a TenantId,
        client_id: &'a ClientId,
        lifetime: i64,
        scope: &'a Scope,
        sign_in: SignIn<'a>,
    ) -> ServiceResult<Self> {
        let role_type_ids = role_type_ids_of(conn, sign_in.user)?;
        let amr = upstream_amr(conn, sign_in)?;
        Ok(AccessGrant {
            tenant_id,
            client_id,
            lifetime,
            scope,
            role_ids: &sign_in.user.role_ids,
            role_type_ids: Cow::Owned(role_type_ids),
            sign_in: Some(sign_in),
            amr,
        })
    }
}

/// The RoleTypeIds of the built-in roles a user holds (the `role_type` claim).
pub(crate) fn role_type_ids_of(conn: &mut DbConn, user: &User) -> ServiceResult<Vec<String>> {
    Ok(store::roles::list(conn, &user.tenant_id)?
        .into_iter()
        .filter(|r| user.role_ids.contains(&r.id))
        .filter_map(|r| r.role_type_id)
        .collect())
}

/// The active key for `alg`; none is a service outage (503), not a bug.
fn active_key(ctx: &Context, alg: SigningAlg) -> ServiceResult<Arc<SigningKey>> {
    ctx.keys
        .active(alg, ctx.now())
        .ok_or_else(|| ServiceError::Unavailable(format!("no active {alg:?} signing key")))
}

/// Signs an access token with the configured algorithm.
pub fn access_token(ctx: &Context, grant: &AccessGrant<'_>) -> ServiceResult<AccessToken> {
    let now = ctx.now();
    let jti = uuid::Uuid::new_v4().simple().to_string();
    let exp = now + grant.lifetime;
    let sign_in = grant.sign_in.as_ref();
    let claims = AccessTokenClaims {
        iss: ctx.config.issuer(),
        aud: ctx.config.api_scope.clone(),
        sub: sign_in
            .map_or(grant.client_id.as_str(), |s| s.user.id.as_str())
            .to_owned(),
        client_id: grant.client_id.as_str().to_owned(),
        tid: grant.tenant_id.as_str().to_owned(),
        scope: grant.scope.clone(),
        role: grant
            .role_ids
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        role_type: grant.role_type_ids.to_vec(),
        iat: now,
        nbf: now,
        exp,
        jti: jti.clone(),
        auth_time: sign_in.map(|s| s.auth_time),
        sid: sign_in.map(|s| s.sid.to_owned()),
        idp: sign_in.map(|s| s.user.identity_provider_id.clone()),
        amr: grant.amr.clone().filter(|a| !a.is_empty()),
    };
    let key = active_key(ctx, ctx.config.access_token_alg)?;
    Ok(AccessToken {
        token: sign_jwt(&claims, ACCESS_TOKEN_TYP, &key)?,
        jti,
        exp,
        lifetime: grant.lifetime,
        amr: claims.amr,
    })
}

/// Signs an ID token (RS256, SPEC §6.2) with the claims of `IdTokenClaims::new`.
pub fn id_token(ctx: &Context, grant: &IdTokenGrant<'_>) -> ServiceResult<String> {
    let key = active_key(ctx, SigningAlg::RS256)?;
    Ok(sign_jwt(&IdTokenClaims::new(grant), ID_TOKEN_TYP, &key)?)
}

/// Verifies an access token of this server: signature with a published key, `typ` at+jwt, our
/// issuer, the API as audience, unexpired at `now`. Revocation is the caller's check (it needs
/// the database).
pub fn verify_access_token(ctx: &Context, token: &str) -> Result<AccessTokenClaims, CryptoError> {
    ctx.keys.verifier().verify(
        token,
        Some(ACCESS_TOKEN_TYP),
        &ctx.config.issuer(),
        &ctx.config.api_scope,
        ctx.now(),
    )
}

/// Reads the claims of an `id_token_hint` (RP-Initiated Logout §2), checking signature, issuer and audience. CAUTION: the time check runs at
/// the token's own `iat`, because a hint is often presented after it expired (OIDC RP-Initiated
/// Logout §2 says the OP should accept that) — it proves who the RP is, it grants nothing.
pub fn verify_id_token_hint(ctx: &Context, hint: &str) -> Option<IdTokenClaims> {
    use base64::Engine;
    let payload = hint.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let unverified: IdTokenClaims = serde_json::from_slice(&bytes).ok()?;
    ctx.keys
        .verifier()
        .verify(
            hint,
            Some(ID_TOKEN_TYP),
            &ctx.config.issuer(),
            &unverified.aud,
            unverified.iat,
        )
        .ok()
}

/// A signed-in user's access token at a client, given as (tenant, client, token lifetime): the
/// token endpoint's and the `code token` authorization response's alike.
pub(crate) fn user_access_token(
    ctx: &Context,
    conn: &mut DbConn,
    (tenant_id, client_id, lifetime): (&TenantId, &ClientId, i64),
    scope: &Scope,
    sign_in: SignIn<'_>,
) -> ServiceResult<AccessToken> {
    let grant = AccessGrant::for_user(conn, tenant_id, client_id, lifetime, scope, sign_in)?;
    access_token(ctx, &grant)
}

/// The token endpoint's answer for a user's sign-in at `client`: the access token, and the ID
/// token when `openid` was granted. Used by the code and refresh grants.
pub(crate) fn user_token_response(
    ctx: &Context,
    conn: &mut DbConn,
    client: &TokenClient,
    sign_in: SignIn<'_>,
    scope: &Scope,
    nonce: Option<&str>,
) -> ServiceResult<UserTokens> {
    let access = user_access_token(
        ctx,
        conn,
        (&client.tenant_id, &client.id, client.access_token_lifetime),
        scope,
        sign_in,
    )?;
    let id_token = if scope.contains(crate::domain::scope::OPENID) {
        let issuer = ctx.config.issuer();
        Some(id_token(
            ctx,
            &IdTokenGrant {
                issuer: &issuer,
                client_id: client.id.as_str(),
                tenant_id: client.tenant_id.as_str(),
                user: sign_in.user,
                scope,
                sid: sign_in.sid,
                auth_time: sign_in.auth_time,
                nonce,
                iat: ctx.now(),
                exp: access.exp,
                access_token: Some(&access.token),
                code: None,
                state: None,
                amr: access.amr.as_deref(),
            },
        )?)
    } else {
        None
    };
    let (jti, exp) = (access.jti.clone(), access.exp);
    let mut response = TokenResponse::bearer(access, scope.clone());
    response.id_token = id_token;
    Ok(UserTokens { response, jti, exp })
}

/// The `amr` an upstream sent for the sign-in's session (SPEC §12.2). Local accounts skip the read.
pub(crate) fn upstream_amr(
    conn: &mut DbConn,
    sign_in: SignIn<'_>,
) -> ServiceResult<Option<Vec<String>>> {
    if sign_in.user.identity_provider_id == crate::domain::user::LOCAL_IDENTITY_PROVIDER_ID {
        return Ok(None);
    }
    Ok(store::identity_providers::session_origin(conn, sign_in.sid)?.map(|(_, amr)| amr))
}

/// A user's token response, with the access token's `jti` and `exp` (so a code replay can revoke
/// it).
pub(crate) struct UserTokens {
    pub response: TokenResponse,
    pub jti: String,
    pub exp: i64,
}
