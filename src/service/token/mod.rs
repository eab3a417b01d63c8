//! The token use cases (RFC 6749 §3.2, RFC 7009, RFC 7662): client authentication
//! ([`client_auth`]), the one issuer ([`issue`]), and one file per grant or endpoint that calls
//! them. This is the hot path: one indexed read, a SHA-256 per stored secret, one signature with a
//! key parsed once.

pub mod client_auth;
mod client_credentials;
mod code;
pub mod introspect;
pub mod issue;
mod refresh;
pub mod revoke;

use client_auth::authenticate_now;
pub use client_auth::{authenticate, authenticate_form, AuthenticatedForm};
pub use issue::{verify_access_token, AccessGrant, AccessToken, SignIn, TokenResponse};

use super::ServiceError;
use crate::domain::ClientKind;
use crate::oauth::client_auth::{presented_client, PresentedClient};
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, GrantType, OAuthError};
use crate::store::Backend;

use super::Context;
use crate::domain::audit::{AuditAction, AuditEvent, Origin, Outcome};
use crate::domain::TokenClient;

/// A successful answer of an endpoint where the client authenticates (token, revocation,
/// introspection), with the browser origins of that client (SPEC §7), so the HTTP layer can answer
/// a cross-origin request without reading the client again.
#[derive(Debug)]
pub struct ClientAnswer<T> {
    pub value: T,
    /// The authenticated client's CORS origins (normalised; empty for most confidential clients).
    pub cors_origins: Vec<String>,
}

/// A failed token request, with what the HTTP layer needs to render it (RFC 6749 §5.2).
#[derive(Debug)]
pub struct TokenError {
    pub error: ServiceError,
    /// The client used HTTP Basic: `invalid_client` then answers 401 with `WWW-Authenticate`.
    pub used_basic: bool,
    /// The CORS origins of the client, when it had authenticated before the request failed
    /// (e.g. `invalid_grant`); empty when client authentication itself failed.
    pub cors_origins: Vec<String>,
}

impl From<OAuthError> for TokenError {
    fn from(e: OAuthError) -> Self {
        TokenError {
            error: ServiceError::OAuth(e),
            used_basic: false,
            cors_origins: Vec::new(),
        }
    }
}

/// A refusal of the token endpoint worth an audit event (a replayed code, a reused refresh
/// token), by the authenticated client; written in the `Settled` transaction that revokes.
pub(crate) fn refused_event(
    client: &TokenClient,
    action: AuditAction,
    origin: &Origin,
    now: crate::clock::UnixTime,
) -> AuditEvent {
    AuditEvent::security(
        &client.tenant_id,
        client.id.as_str(),
        action,
        Outcome::Failure,
        origin,
        now,
    )
}

/// A token response, with what `/metrics` counts it by.
#[derive(Debug)]
pub struct Issued {
    pub response: TokenResponse,
    pub grant_type: GrantType,
    pub client_kind: ClientKind,
}

/// `invalid_grant` (RFC 6749 §5.2) with a description.
pub(crate) fn invalid_grant(description: &str) -> ServiceError {
    OAuthError::new(ErrorCode::InvalidGrant, description).into()
}

/// A parsed token request whose grant type is one we serve, before client authentication.
pub struct TokenRequest {
    form: FormParams,
    presented: PresentedClient,
    used_basic: bool,
    grant_type: GrantType,
}

impl TokenRequest {
    /// Reads the form and the client's credentials; refuses an unsupported grant type and a
    /// request without client authentication. No I/O.
    fn parse(authorization: Option<&str>, body: &[u8]) -> Result<TokenRequest, TokenError> {
        let form = FormParams::parse(body)?;
        let presented = presented_client(authorization, &form)?;
        let used_basic = matches!(presented, Some(PresentedClient::Basic { .. }));
        let fail = |error: ServiceError| TokenError {
            error,
            used_basic,
            cors_origins: Vec::new(),
        };
        let requested = form.require("grant_type").map_err(|e| fail(e.into()))?;
        let Some(grant_type) = GrantType::parse(requested) else {
            return Err(fail(
                OAuthError::new(
                    ErrorCode::UnsupportedGrantType,
                    format!("grant_type '{requested}' is not supported"),
                )
                .into(),
            ));
        };
        let presented = presented.ok_or_else(|| {
            fail(OAuthError::invalid_client("the client did not authenticate").into())
        })?;
        Ok(TokenRequest {
            form,
            presented,
            used_basic,
            grant_type,
        })
    }

    /// Runs the grant for the authenticated `client` (or renders why authentication failed).
    fn answer(
        self,
        ctx: &Context,
        client: Result<TokenClient, ServiceError>,
        origin: &Origin,
    ) -> Result<ClientAnswer<Issued>, TokenError> {
        let client = client.map_err(|error| TokenError {
            error,
            used_basic: self.used_basic,
            cors_origins: Vec::new(),
        })?;
        let form = &self.form;
        let result = match self.grant_type {
            GrantType::AuthorizationCode => code::redeem(ctx, &client, form, origin),
            GrantType::RefreshToken => refresh::refresh(ctx, &client, form, origin),
            GrantType::ClientCredentials => {
                client_credentials::grant(ctx, &client, form.get("scope"))
            }
        };
        // Computed after the grant; free for client-credentials clients (no origins, nothing parsed).
        let cors_origins = client.cors_origins();
        match result {
            Ok(response) => Ok(ClientAnswer {
                value: Issued {
                    response,
                    grant_type: self.grant_type,
                    client_kind: client.kind,
                },
                cors_origins,
            }),
            Err(error) => Err(TokenError {
                error,
                used_basic: self.used_basic,
                cors_origins,
            }),
        }
    }
}

/// What the async worker made of a token request ([`exchange_now`]).
pub enum Now {
    /// Answered: a malformed request, or one that needed no waiting.
    Answered(Result<ClientAnswer<Issued>, TokenError>),
    /// Parsed, and the rest may block: give it to [`exchange`] on the blocking pool.
    Later(TokenRequest),
}

/// Answers a parsed token request; `origin` is where it came from (for the audit events of
/// refusals that revoke). Blocks (database reads and writes): run it on the blocking pool.
pub fn exchange(
    ctx: &Context,
    request: TokenRequest,
    origin: &Origin,
) -> Result<ClientAnswer<Issued>, TokenError> {
    let client = authenticate(ctx, &request.presented);
    request.answer(ctx, client, origin)
}

/// Parses a token request (`authorization` is the raw `Authorization` header, `body` the form) on
/// the caller's async worker, and answers there what needs no waiting; the rest comes back parsed
/// for [`exchange`] on the blocking pool.
///
/// Answered here: a malformed request, and on SQLite a `client_credentials` request when a pooled
/// connection is idle at once. That is one indexed read of microseconds (in WAL mode a reader
/// never waits for a writer) and one signature, less work than handing the request to another
/// thread and back (issue 10, docs/decisions/0007). Never here: PostgreSQL (a read is a network
/// round trip and can stall for as long as the database does), grants that write (a writer waits
/// for the writer lock), and a busy pool (`Store::read_now` does not wait for a connection).
pub fn exchange_now(ctx: &Context, authorization: Option<&str>, body: &[u8]) -> Now {
    let request = match TokenRequest::parse(authorization, body) {
        Ok(r) => r,
        Err(e) => return Now::Answered(Err(e)),
    };
    if ctx.store.backend() != Backend::Sqlite || request.grant_type != GrantType::ClientCredentials
    {
        return Now::Later(request);
    }
    match authenticate_now(ctx, &request.presented) {
        // client_credentials records no security event, so it needs no origin.
        Some(client) => Now::Answered(request.answer(ctx, client, &Origin::default())),
        None => Now::Later(request),
    }
}
