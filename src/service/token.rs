//! The token endpoint (RFC 6749 §3.2): client authentication (SPEC §4.1) and the grants. This is
//! the hot path: one indexed read, a SHA-256 per stored secret, one signature with a key parsed once.

use super::{Context, ServiceError};
use crate::crypto::jwt::sign_jwt;
use crate::crypto::secrets::SecretHash;
use crate::domain::client::cors_origins_of;
use crate::oauth::access_token::{AccessTokenClaims, ACCESS_TOKEN_TYP};
use crate::oauth::client_auth::{presented_client, PresentedClient};
use crate::oauth::form::FormParams;
use crate::oauth::{client_credentials, ErrorCode, OAuthError};
use crate::store::clients::ClientAuthRecord;
use serde::{Deserialize, Serialize};

/// A successful token response (RFC 6749 §5.1).
#[derive(Serialize, Deserialize, Debug)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

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

/// The CORS origins of an authenticated client (SPEC §7).
pub fn cors_origins(client: &ClientAuthRecord) -> Vec<String> {
    cors_origins_of(
        client.kind,
        &client.allowed_cors_origins,
        &client.redirect_uris,
    )
}

/// Handles one token request: `authorization` is the raw `Authorization` header, `body` the form.
pub fn exchange(
    ctx: &Context,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<ClientAnswer<TokenResponse>, TokenError> {
    let form = FormParams::parse(body)?;
    let presented = presented_client(authorization, &form)?;
    let used_basic = matches!(presented, Some(PresentedClient::Basic { .. }));
    let fail = |error: ServiceError| TokenError {
        error,
        used_basic,
        cors_origins: Vec::new(),
    };
    let grant_type = form
        .require("grant_type")
        .map_err(|e| fail(e.into()))?
        .to_owned();
    if !matches!(
        grant_type.as_str(),
        "client_credentials" | "authorization_code" | "refresh_token"
    ) {
        return Err(fail(
            OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                format!("grant_type '{grant_type}' is not supported"),
            )
            .into(),
        ));
    }
    let presented = presented.ok_or_else(|| {
        fail(OAuthError::invalid_client("the client did not authenticate").into())
    })?;
    let client = authenticate(ctx, &presented).map_err(fail)?;
    let result = match grant_type.as_str() {
        "authorization_code" => super::code_grant::redeem(ctx, &client, &form),
        "refresh_token" => super::refresh_grant::refresh(ctx, &client, &form),
        _ => client_credentials_grant(ctx, &client, form.get("scope")),
    };
    // Computed after the grant; free for client-credentials clients (no origins, nothing parsed).
    let cors_origins = cors_origins(&client);
    match result {
        Ok(value) => Ok(ClientAnswer {
            value,
            cors_origins,
        }),
        Err(error) => Err(TokenError {
            error,
            used_basic,
            cors_origins,
        }),
    }
}

/// A form request of an endpoint where the client authenticates like at the token endpoint
/// (revocation, introspection; SPEC §4.1), after client authentication succeeded.
/// CAUTION: no `Debug` — the form may hold `client_secret`.
pub struct AuthenticatedForm {
    pub form: FormParams,
    pub presented: PresentedClient,
    pub client: ClientAuthRecord,
}

impl AuthenticatedForm {
    /// A failure after authentication: rendered like a token error, with the client's origins.
    pub fn fail(&self, error: ServiceError) -> TokenError {
        TokenError {
            error,
            used_basic: matches!(self.presented, PresentedClient::Basic { .. }),
            cors_origins: cors_origins(&self.client),
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
/// all give the same `invalid_client`, so the answer reveals nothing about which it was. Also used
/// by the revocation and introspection endpoints (SPEC §4.1).
pub fn authenticate(
    ctx: &Context,
    presented: &PresentedClient,
) -> Result<ClientAuthRecord, ServiceError> {
    let invalid = || OAuthError::invalid_client("client authentication failed").into();
    let id = crate::domain::ids::canonical_guid(presented.client_id()).map_err(|_| invalid())?;
    let record = ctx
        .store
        .read(|conn| crate::store::clients::load_for_auth(conn, &id))?
        .ok_or_else(invalid)?;
    if !record.enabled {
        return Err(invalid());
    }
    let now = ctx.now();
    match presented.secret() {
        Some(secret) => {
            // Compare with every secret without stopping early: constant work per client.
            let presented_hash = SecretHash::of(secret);
            let mut matched = false;
            for (hash, expiration) in &record.secrets {
                let ok = presented_hash.equals_stored(hash);
                let live = expiration.is_none_or(|exp| exp > now);
                matched |= ok & live;
            }
            if !matched {
                return Err(invalid());
            }
        }
        None => {
            // A public client: only kinds without secrets may omit one.
            if record.kind.has_secrets() {
                return Err(invalid());
            }
        }
    }
    Ok(record)
}

fn client_credentials_grant(
    ctx: &Context,
    client: &ClientAuthRecord,
    scope: Option<&str>,
) -> Result<TokenResponse, ServiceError> {
    let scope = client_credentials::grant_scope(client.kind, scope, &ctx.config.api_scope)?;
    let now = ctx.now();
    let claims = AccessTokenClaims {
        iss: ctx.config.issuer(),
        aud: ctx.config.api_scope.clone(),
        sub: client.id.as_str().to_owned(),
        client_id: client.id.as_str().to_owned(),
        tid: client.tenant_id.as_str().to_owned(),
        scope: scope.clone(),
        role: client.role_ids.clone(),
        role_type: client.role_type_ids.clone(),
        iat: now,
        nbf: now,
        exp: now + client.access_token_lifetime,
        jti: uuid::Uuid::new_v4().simple().to_string(),
        auth_time: None,
        sid: None,
        idp: None,
    };
    let key = ctx
        .keys
        .active(ctx.config.access_token_alg, now)
        .ok_or_else(|| ServiceError::Unavailable("no active signing key".to_owned()))?;
    let access_token = sign_jwt(&claims, ACCESS_TOKEN_TYP, &key)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: client.access_token_lifetime,
        scope,
        id_token: None,
        refresh_token: None,
    })
}
