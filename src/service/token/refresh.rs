//! Refresh tokens (SPEC §4.4): issued to hybrid clients with `AllowOfflineAccess` when
//! `offline_access` was granted; opaque 256-bit values stored as SHA-256; every use rotates. A
//! rotated token presented again within 10 s gets the very same successor pair (a retry after a
//! lost response); later, reuse revokes the whole family. The family has an absolute lifetime.

use super::super::{Context, ServiceError, ServiceResult, Settled};
use super::issue::{user_token_response, SignIn, TokenResponse};
use super::{invalid_grant, refused_event};
use crate::crypto::seal;
use crate::crypto::secrets::{random_token, sha256_b64url};
use crate::domain::audit::{AuditAction, AuditEvent, Origin};
use crate::domain::refresh::{RefreshToken, RETRY_GRACE_SECONDS};
use crate::domain::scope::OFFLINE_ACCESS;
use crate::domain::{ClientKind, Scope, TokenClient};
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::store::{self, DbConn};

/// Whether a grant of `scope` to `client` comes with a refresh token.
pub(super) fn wants_refresh_token(client: &TokenClient, scope: &Scope) -> bool {
    client.kind == ClientKind::Hybrid
        && client.allow_offline_access
        && scope.contains(OFFLINE_ACCESS)
}

/// Creates a new member of the family `template` belongs to; returns the token value.
pub(super) fn issue(
    ctx: &Context,
    conn: &mut DbConn,
    client: &TokenClient,
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

/// A fresh family for a user's sign-in, granted `scope`.
pub(super) fn new_family(
    ctx: &Context,
    client: &TokenClient,
    sign_in: SignIn<'_>,
    scope: &Scope,
) -> RefreshToken {
    let now = ctx.now();
    RefreshToken {
        token_hash: String::new(),
        family_id: uuid::Uuid::new_v4().simple().to_string(),
        client_id: client.id.clone(),
        user_id: sign_in.user.id.clone(),
        scope: scope.clone(),
        sid: sign_in.sid.to_owned(),
        auth_time: sign_in.auth_time,
        created: now,
        family_expires_at: now + ctx.config.refresh_token_lifetime,
        rotated_at: None,
        successor_response: None,
        revoked_at: None,
    }
}

/// The requested scope, which may narrow the family's scope but never widen it.
fn narrowed(requested: Option<&str>, granted: &Scope) -> Result<Scope, ServiceError> {
    let Some(requested) = requested else {
        return Ok(granted.clone());
    };
    let requested = Scope::parse(requested);
    if let Some(s) = requested.first_missing_from(granted) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("scope '{s}' was not granted to this refresh token"),
        )
        .into());
    }
    if requested.is_empty() {
        return Err(OAuthError::new(ErrorCode::InvalidScope, "scope is empty").into());
    }
    Ok(requested)
}

/// `grant_type=refresh_token` for an authenticated client.
pub(super) fn refresh(
    ctx: &Context,
    client: &TokenClient,
    form: &FormParams,
    origin: &Origin,
) -> ServiceResult<TokenResponse> {
    let presented = form.require("refresh_token")?;
    let hash = sha256_b64url(presented);
    let now = ctx.now();
    // Counted once the family's revocation is committed.
    let mut reused = false;
    let settled = ctx
        .store
        .write(|conn| -> ServiceResult<Settled<TokenResponse>> {
            let refused = |why: &str| Ok(Settled::Refused(invalid_grant(why)));
            let Some(token) = store::refresh::get(conn, &hash)? else {
                return refused("the refresh token is unknown");
            };
            if token.client_id != client.id {
                return refused("the refresh token belongs to another client");
            }
            if token.revoked_at.is_some() {
                return refused("the refresh token has been revoked");
            }
            if token.family_expires_at <= now {
                return refused("the refresh token has expired");
            }
            let scope = match narrowed(form.get("scope"), &token.scope) {
                Ok(s) => s,
                Err(e) => return Ok(Settled::Refused(e)),
            };
            if !store::refresh::claim_rotation(conn, &hash, now)? {
                let event = refused_event(client, AuditAction::RefreshReuseDetected, origin, now);
                let answer = replay(conn, &token, presented, &event, now)?;
                reused = matches!(answer, Settled::Refused(_));
                return Ok(answer);
            }
            let Some(user) = store::users::get(conn, &client.tenant_id, &token.user_id)? else {
                return refused("the user no longer exists");
            };
            let sign_in = SignIn {
                user: &user,
                sid: &token.sid,
                auth_time: token.auth_time,
            };
            let mut response =
                user_token_response(ctx, conn, client, sign_in, &scope, None)?.response;
            response.refresh_token = Some(issue(ctx, conn, client, &token)?);
            let json =
                serde_json::to_vec(&response).map_err(|e| ServiceError::Internal(e.to_string()))?;
            store::refresh::set_successor_response(conn, &hash, &seal::seal(presented, &json)?)?;
            Ok(Settled::Done(response))
        })?;
    if reused {
        ctx.metrics.refresh_reuse();
    }
    settled.into_result()
}

/// The token was rotated already: within the grace window answer the same successor pair, after
/// it revoke the family (the token leaked, or a client lost track of its tokens).
fn replay(
    conn: &mut DbConn,
    token: &RefreshToken,
    presented: &str,
    reused: &AuditEvent,
    now: i64,
) -> ServiceResult<Settled<TokenResponse>> {
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
            return Ok(Settled::Done(previous));
        }
    }
    let revoked = store::refresh::revoke_family(conn, &token.family_id, now)?;
    store::audit::record(conn, &reused.clone().on(token.user_id.as_str()))?;
    tracing::warn!(family = %token.family_id, revoked, "refresh token reused after rotation; family revoked");
    Ok(Settled::Refused(invalid_grant(
        "the refresh token has already been used",
    )))
}
