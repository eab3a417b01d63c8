//! Client authentication at the token, revocation and introspection endpoints (SPEC §4.1): a
//! presented secret is hashed once; the client is read once by id with its roles and the secrets
//! stored under that hash (an index probe, whatever the number of secrets: SPEC §10), which are
//! then compared in constant time and checked for expiry.

use super::super::{Context, ServiceError};
use super::TokenError;
use crate::crypto::secrets::SecretHash;
use crate::domain::{ClientId, TokenClient};
use crate::oauth::client_auth::{presented_client, PresentedClient};
use crate::oauth::form::FormParams;
use crate::oauth::OAuthError;

/// A form request of an endpoint where the client authenticates like at the token endpoint
/// (revocation, introspection; SPEC §4.1), after client authentication succeeded.
/// CAUTION: no `Debug` — the form may hold `client_secret`.
pub struct AuthenticatedForm {
    pub form: FormParams,
    pub presented: PresentedClient,
    pub client: TokenClient,
}

impl AuthenticatedForm {
    /// A failure after authentication: rendered like a token error, with the client's origins.
    pub fn fail(&self, error: ServiceError) -> TokenError {
        TokenError {
            error,
            used_basic: matches!(self.presented, PresentedClient::Basic { .. }),
            cors_origins: self.client.cors_origins(),
        }
    }
}

/// Parses the form and authenticates the client of a revocation or introspection request.
pub fn authenticate_form(
    ctx: &Context,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<AuthenticatedForm, TokenError> {
    let form = FormParams::parse(body)?;
    let presented = presented_client(authorization, &form)?.ok_or_else(|| {
        TokenError::from(OAuthError::invalid_client(
            "the client did not authenticate",
        ))
    })?;
    let client = authenticate(ctx, &presented).map_err(|error| TokenError {
        error,
        used_basic: matches!(presented, PresentedClient::Basic { .. }),
        cors_origins: Vec::new(),
    })?;
    Ok(AuthenticatedForm {
        form,
        presented,
        client,
    })
}

/// Loads the client and checks its credentials. Unknown client, disabled client and wrong secret
/// all give the same `invalid_client`, so the answer reveals nothing about which it was.
pub fn authenticate(
    ctx: &Context,
    presented: &PresentedClient,
) -> Result<TokenClient, ServiceError> {
    let id = presented_id(presented)?;
    let hash = presented.secret().map(SecretHash::of);
    let client = ctx.store.read(|conn| {
        crate::store::clients::load_for_token(conn, &id, hash.as_ref().map(SecretHash::as_str))
    })?;
    check_credentials(ctx, hash.as_ref(), client)
}

/// [`authenticate`] without waiting for a pooled connection: `None` when none is idle right now.
pub(super) fn authenticate_now(
    ctx: &Context,
    presented: &PresentedClient,
) -> Option<Result<TokenClient, ServiceError>> {
    let id = match presented_id(presented) {
        Ok(id) => id,
        Err(e) => return Some(Err(e)),
    };
    let hash = presented.secret().map(SecretHash::of);
    let client = ctx.store.read_now(|conn| {
        crate::store::clients::load_for_token(conn, &id, hash.as_ref().map(SecretHash::as_str))
    })?;
    Some(
        client
            .map_err(ServiceError::from)
            .and_then(|c| check_credentials(ctx, hash.as_ref(), c)),
    )
}

fn invalid() -> ServiceError {
    OAuthError::invalid_client("client authentication failed").into()
}

fn presented_id(presented: &PresentedClient) -> Result<ClientId, ServiceError> {
    ClientId::parse(presented.client_id()).map_err(|_| invalid())
}

/// The client as read (`None`: unknown) checked against the presented secret's hash (`None`: no
/// secret presented), under which its secrets were read.
fn check_credentials(
    ctx: &Context,
    hash: Option<&SecretHash>,
    client: Option<TokenClient>,
) -> Result<TokenClient, ServiceError> {
    let client = client.ok_or_else(invalid)?;
    if !client.enabled {
        return Err(invalid());
    }
    match hash {
        Some(presented_hash) => {
            // The secrets read are those stored under the presented hash; each is compared again
            // in constant time, without stopping early, and must not have expired.
            let matched = client.live_secrets(ctx.now()).fold(false, |found, s| {
                found | presented_hash.equals_stored(&s.secret_hash)
            });
            if !matched {
                return Err(invalid());
            }
        }
        // A public client: only kinds without secrets may omit one.
        None if client.kind.has_secrets() => return Err(invalid()),
        None => {}
    }
    Ok(client)
}
