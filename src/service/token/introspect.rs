//! Token introspection (RFC 7662, SPEC §4.6), for confidential clients only: client-credentials
//! and hybrid clients authenticating with a secret (SPEC §4.1). A public client gets
//! `invalid_client`. Every token that is not a live access token of the caller's tenant — malformed,
//! signed by someone else, expired, revoked, or issued in another tenant — is `{"active":false}`
//! (RFC 7662 §2.2: the response says nothing about why).

use super::super::Context;
use super::{authenticate_form, verify_access_token, ClientAnswer, TokenError};
use crate::domain::Scope;
use crate::oauth::access_token::AccessTokenClaims;
use crate::oauth::OAuthError;
use crate::store;
use serde::Serialize;

/// An introspection response (RFC 7662 §2.2).
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten)]
    pub token: Option<ActiveToken>,
}

/// The members of an active token's introspection response.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ActiveToken {
    pub scope: Scope,
    pub client_id: String,
    pub sub: String,
    pub aud: String,
    pub iss: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub token_type: &'static str,
    pub tid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

impl Introspection {
    fn inactive() -> Self {
        Introspection {
            active: false,
            token: None,
        }
    }

    fn active(c: AccessTokenClaims) -> Self {
        Introspection {
            active: true,
            token: Some(ActiveToken {
                scope: c.scope,
                client_id: c.client_id,
                sub: c.sub,
                aud: c.aud,
                iss: c.iss,
                exp: c.exp,
                iat: c.iat,
                nbf: c.nbf,
                jti: c.jti,
                token_type: "Bearer",
                tid: c.tid,
                sid: c.sid,
                auth_time: c.auth_time,
            }),
        }
    }
}

/// Handles one introspection request: `authorization` is the raw `Authorization` header, `body`
/// the form (`token` required, `token_type_hint` optional and ignored: access tokens are the only
/// kind that can be active here).
pub fn introspect(
    ctx: &Context,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<ClientAnswer<Introspection>, TokenError> {
    let request = authenticate_form(ctx, authorization, body)?;
    if request.presented.secret().is_none() || !request.client.kind.has_secrets() {
        return Err(request.fail(
            OAuthError::invalid_client("only confidential clients may introspect tokens").into(),
        ));
    }
    let token = request
        .form
        .require("token")
        .map_err(|e| request.fail(e.into()))?;
    let answer = match verify_access_token(ctx, token) {
        Ok(claims) if claims.tid == request.client.tenant_id.as_str() => {
            let revoked = ctx
                .store
                .read(|conn| store::grants::is_revoked(conn, &claims.jti))
                .map_err(|e| request.fail(e.into()))?;
            if revoked {
                Introspection::inactive()
            } else {
                Introspection::active(claims)
            }
        }
        _ => Introspection::inactive(),
    };
    Ok(ClientAnswer {
        value: answer,
        cors_origins: request.client.cors_origins(),
    })
}
