//! Stage 2 of the authorization endpoint: the request beyond its client and redirect URI. Every
//! refusal here is redirected to the client, in the response mode settled first.

use super::prompt::{self, Prompt};
use super::response::{ReplyTo, ResponseRequest, ResponseType};
use super::scope::granted_scopes;
use super::{AuthorizeRequest, ClientFacts};
use crate::domain::scope::OPENID;
use crate::domain::{ClientKind, Scope};
use crate::oauth::form::FormParams;
use crate::oauth::pkce;
use crate::oauth::{ErrorCode, OAuthError};

/// Stage 2: everything else. `Err` is redirected to the client with `reply`.
///
/// The checks run in a fixed order (mode, client enabled, request objects, type, scopes, nonce,
/// PKCE, prompt, max_age, acr_values), so a request with several faults always gets the same error.
pub fn check_request(
    params: &FormParams,
    client: &ClientFacts,
    redirect_uri: String,
    api_scope: &str,
) -> Result<AuthorizeRequest, (ReplyTo, OAuthError)> {
    let response = ResponseRequest::read(params, redirect_uri);
    let fail = |e: OAuthError| (response.reply.clone(), e);
    response.check_mode().map_err(fail)?;
    if !client.enabled {
        return Err(fail(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "the client is disabled",
        )));
    }
    check_no_request_object(params).map_err(fail)?;
    let response_type = response.check_type(client).map_err(fail)?;
    let scope = granted_scopes(params, client, api_scope).map_err(fail)?;
    check_id_token(params, response_type, &scope).map_err(fail)?;
    check_pkce(params, client).map_err(fail)?;
    let prompt = Prompt::read(params).map_err(fail)?;
    let max_age = prompt::max_age(params).map_err(fail)?;
    check_acr_values(params, client).map_err(fail)?;
    Ok(AuthorizeRequest {
        client_id: params.get("client_id").unwrap_or("").to_owned(),
        reply: response.reply,
        response_type,
        scope,
        nonce: params.get("nonce").map(str::to_owned),
        code_challenge: params.get("code_challenge").map(str::to_owned),
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_owned),
    })
}

/// OIDC Core §6: request objects (`request`, `request_uri`) are not supported, and discovery says
/// so (`request_parameter_supported`, `request_uri_parameter_supported`: false). A request that
/// carries one is refused rather than served without the parameters it holds.
fn check_no_request_object(params: &FormParams) -> Result<(), OAuthError> {
    if params.get("request").is_some() {
        return Err(OAuthError::new(
            ErrorCode::RequestNotSupported,
            "request objects (the request parameter) are not supported",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(OAuthError::new(
            ErrorCode::RequestUriNotSupported,
            "request objects by reference (the request_uri parameter) are not supported",
        ));
    }
    Ok(())
}

/// OIDC Core §3.3.2.11: an ID token from the authorization endpoint needs the openid scope, and
/// its nonce is REQUIRED.
fn check_id_token(
    params: &FormParams,
    response_type: ResponseType,
    scope: &Scope,
) -> Result<(), OAuthError> {
    if !response_type.id_token {
        return Ok(());
    }
    if !scope.contains(OPENID) {
        return Err(OAuthError::invalid_request(
            "response_type id_token needs the openid scope",
        ));
    }
    if params.get("nonce").is_none_or(str::is_empty) {
        return Err(OAuthError::invalid_request(
            "nonce is required when the authorization response carries an ID token",
        ));
    }
    Ok(())
}

/// PKCE (RFC 7636): required of public authorization-code clients; optional for confidential
/// hybrid clients, but checked (S256 only) when sent.
fn check_pkce(params: &FormParams, client: &ClientFacts) -> Result<(), OAuthError> {
    let challenge = params.get("code_challenge");
    let method = params.get("code_challenge_method");
    if client.kind == ClientKind::AuthorizationCode || challenge.is_some() || method.is_some() {
        pkce::validate_challenge(challenge, method)?;
    }
    Ok(())
}

/// `acr_values` may name the tenant to sign in to (`tenant:<id>`); it must be the
/// client's own tenant.
fn check_acr_values(params: &FormParams, client: &ClientFacts) -> Result<(), OAuthError> {
    let Some(acr) = params.get("acr_values") else {
        return Ok(());
    };
    for value in acr.split(' ').filter(|s| !s.is_empty()) {
        if let Some(tenant) = value.strip_prefix("tenant:") {
            if !tenant.eq_ignore_ascii_case(&client.tenant_id) {
                return Err(OAuthError::invalid_request(
                    "acr_values names a tenant the client does not belong to",
                ));
            }
        }
    }
    Ok(())
}
