//! RP-initiated logout (OIDC RP-Initiated Logout 1.0, SPEC §4.5). A valid `id_token_hint` for the
//! current session ends it at once; otherwise the user confirms first. A post-logout redirect URI
//! is followed only when it is registered for the client, exactly.

use super::sessions;
use super::token::issue::verify_id_token_hint;
use super::{Context, ServiceResult};
use crate::domain::ClientId;
use crate::oauth::form::FormParams;
use crate::oauth::OAuthError;
use crate::store;

/// What the end-session endpoint answers.
#[derive(Debug, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// The request is bad (unregistered post-logout URI, unknown client): an error page.
    ErrorPage(OAuthError),
    /// Ask the user; `request` is the urlencoded parameters to post back with the confirmation.
    Confirm { request: String },
    /// Signed out: go to this URL (with `state`), or show the signed-out page.
    SignedOut { redirect_to: Option<String> },
}

/// `GET/POST /identity/connect/endsession`; `confirmed` when the user pressed Sign out.
pub fn end_session(
    ctx: &Context,
    raw: &[u8],
    cookie: Option<&str>,
    confirmed: bool,
) -> ServiceResult<LogoutOutcome> {
    let params = match FormParams::parse(raw) {
        Ok(p) => p,
        Err(e) => return Ok(LogoutOutcome::ErrorPage(e)),
    };
    let hint = match params.get("id_token_hint") {
        Some(h) => match verify_id_token_hint(ctx, h) {
            Some(c) => Some(c),
            None => {
                return Ok(LogoutOutcome::ErrorPage(OAuthError::invalid_request(
                    "id_token_hint is not an ID token of this server",
                )))
            }
        },
        None => None,
    };
    let client_id = hint
        .as_ref()
        .map(|c| c.aud.clone())
        .or_else(|| params.get("client_id").map(str::to_owned));
    let now = ctx.now();
    ctx.store.write(|conn| {
        let mut redirect_to = None;
        if let Some(uri) = params.get("post_logout_redirect_uri") {
            let client = match client_id.as_deref().map(ClientId::parse) {
                Some(Ok(id)) => store::clients::find_by_id(conn, &id)?,
                _ => None,
            };
            let Some(client) = client else {
                return Ok(LogoutOutcome::ErrorPage(OAuthError::invalid_request(
                    "post_logout_redirect_uri needs id_token_hint or client_id",
                )));
            };
            let registered = client.post_logout_redirect_uris.iter().any(|r| r == uri);
            if !registered {
                return Ok(LogoutOutcome::ErrorPage(OAuthError::invalid_request(
                    "post_logout_redirect_uri is not registered for this client",
                )));
            }
            redirect_to = Some(match params.get("state") {
                Some(state) => {
                    let sep = if uri.contains('?') { '&' } else { '?' };
                    let q = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("state", state)
                        .finish();
                    format!("{uri}{sep}{q}")
                }
                None => uri.to_owned(),
            });
        }
        let session = sessions::live_session(ctx, conn, cookie, now)?;
        let hint_matches = match (&hint, &session) {
            (Some(h), Some(s)) => h.sid == s.sid,
            _ => false,
        };
        if session.is_some() && !hint_matches && !confirmed {
            let request = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter())
                .finish();
            return Ok(LogoutOutcome::Confirm { request });
        }
        sessions::end_session(conn, cookie)?;
        Ok(LogoutOutcome::SignedOut { redirect_to })
    })
}
