//! Refresh tokens (SPEC §4.4): issued to hybrid clients with `AllowOfflineAccess` when
//! `offline_access` was granted; opaque 256-bit values stored as SHA-256; every use rotates. A
//! rotated token presented again within 10 s gets the very same successor pair (a retry after a
//! lost response); later, reuse revokes the whole family. The family has an absolute lifetime.

use super::code_grant::{user_tokens, UserGrant};
use super::token::TokenResponse;
use super::{Context, ServiceError, ServiceResult};
use crate::crypto::seal;
use crate::crypto::secrets::{random_token, sha256_b64url};
use crate::domain::refresh::{RefreshToken, RETRY_GRACE_SECONDS};
use crate::domain::ClientKind;
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::store::clients::ClientAuthRecord;
use crate::store::{self, DbConn};

/// The scope that asks for refresh tokens.
pub const OFFLINE_ACCESS: &str = "offline_access";

fn invalid_grant(description: &str) -> ServiceError {
    OAuthError::new(ErrorCode::InvalidGrant, description).into()
}

/// Whether a grant of `scope` to `client` comes with a refresh token.
pub fn wants_refresh_token(client: &ClientAuthRecord, scope: &str) -> bool {
    client.kind == ClientKind::Hybrid
        && client.allow_offline_access
        && scope.split(' ').any(|s| s == OFFLINE_ACCESS)
}

/// Creates a new member of `family_id` (a new family when `None`); returns the token value.
pub(crate) fn issue(
    ctx: &Context,
    conn: &mut DbConn,
    client: &ClientAuthRecord,
    template: &RefreshToken,
) -> ServiceResult<String> {
    let value = random_token(32)?;
    let member = RefreshToken {
        token_hash: sha256_b64url(&value),
        rotated_at: None,
        successor_response: None,
        revoked_at: None,
        created: ctx.now(),
        client_id: client.id.clone(),
        ..template.clone()
    };
    store::refresh::insert(conn, &member)?;
    Ok(value)
}

/// A fresh family for a user signed in with `sid` at `auth_time`.
pub(crate) fn new_family(
    ctx: &Context,
    client: &ClientAuthRecord,
    user: &crate::domain::UserId,
    scope: &str,
    sid: &str,
    auth_time: i64,
) -> RefreshToken {
    let now = ctx.now();
    RefreshToken {
        token_hash: String::new(),
        family_id: uuid::Uuid::new_v4().simple().to_string(),
        client_id: client.id.clone(),
        user_id: user.clone(),
        scope: scope.to_owned(),
        sid: sid.to_owned(),
        auth_time,
        created: now,
        family_expires_at: now + ctx.config.refresh_token_lifetime,
        rotated_at: None,
        successor_response: None,
        revoked_at: None,
    }
}

/// The requested scope, which may narrow the family's scope but never widen it.
fn narrowed(requested: Option<&str>, granted: &str) -> Result<String, ServiceError> {
    let Some(requested) = requested else {
        return Ok(granted.to_owned());
    };
    let granted: Vec<&str> = granted.split(' ').collect();
    let mut out: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| !s.is_empty()) {
        if !granted.contains(&s) {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope '{s}' was not granted to this refresh token"),
            )
            .into());
        }
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err(OAuthError::new(ErrorCode::InvalidScope, "scope is empty").into());
    }
    Ok(out.join(" "))
}

enum Outcome {
    Issued(TokenResponse),
    Refused(ServiceError),
}

/// `grant_type=refresh_token` for an authenticated client.
pub fn refresh(
    ctx: &Context,
    client: &ClientAuthRecord,
    form: &FormParams,
) -> ServiceResult<TokenResponse> {
    let presented = form.require("refresh_token")?;
    let hash = sha256_b64url(presented);
    let now = ctx.now();
    let outcome = ctx.store.write(|conn| -> ServiceResult<Outcome> {
        let Some(token) = store::refresh::get(conn, &hash)? else {
            return Ok(Outcome::Refused(invalid_grant(
                "the refresh token is unknown",
            )));
        };
        if token.client_id != client.id {
            return Ok(Outcome::Refused(invalid_grant(
                "the refresh token belongs to another client",
            )));
        }
        if token.revoked_at.is_some() {
            return Ok(Outcome::Refused(invalid_grant(
                "the refresh token has been revoked",
            )));
        }
        if token.family_expires_at <= now {
            return Ok(Outcome::Refused(invalid_grant(
                "the refresh token has expired",
            )));
        }
        let scope = match narrowed(form.get("scope"), &token.scope) {
            Ok(s) => s,
            Err(e) => return Ok(Outcome::Refused(e)),
        };
        if !store::refresh::claim_rotation(conn, &hash, now)? {
            return replay(conn, &token, presented, now);
        }
        let Some(user) = store::users::get(conn, &client.tenant_id, &token.user_id)? else {
            return Ok(Outcome::Refused(invalid_grant("the user no longer exists")));
        };
        let tokens = user_tokens(
            ctx,
            conn,
            client,
            &UserGrant {
                user: &user,
                scope: &scope,
                sid: &token.sid,
                auth_time: token.auth_time,
                nonce: None,
            },
        )?;
        let successor = issue(ctx, conn, client, &token)?;
        let response = TokenResponse {
            access_token: tokens.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: client.access_token_lifetime,
            scope,
            id_token: tokens.id_token,
            refresh_token: Some(successor),
        };
        let json =
            serde_json::to_vec(&response).map_err(|e| ServiceError::Internal(e.to_string()))?;
        store::refresh::set_successor_response(conn, &hash, &seal::seal(presented, &json)?)?;
        Ok(Outcome::Issued(response))
    })?;
    match outcome {
        Outcome::Issued(r) => Ok(r),
        Outcome::Refused(e) => Err(e),
    }
}

/// The token was rotated already: within the grace window answer the same successor pair, after
/// it revoke the family (the token leaked, or a client lost track of its tokens).
fn replay(
    conn: &mut DbConn,
    token: &RefreshToken,
    presented: &str,
    now: i64,
) -> ServiceResult<Outcome> {
    // Re-read: the rotation may have been committed by a concurrent request since our first read.
    let current = store::refresh::get(conn, &token.token_hash)?;
    let within_grace = current
        .as_ref()
        .and_then(|t| t.rotated_at)
        .is_some_and(|at| now - at <= RETRY_GRACE_SECONDS);
    if within_grace {
        let previous = current
            .as_ref()
            .and_then(|t| t.successor_response.as_deref())
            .and_then(|sealed| seal::open(presented, sealed))
            .and_then(|json| serde_json::from_slice::<TokenResponse>(&json).ok());
        if let Some(previous) = previous {
            return Ok(Outcome::Issued(previous));
        }
    }
    let revoked = store::refresh::revoke_family(conn, &token.family_id, now)?;
    tracing::warn!(family = %token.family_id, revoked, "refresh token reused after rotation; family revoked");
    Ok(Outcome::Refused(invalid_grant(
        "the refresh token has already been used",
    )))
}
