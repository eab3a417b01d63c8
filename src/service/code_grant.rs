//! The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636, SPEC §4.3): the code is redeemed
//! atomically, bound to its client, redirect URI and PKCE challenge; a replayed code revokes the
//! access token it produced. Issues an access token for the user and, with `openid`, an ID token.

use super::{Context, ServiceError, ServiceResult};
use crate::crypto::jwt::sign_jwt;
use crate::crypto::keys::SigningAlg;
use crate::crypto::secrets::sha256_b64url;
use crate::domain::{AuthorizationCode, ClientKind, User};
use crate::oauth::access_token::{AccessTokenClaims, ACCESS_TOKEN_TYP};
use crate::oauth::form::FormParams;
use crate::oauth::{pkce, ErrorCode, OAuthError};
use crate::oidc::id_token::{IdTokenClaims, IdTokenGrant, ID_TOKEN_TYP};
use crate::store::clients::ClientAuthRecord;
use crate::store::{self, DbConn};

use super::refresh_grant;
use super::token::TokenResponse;

fn invalid_grant(description: &str) -> ServiceError {
    OAuthError::new(ErrorCode::InvalidGrant, description).into()
}

/// Tokens for a signed-in user.
pub(crate) struct UserTokens {
    pub access_token: String,
    pub jti: String,
    pub exp: i64,
    pub id_token: Option<String>,
}

/// What the user tokens are made from.
pub(crate) struct UserGrant<'a> {
    pub user: &'a User,
    pub scope: &'a str,
    pub sid: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
}

/// A signed access token and what a revocation needs of it.
pub(crate) struct AccessToken {
    pub token: String,
    pub jti: String,
    pub exp: i64,
}

/// Signs a user's access token (RFC 9068, SPEC §6.1) with the configured algorithm.
pub(crate) fn sign_access_token(
    ctx: &Context,
    conn: &mut DbConn,
    client: &ClientAuthRecord,
    grant: &UserGrant<'_>,
) -> ServiceResult<AccessToken> {
    let now = ctx.now();
    let roles = store::roles::list(conn, &client.tenant_id)?;
    let role_type: Vec<String> = roles
        .iter()
        .filter(|r| grant.user.role_ids.contains(&r.id))
        .filter_map(|r| r.role_type_id.clone())
        .collect();
    let jti = uuid::Uuid::new_v4().simple().to_string();
    let exp = now + client.access_token_lifetime;
    let claims = AccessTokenClaims {
        iss: ctx.config.issuer(),
        aud: ctx.config.api_scope.clone(),
        sub: grant.user.id.as_str().to_owned(),
        client_id: client.id.as_str().to_owned(),
        tid: client.tenant_id.as_str().to_owned(),
        scope: grant.scope.to_owned(),
        role: grant
            .user
            .role_ids
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
        role_type,
        iat: now,
        nbf: now,
        exp,
        jti: jti.clone(),
        auth_time: Some(grant.auth_time),
        sid: Some(grant.sid.to_owned()),
        idp: Some(grant.user.identity_provider_id.clone()),
    };
    let key = ctx
        .keys
        .active(ctx.config.access_token_alg, now)
        .ok_or_else(|| ServiceError::Unavailable("no active signing key".to_owned()))?;
    Ok(AccessToken {
        token: sign_jwt(&claims, ACCESS_TOKEN_TYP, &key)?,
        jti,
        exp,
    })
}

/// Signs an ID token (RS256, SPEC §6.2) with the claims built in one place, `IdTokenClaims::new`.
pub(crate) fn sign_id_token(ctx: &Context, grant: &IdTokenGrant<'_>) -> ServiceResult<String> {
    let key = ctx
        .keys
        .active(SigningAlg::RS256, ctx.now())
        .ok_or_else(|| ServiceError::Unavailable("no active RS256 key".to_owned()))?;
    Ok(sign_jwt(&IdTokenClaims::new(grant), ID_TOKEN_TYP, &key)?)
}

/// The token endpoint's tokens for a user: the access token, and the ID token when `openid` was
/// granted.
pub(crate) fn user_tokens(
    ctx: &Context,
    conn: &mut DbConn,
    client: &ClientAuthRecord,
    grant: &UserGrant<'_>,
) -> ServiceResult<UserTokens> {
    let access = sign_access_token(ctx, conn, client, grant)?;
    let id_token = if grant.scope.split(' ').any(|s| s == "openid") {
        let issuer = ctx.config.issuer();
        Some(sign_id_token(
            ctx,
            &IdTokenGrant {
                issuer: &issuer,
                client_id: client.id.as_str(),
                tenant_id: client.tenant_id.as_str(),
                user: grant.user,
                scope: grant.scope,
                sid: grant.sid,
                auth_time: grant.auth_time,
                nonce: grant.nonce,
                iat: ctx.now(),
                exp: access.exp,
                access_token: Some(&access.token),
                code: None,
                state: None,
            },
        )?)
    } else {
        None
    };
    Ok(UserTokens {
        access_token: access.token,
        jti: access.jti,
        exp: access.exp,
        id_token,
    })
}

enum Redemption {
    Issued(TokenResponse),
    Refused(ServiceError),
}

/// Redeems a code for `client` (already authenticated).
pub fn redeem(
    ctx: &Context,
    client: &ClientAuthRecord,
    form: &FormParams,
) -> ServiceResult<TokenResponse> {
    if client.kind == ClientKind::ClientCredentials {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "client-credentials clients cannot use the authorization_code grant",
        )
        .into());
    }
    let code = form.require("code")?;
    let redirect_uri = form.require("redirect_uri")?;
    let hash = sha256_b64url(code);
    let now = ctx.now();
    let outcome = ctx.store.write(|conn| -> ServiceResult<Redemption> {
        let Some(stored) = store::grants::get_code(conn, &hash)? else {
            return Ok(Redemption::Refused(invalid_grant("the code is unknown or expired")));
        };
        if stored.client_id != client.id {
            return Ok(Redemption::Refused(invalid_grant("the code was issued to another client")));
        }
        if !store::grants::redeem_code(conn, &hash, now)? {
            // A replay: the tokens this code produced are revoked (RFC 6749 §4.1.2).
            if let (Some(jti), Some(exp)) = (&stored.access_token_jti, stored.access_token_exp) {
                store::grants::revoke_jti(conn, jti, exp)?;
            }
            tracing::warn!(client_id = %client.id, "authorization code replayed; its tokens are revoked");
            return Ok(Redemption::Refused(invalid_grant("the code has already been used")));
        }
        if let Err(e) = check_code(&stored, redirect_uri, form, now) {
            return Ok(Redemption::Refused(e));
        }
        let Some(user) = store::users::get(conn, &client.tenant_id, &stored.user_id)? else {
            return Ok(Redemption::Refused(invalid_grant("the user no longer exists")));
        };
        let tokens = user_tokens(
            ctx,
            conn,
            client,
            &UserGrant {
                user: &user,
                scope: &stored.scope,
                sid: &stored.sid,
                auth_time: stored.auth_time,
                nonce: stored.nonce.as_deref(),
            },
        )?;
        store::grants::record_code_token(conn, &hash, &tokens.jti, tokens.exp)?;
        let refresh_token = if refresh_grant::wants_refresh_token(client, &stored.scope) {
            let family = refresh_grant::new_family(
                ctx,
                client,
                &user.id,
                &stored.scope,
                &stored.sid,
                stored.auth_time,
            );
            Some(refresh_grant::issue(ctx, conn, client, &family)?)
        } else {
            None
        };
        Ok(Redemption::Issued(TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: client.access_token_lifetime,
            scope: stored.scope.clone(),
            id_token: tokens.id_token,
            refresh_token,
        }))
    })?;
    match outcome {
        Redemption::Issued(r) => Ok(r),
        Redemption::Refused(e) => Err(e),
    }
}

fn check_code(
    stored: &AuthorizationCode,
    redirect_uri: &str,
    form: &FormParams,
    now: i64,
) -> Result<(), ServiceError> {
    if stored.expires_at <= now {
        return Err(invalid_grant("the code has expired"));
    }
    if stored.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request",
        ));
    }
    match &stored.code_challenge {
        Some(challenge) => pkce::verify(form.get("code_verifier"), challenge)?,
        None if form.get("code_verifier").is_some() => {
            return Err(invalid_grant(
                "no code_challenge was sent with the authorization request",
            ))
        }
        None => {}
    }
    Ok(())
}
