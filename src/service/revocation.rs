//! Token revocation (RFC 7009, SPEC §4.6). The client authenticates as at the token endpoint
//! (SPEC §4.1). An access token of ours issued to that client goes on the deny list until its
//! `exp`; anything else — another client's token, an expired, unknown or malformed token — is
//! answered with success and nothing happens (RFC 7009 §2.2: the client cannot act on the
//! difference, and the answer must not reveal other clients' tokens).

use super::token::{authenticate_form, ClientAnswer, TokenError};
use super::Context;
use crate::oauth::access_token::{AccessTokenClaims, ACCESS_TOKEN_TYP};
use crate::store;

/// What a presented token turned out to be.
enum Presented {
    /// A valid (unexpired) access token of this server.
    AccessToken(Box<AccessTokenClaims>),
    /// Not a live token of ours.
    Unknown,
}

/// Identifies a presented token. `token_type_hint` (RFC 7009 §2.1) only orders the search, and an
/// unknown hint is ignored, so it is not needed while access tokens are the only kind.
///
/// Seam for refresh tokens (SPEC §4.4): they are opaque; when they exist, a token that does not
/// verify as an access token (or any token when the hint is `refresh_token`) is looked up by its
/// hash here, and a `Presented::RefreshToken` of the authenticated client revokes its family.
fn identify(ctx: &Context, token: &str) -> Presented {
    ctx.keys
        .verifier()
        .verify::<AccessTokenClaims>(
            token,
            Some(ACCESS_TOKEN_TYP),
            &ctx.config.issuer(),
            &ctx.config.api_scope,
            ctx.now(),
        )
        .map_or(Presented::Unknown, |c| Presented::AccessToken(Box::new(c)))
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
    match identify(ctx, token) {
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
        cors_origins: super::token::cors_origins(&request.client),
    })
}
