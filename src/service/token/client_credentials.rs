//! The `client_credentials` grant (RFC 6749 §4.4, SPEC §4.2): the client's own token, with its
//! roles and the API scope.

use super::super::{Context, ServiceResult};
use super::issue::{access_token, AccessGrant, TokenResponse};
use crate::domain::TokenClient;
use crate::oauth::client_credentials::grant_scope;

/// Issues the client's own access token for the requested `scope` (raw form value).
pub(super) fn grant(
    ctx: &Context,
    client: &TokenClient,
    scope: Option<&str>,
) -> ServiceResult<TokenResponse> {
    let scope = grant_scope(client.kind, scope, &ctx.config.api_scope)?;
    let access = access_token(ctx, &AccessGrant::for_client(client, &scope))?;
    Ok(TokenResponse::bearer(access, scope))
}
