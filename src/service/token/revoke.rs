//! Token revocation (RFC 7009, SPEC §4.6). The client authenticates as at the token endpoint
//! (SPEC §4.1). An access token of ours issued to that client goes on the deny list until its
//! `exp`; a refresh token of that client revokes its whole family; anything else — another client's token, an expired, unknown or malformed token — is
//! answered with success and nothing happens (RFC 7009 §2.2: the client cannot act on the
//! difference, and the answer must not reveal other clients' tokens).

use super::super::{Context, ServiceError};
use super::{authenticate_form, verify_access_token, ClientAnswer, TokenError};
use crate::oauth::access_token::AccessTokenClaims;
use crate::store;

/// What a presented token turned out to be.
enum Presented {
    /// A valid (unexpired) access token of this server.
    AccessToken(Box<AccessTokenClaims>),
    /// A stored refresh token (live or not).
    RefreshToken(Box<crate::domain::refresh::RefreshToken>),
    /// Not a live token of ours.
    Unknown,
}

/// Identifies a presented token: a JWT access token of ours, else a stored refresh token (looked
/// up by its hash). `token_type_hint` (RFC 7009 §2.1) would only order the search; both kinds are
/// cheap to tell apart, so it is not needed.
fn identify(ctx: &Context, token: &str) -> Result<Presented, ServiceError> {
    if let Ok(claims) = verify_access_token(ctx, token) {
        return Ok(Presented::AccessToken(Box::new(claims)));
    }
    let hash = crate::crypto::secrets::sha256_b64url(token);
    Ok(ctx
        .store
        .read(|conn| store::refresh::get(conn, &hash))?
        .map_or(Presented::Unknown, |t| Presented::RefreshToken(Box::new(t))))
}

/// Handles one revocation request: `authorization` is the raw `Authorization` header, `body` the
/// form. Success is an empty 200.
pub fn revoke(
    ctx: &Context,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<ClientAnswer<()>, TokenError> {
    let request = authenticate_form(ctx, authorization, body)?;
    let token = request
        .form
        .require("token")
        .map_err(|e| request.fail(e.into()))?;
    let presented = identify(ctx, token).map_err(|e| request.fail(e))?;
    match presented {
        Presented::RefreshToken(t) if t.client_id == request.client.id => {
            let now = ctx.now();
            ctx.store
                .write(|conn| store::refresh::revoke_family(conn, &t.family_id, now))
                .map_err(|e| request.fail(e.into()))?;
            tracing::info!(client_id = %request.client.id, family = %t.family_id, "refresh token family revoked");
        }
        Presented::RefreshToken(_) => {
            tracing::info!(client_id = %request.client.id, "revocation of another client's refresh token ignored");
        }
        Presented::AccessToken(claims) if claims.client_id == request.client.id.as_str() => {
            ctx.store
                .write(|conn| store::grants::revoke_jti(conn, &claims.jti, claims.exp))
                .map_err(|e| request.fail(e.into()))?;
            tracing::info!(client_id = %request.client.id, jti = %claims.jti, "access token revoked");
        }
        Presented::AccessToken(_) => {
            tracing::info!(client_id = %request.client.id, "revocation of another client's token ignored");
        }
        Presented::Unknown => {}
    }
    Ok(ClientAnswer {
        value: (),
        cors_origins: request.client.cors_origins(),
    })
}
