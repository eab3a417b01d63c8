//! The `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636, SPEC §4.3): the code is redeemed
//! atomically, bound to its client, redirect URI and PKCE challenge; a replayed code revokes the
//! access token it produced. Issues an access token for the user and, with `openid`, an ID token.

use super::super::{Context, ServiceError, ServiceResult, Settled};
use super::issue::{user_token_response, SignIn, TokenResponse};
use super::{invalid_grant, refresh, refused_event};
use crate::crypto::secrets::sha256_b64url;
use crate::domain::audit::{AuditAction, Origin};
use crate::domain::{AuthorizationCode, ClientKind, TokenClient};
use crate::oauth::form::FormParams;
use crate::oauth::{pkce, ErrorCode, OAuthError};
use crate::store::{self, DbConn};

/// Redeems a code for `client` (already authenticated).
pub(super) fn redeem(
    ctx: &Context,
    client: &TokenClient,
    form: &FormParams,
    origin: &Origin,
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
    // Counted once the revocations it caused are committed.
    let mut replayed = false;
    let settled = ctx
        .store
        .write(|conn| -> ServiceResult<Settled<TokenResponse>> {
            let refused = |why: &str| Ok(Settled::Refused(invalid_grant(why)));
            let Some(stored) = store::grants::get_code(conn, &hash)? else {
                return refused("the code is unknown or expired");
            };
            if stored.client_id != client.id {
                return refused("the code was issued to another client");
            }
            if !store::grants::redeem_code(conn, &hash, now)? {
                revoke_what_it_issued(conn, &hash, now)?;
                let event = refused_event(client, AuditAction::CodeReplayed, origin, now);
                store::audit::record(conn, &event.on(stored.user_id.as_str()))?;
                tracing::warn!(client_id = %client.id, "authorization code replayed; its tokens are revoked");
                replayed = true;
                return refused("the code has already been used");
            }
            if let Err(e) = check_code(&stored, redirect_uri, form, now) {
                return Ok(Settled::Refused(e));
            }
            let Some(user) = store::users::get(conn, &client.tenant_id, &stored.user_id)? else {
                return refused("the user no longer exists");
            };
            let sign_in = SignIn {
                user: &user,
                sid: &stored.sid,
                auth_time: stored.auth_time,
            };
            let tokens = user_token_response(
                ctx,
                conn,
                client,
                sign_in,
                &stored.scope,
                stored.nonce.as_deref(),
            )?;
            let mut response = tokens.response;
            let mut family_id = None;
            if refresh::wants_refresh_token(client, &stored.scope) {
                let family = refresh::new_family(ctx, client, sign_in, &stored.scope);
                response.refresh_token = Some(refresh::issue(ctx, conn, client, &family)?);
                family_id = Some(family.family_id);
            }
            store::grants::record_code_tokens(
                conn,
                &hash,
                &tokens.jti,
                tokens.exp,
                family_id.as_deref(),
            )?;
            Ok(Settled::Done(response))
        })?;
    if replayed {
        ctx.metrics.code_replay();
    }
    settled.into_result()
}

/// A replayed code: everything it produced is revoked (RFC 6749 §4.1.2) — the token endpoint's
/// access token, the `code token` response's access token and the refresh-token family.
/// CAUTION: the code row is read again here. On PostgreSQL a racing replay read it before the
/// winner committed; its conditional UPDATE then waited for that commit, so only a fresh read sees
/// what the winner issued.
fn revoke_what_it_issued(conn: &mut DbConn, hash: &str, now: i64) -> ServiceResult<()> {
    let Some(code) = store::grants::get_code(conn, hash)? else {
        return Ok(());
    };
    let issued = [
        (&code.access_token_jti, code.access_token_exp),
        (&code.front_channel_jti, code.front_channel_exp),
    ];
    for (jti, exp) in issued {
        if let (Some(jti), Some(exp)) = (jti, exp) {
            store::grants::revoke_jti(conn, jti, exp)?;
        }
    }
    if let Some(family) = &code.refresh_family_id {
        store::refresh::revoke_family(conn, family, now)?;
    }
    Ok(())
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
