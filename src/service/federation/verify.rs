//! The upstream's answer checked (SPEC §12.2): the code exchanged (PKCE verifier, our client
//! authentication), the ID token verified by `openidconnect` (signature from the JWKS — fetched
//! again once for an unknown `kid` —, `iss`, `aud`, `nonce`, `exp`/`iat` with 2 min leeway), and
//! its e-mail and name completed from userinfo, whose `sub` must be the ID token's.

use super::mapping::UpstreamIdentity;
use super::upstream::{self, UpstreamError};
use super::{Refusal, Taken, LEEWAY_SECS};
use crate::domain::identity_provider::redirect_uri;
use crate::service::Context;
use openidconnect::core::{CoreIdTokenClaims, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, Nonce, OAuth2TokenResponse, PkceCodeVerifier,
    SignatureVerificationError, TokenResponse,
};

/// Exchanges the code, verifies the ID token and completes its claims from userinfo.
pub(super) async fn identify(
    ctx: &Context,
    taken: &Taken,
    code: String,
) -> Result<UpstreamIdentity, Refusal> {
    let authority = &taken.provider.authority;
    let metadata = ctx.federation.metadata(authority).await?;
    let redirect = redirect_uri(&ctx.config.issuer());
    let client = upstream::rp_client(
        &metadata,
        &taken.provider.client_id,
        taken.client_secret.clone(),
        &redirect,
    )?;
    let http = |req| ctx.federation.send(req);
    let request = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| Refusal::bad(format!("the identity provider has no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(taken.verifier.clone()));
    let response = request.request_async(&http).await.map_err(token_error)?;
    let id_token = response
        .id_token()
        .ok_or_else(|| Refusal::bad("the identity provider returned no ID token"))?
        .clone();
    let nonce = Nonce::new(taken.login.nonce.clone());
    let claims = match verify(ctx, &metadata, taken, &id_token, &nonce) {
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // The upstream may have rotated its keys since we cached them: look once more.
            let fresh = ctx.federation.refetch_jwks(authority, &metadata).await?;
            verify(ctx, &fresh, taken, &id_token, &nonce)
        }
        other => other,
    }
    .map_err(|e| Refusal::bad(format!("the ID token was refused: {e}")))?;
    let mut identity = identity_of(&claims);
    if identity.email.is_none() || identity.name.is_none() {
        complete_from_userinfo(
            ctx,
            &metadata,
            response.access_token().secret(),
            &mut identity,
        )
        .await?;
    }
    Ok(identity)
}

fn token_error<E: std::error::Error + 'static>(
    e: openidconnect::RequestTokenError<
        E,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> Refusal {
    use openidconnect::RequestTokenError::*;
    match e {
        ServerResponse(r) => Refusal::bad(format!(
            "the identity provider refused the code: {}",
            r.error().as_ref()
        )),
        Request(inner) => Refusal::upstream(&UpstreamError::Invalid(format!(
            "the token endpoint could not be reached: {inner}"
        ))),
        Parse(inner, _) => Refusal::upstream(&UpstreamError::Invalid(format!(
            "the token response is not valid: {inner}"
        ))),
        Other(why) => Refusal::upstream(&UpstreamError::Invalid(why)),
    }
}

/// Verifies the ID token against `metadata`'s JWKS, issuer, our client id, the nonce, and the
/// time with the leeway (the server's clock, so a fixed test clock applies).
fn verify(
    ctx: &Context,
    metadata: &CoreProviderMetadata,
    taken: &Taken,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<CoreIdTokenClaims, ClaimsVerificationError> {
    let client = upstream::rp_client(
        metadata,
        &taken.provider.client_id,
        taken.client_secret.clone(),
        &redirect_uri(&ctx.config.issuer()),
    )
    .map_err(|e| ClaimsVerificationError::Other(e.to_string()))?;
    let now = ctx.now();
    let at = |t: i64| {
        chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0)
            .unwrap_or(chrono::DateTime::UNIX_EPOCH)
    };
    let verifier = client
        .id_token_verifier()
        // `exp` is compared with this time: now minus the leeway.
        .set_time_fn(move || at(now - LEEWAY_SECS))
        .set_issue_time_verifier_fn(move |iat| {
            if iat.timestamp() <= now + LEEWAY_SECS {
                Ok(())
            } else {
                Err("the ID token was issued in the future".to_owned())
            }
        });
    id_token.claims(&verifier, nonce).cloned()
}

fn identity_of(claims: &CoreIdTokenClaims) -> UpstreamIdentity {
    UpstreamIdentity {
        sub: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        amr: claims
            .auth_method_refs()
            .map(|v| v.iter().map(|a| a.as_str().to_owned()).collect())
            .unwrap_or_default(),
    }
}

/// Fills in e-mail and name from the upstream's userinfo (OIDC Core §5.3), whose `sub` must be
/// the ID token's (§5.3.2). No userinfo endpoint: the ID token's claims are all there is.
async fn complete_from_userinfo(
    ctx: &Context,
    metadata: &CoreProviderMetadata,
    access_token: &str,
    identity: &mut UpstreamIdentity,
) -> Result<(), Refusal> {
    let Some(endpoint) = metadata.userinfo_endpoint() else {
        return Ok(());
    };
    let info = ctx
        .federation
        .get_json(endpoint.as_str(), Some(access_token))
        .await?;
    let text = |k: &str| info.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    if text("sub").as_deref() != Some(identity.sub.as_str()) {
        return Err(Refusal::bad(
            "the identity provider's userinfo is about another subject",
        ));
    }
    if identity.email.is_none() {
        identity.email = text("email");
        identity.email_verified = info
            .get("email_verified")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
    }
    if identity.name.is_none() {
        identity.name = text("name");
    }
    Ok(())
}
