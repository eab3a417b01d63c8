//! Signing in through a tenant's upstream OpenID Provider (SPEC §12.2). Portcullis is the
//! relying party: authorization code flow with PKCE S256, `state` and `nonce`. The pending login
//! is kept server-side (hashed state, 10 minutes, single use) and bound to the browser by a
//! short-lived cookie; the callback verifies the ID token (`openidconnect`), maps the upstream
//! identity to a user (`mapping`), starts a normal session and continues the original
//! authorization request. These use cases are async: they wait on upstream HTTP (`upstream`),
//! and run their database work as blocking units of work off the async threads.

pub mod mapping;
pub mod upstream;
mod verify;

use super::blocking_unit as unit;
use super::{Context, ServiceError, ServiceResult};
use crate::crypto::secrets::{random_token, sha256_b64url};
use crate::domain::audit::{AuditAction, AuditEvent, Origin, Outcome};
use crate::domain::identity_provider::{
    redirect_uri, IdentityProvider, ProviderKind, LOCAL_IDENTITY_PROVIDER_ID,
};
use crate::domain::TenantId;
use crate::metrics::SignInOutcome;
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::store::identity_providers::{self as idp_store, PendingLogin};
use crate::store::DbConn;
use mapping::UpstreamIdentity;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, Scope as OidcScope};
use upstream::UpstreamError;

/// Base name of the cookie that binds a pending upstream login to the browser.
pub const FEDERATION_COOKIE: &str = "portcullis.federation";
/// Seconds a pending upstream login waits for its callback.
pub const PENDING_LIFETIME: i64 = 600;
/// Leeway for the upstream ID token's `exp` and `iat` (SPEC §12.2).
const LEEWAY_SECS: i64 = 120;

/// A sign-in through an upstream refused: shown as the error page with this status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub sentence: String,
    pub error: OAuthError,
}

impl Refusal {
    pub(crate) fn new(
        status: u16,
        sentence: impl Into<String>,
        code: ErrorCode,
        why: &str,
    ) -> Refusal {
        Refusal {
            status,
            sentence: sentence.into(),
            error: OAuthError::new(code, why),
        }
    }

    /// 400: the sign-in cannot go on (bad or used state, a refused ID token, ...).
    pub fn bad(why: impl Into<String>) -> Refusal {
        let why = why.into();
        Refusal::new(
            400,
            format!("Signing in through the identity provider failed: {why}"),
            ErrorCode::InvalidRequest,
            &why,
        )
    }

    /// 403: the upstream identity has no account here.
    pub fn no_account(email: &str) -> Refusal {
        Refusal::forbidden(format!(
            "There is no account for {email} in this tenant. Ask an administrator to invite you."
        ))
    }

    pub fn forbidden(sentence: String) -> Refusal {
        Refusal::new(403, sentence.clone(), ErrorCode::AccessDenied, &sentence)
    }

    /// 502: the upstream could not be used.
    pub(crate) fn upstream(e: &UpstreamError) -> Refusal {
        let why = e.to_string();
        Refusal::new(
            502,
            format!("The identity provider could not complete the sign-in: {why}"),
            ErrorCode::TemporarilyUnavailable,
            &why,
        )
    }
}

impl From<UpstreamError> for Refusal {
    fn from(e: UpstreamError) -> Self {
        Refusal::upstream(&e)
    }
}

/// The outcome of a federation step: go somewhere (setting a cookie), or the error page.
#[derive(Debug)]
pub enum Federated {
    /// Redirect the browser; set the federation cookie to `cookie` (start) or the session cookie
    /// (callback).
    Redirect {
        location: String,
        cookie: String,
    },
    Refused(Refusal),
}

/// What the login page offers for a tenant: the password form, and the upstream buttons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignInOptions {
    pub password: bool,
    /// (Id, DisplayName) of every enabled upstream provider.
    pub providers: Vec<(String, String)>,
    /// `acr_values=idp:{id}` named one of them: go straight there.
    pub direct: Option<String>,
}

/// The sign-in options of `tenant` for a request with these `acr_values`.
pub fn sign_in_options(
    conn: &mut DbConn,
    tenant: &TenantId,
    acr_values: Option<&str>,
) -> ServiceResult<SignInOptions> {
    let stored = idp_store::list(conn, tenant)?;
    let password = stored
        .iter()
        .find(|p| p.is_local())
        .is_none_or(|p| p.enabled);
    let providers: Vec<(String, String)> = stored
        .into_iter()
        .filter(|p| !p.is_local() && p.enabled)
        .map(|p| (p.id, p.display_name))
        .collect();
    let direct = acr_values
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|v| v.strip_prefix("idp:"))
        .find_map(|id| providers.iter().find(|(p, _)| p.eq_ignore_ascii_case(id)))
        .map(|(id, _)| id.clone());
    Ok(SignInOptions {
        password,
        providers,
        direct,
    })
}

/// Whether password sign-in is on for `tenant` (its Local provider is enabled).
pub fn password_enabled(conn: &mut DbConn, tenant: &TenantId) -> ServiceResult<bool> {
    Ok(idp_store::get(conn, tenant, LOCAL_IDENTITY_PROVIDER_ID)?.is_none_or(|p| p.enabled))
}

/// The enabled upstream provider `id` of the tenant of the authorization request `request`.
fn provider_for_request(
    ctx: &Context,
    request: &str,
    provider: &str,
) -> ServiceResult<Result<(IdentityProvider, FormParams), Refusal>> {
    let params = match FormParams::parse(request.as_bytes()) {
        Ok(p) => p,
        Err(e) => return Ok(Err(Refusal::bad(e.description))),
    };
    ctx.store.read(|conn| {
        let client =
            match super::signin::validated_client(ctx, conn, &params)? {
                Some(c) => c,
                None => return Ok(Err(Refusal::bad(
                    "the sign-in request is not valid any more; start again from the application",
                ))),
            };
        let found = idp_store::get(conn, &client.tenant_id, &provider.to_lowercase())?;
        match found {
            Some(p) if p.kind == ProviderKind::OpenIdConnect && p.enabled => Ok(Ok((p, params))),
            _ => Ok(Err(Refusal::bad(
                "this identity provider is not enabled for the application's tenant",
            ))),
        }
    })
}

/// The enabled upstream provider `id` that the open invitation `code` names.
fn provider_for_invitation(
    ctx: &Context,
    code: &str,
    provider: &str,
) -> ServiceResult<Result<(IdentityProvider, FormParams), Refusal>> {
    let now = ctx.now();
    ctx.store.read(|conn| {
        let hash = super::invitations::code_hash(code);
        let invitation = match crate::store::invitations::by_code_hash(conn, &hash)? {
            Some(i) if i.is_open(now) && i.identity_provider_id.eq_ignore_ascii_case(provider) => i,
            _ => {
                return Ok(Err(Refusal::bad(
                    "the invitation is unknown, has expired or was already used",
                )))
            }
        };
        match idp_store::get(
            conn,
            &invitation.tenant_id,
            &invitation.identity_provider_id,
        )? {
            Some(p) if p.kind == ProviderKind::OpenIdConnect && p.enabled => {
                Ok(Ok((p, FormParams::default())))
            }
            _ => Ok(Err(Refusal::bad(
                "the invitation's identity provider is not enabled",
            ))),
        }
    })
}

/// `GET /identity/federation/start`: sends the browser to the upstream's authorization endpoint
/// with PKCE, state and nonce (and the request's `login_hint`); the pending login is stored and
/// the returned cookie value binds it to this browser.
pub async fn start(
    ctx: &Context,
    provider: String,
    request: String,
    invitation: Option<String>,
) -> ServiceResult<Federated> {
    let c = ctx.clone();
    let (r, code) = (request.clone(), invitation.clone());
    // From an invitation link there is no authorization request: the invitation names the
    // tenant, and the accepted user lands on the portal.
    let found = match code.filter(|_| request.is_empty()) {
        Some(code) => unit(ctx, move |_| provider_for_invitation(&c, &code, &provider)).await?,
        None => unit(ctx, move |_| provider_for_request(&c, &r, &provider)).await?,
    };
    let (provider, params) = match found {
        Ok(v) => v,
        Err(refusal) => return Ok(Federated::Refused(refusal)),
    };
    let metadata = match ctx.federation.metadata(&provider.authority).await {
        Ok(m) => m,
        Err(e) => return Ok(Federated::Refused(e.into())),
    };
    let client = match upstream::rp_client(
        &metadata,
        &provider.client_id,
        None,
        &redirect_uri(&ctx.config.issuer()),
    ) {
        Ok(c) => c,
        Err(e) => return Ok(Federated::Refused(e.into())),
    };
    let (state, nonce, browser) = (random_token(32)?, random_token(32)?, random_token(32)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut auth = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            {
                let s = state.clone();
                move || CsrfToken::new(s)
            },
            {
                let n = nonce.clone();
                move || Nonce::new(n)
            },
        )
        .set_pkce_challenge(challenge);
    for scope in provider
        .scopes
        .split_whitespace()
        .filter(|s| *s != "openid")
    {
        auth = auth.add_scope(OidcScope::new(scope.to_owned()));
    }
    if let Some(hint) = params.get("login_hint").filter(|h| !h.is_empty()) {
        auth = auth.add_extra_param("login_hint", hint.to_owned());
    }
    let (location, _, _) = auth.url();
    let state_hash = sha256_b64url(&state);
    let pending = PendingLogin {
        pkce_verifier_sealed: ctx.master.seal(
            &format!("federation-pkce:{state_hash}"),
            verifier.secret().as_bytes(),
        )?,
        state_hash,
        browser_hash: sha256_b64url(&browser),
        tenant_id: provider.tenant_id.as_str().to_owned(),
        provider_id: provider.id.clone(),
        request,
        nonce,
        invitation: invitation.filter(|i| !i.is_empty()),
        expires_at: ctx.now() + PENDING_LIFETIME,
    };
    unit(ctx, move |ctx| {
        ctx.store
            .write(|conn| Ok(idp_store::insert_pending(conn, &pending)?))
    })
    .await?;
    Ok(Federated::Redirect {
        location: location.to_string(),
        cookie: browser,
    })
}

/// What the upstream sent back to `/identity/federation/callback`.
#[derive(Debug, Default)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The federation cookie's value.
    pub browser: Option<String>,
    /// The session cookie's value (rotated at sign-in).
    pub old_session: Option<String>,
    /// Where the browser's request came from, for the sign-in's audit event (SPEC §13.2).
    pub origin: Origin,
}

/// A pending login taken from the store, with its provider and the opened secrets.
struct Taken {
    login: PendingLogin,
    provider: IdentityProvider,
    client_secret: Option<String>,
    /// The PKCE verifier.
    verifier: String,
}

/// Takes the pending login of `state` (single use) and checks it belongs to this browser,
/// has not expired, and that its provider is still enabled.
fn take(
    ctx: &Context,
    state: &str,
    browser: Option<&str>,
) -> ServiceResult<Result<Taken, Refusal>> {
    let now = ctx.now();
    let state_hash = sha256_b64url(state);
    ctx.store.write(|conn| {
        let Some(login) = idp_store::take_pending(conn, &state_hash)? else {
            return Ok(Err(Refusal::bad(
                "the sign-in is unknown, has expired or was already completed",
            )));
        };
        let same_browser = browser.is_some_and(|b| {
            crate::crypto::secrets::SecretHash::of(b).equals_stored(&login.browser_hash)
        });
        if !same_browser {
            return Ok(Err(Refusal::bad(
                "the sign-in was started in another browser",
            )));
        }
        if login.expires_at < now {
            return Ok(Err(Refusal::bad("the sign-in took too long; start again")));
        }
        let tenant = TenantId::from_stored(login.tenant_id.clone());
        let provider = match idp_store::get(conn, &tenant, &login.provider_id)? {
            Some(p) if p.enabled && !p.is_local() => p,
            _ => return Ok(Err(Refusal::bad("this identity provider is not enabled"))),
        };
        let client_secret = match &provider.client_secret_sealed {
            Some(sealed) => Some(open_text(
                ctx,
                &IdentityProvider::secret_purpose(&provider.id),
                sealed,
            )?),
            None => None,
        };
        let verifier = open_text(
            ctx,
            &format!("federation-pkce:{}", login.state_hash),
            &login.pkce_verifier_sealed,
        )?;
        Ok(Ok(Taken {
            login,
            provider,
            client_secret,
            verifier,
        }))
    })
}

/// Opens a value sealed with the master key; one that does not open is corrupt data.
pub(crate) fn open_text(ctx: &Context, purpose: &str, sealed: &str) -> ServiceResult<String> {
    ctx.master
        .open(purpose, sealed)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            ServiceError::Internal(format!("a value sealed for {purpose} does not open"))
        })
}

/// `GET /identity/federation/callback`: the upstream's answer. The pending login is consumed
/// first, so a replayed callback finds nothing.
pub async fn callback(ctx: &Context, cb: Callback) -> ServiceResult<Federated> {
    let Some(state) = cb.state.clone().filter(|s| !s.is_empty()) else {
        return Ok(Federated::Refused(Refusal::bad("the answer has no state")));
    };
    let browser = cb.browser.clone();
    let taken = unit(ctx, move |ctx| take(ctx, &state, browser.as_deref())).await?;
    let taken = match taken {
        Ok(t) => t,
        Err(refusal) => return Ok(Federated::Refused(refusal)),
    };
    // From here the sign-in is for a tenant's provider: every end of it is counted and audited.
    let (provider_id, tenant) = (taken.provider.id.clone(), taken.provider.tenant_id.clone());
    let origin = cb.origin.clone();
    let outcome = finish_callback(ctx, taken, cb).await;
    if matches!(outcome, Ok(Federated::Redirect { .. })) {
        ctx.metrics.sign_in(&provider_id, SignInOutcome::Success);
        return outcome;
    }
    // An error (e.g. an unusable invitation) is a failed sign-in too.
    ctx.metrics.sign_in(&provider_id, SignInOutcome::Failure);
    let failed = AuditEvent::security(
        &tenant,
        crate::domain::audit::ANONYMOUS_ACTOR,
        AuditAction::SigninFailed,
        Outcome::Failure,
        &origin,
        ctx.now(),
    );
    let recorded = unit(ctx, move |ctx| {
        Ok(ctx
            .store
            .write(|conn| crate::store::audit::record(conn, &failed))?)
    })
    .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "recording a failed federated sign-in");
    }
    outcome
}

/// The callback once its pending login is taken: the upstream's answer, the ID token, the user.
async fn finish_callback(ctx: &Context, taken: Taken, cb: Callback) -> ServiceResult<Federated> {
    if let Some(error) = &cb.error {
        let why = match &cb.error_description {
            Some(d) => format!("the identity provider answered {error}: {d}"),
            None => format!("the identity provider answered {error}"),
        };
        return Ok(Federated::Refused(Refusal::new(
            403,
            format!("The identity provider did not sign you in ({error})."),
            ErrorCode::AccessDenied,
            &why,
        )));
    }
    let Some(code) = cb.code.filter(|c| !c.is_empty()) else {
        return Ok(Federated::Refused(Refusal::bad("the answer has no code")));
    };
    let identity = match verify::identify(ctx, &taken, code).await {
        Ok(i) => i,
        Err(refusal) => return Ok(Federated::Refused(refusal)),
    };
    let (old, origin) = (cb.old_session, cb.origin);
    unit(ctx, move |ctx| {
        sign_in(ctx, &taken, &identity, old.as_deref(), &origin)
    })
    .await
}

/// Maps the identity to a user and starts the session; then back to the authorization endpoint.
fn sign_in(
    ctx: &Context,
    taken: &Taken,
    identity: &UpstreamIdentity,
    old_session: Option<&str>,
    origin: &Origin,
) -> ServiceResult<Federated> {
    let now = ctx.now();
    let provider = &taken.provider;
    ctx.store.write(|conn| {
        let invitation = taken.login.invitation.as_deref();
        let user = match mapping::map_account(conn, provider, identity, invitation, now)? {
            Ok(u) => u,
            Err(refusal) => return Ok(Federated::Refused(refusal)),
        };
        let (session, cookie) = super::sessions::start_session(
            ctx,
            conn,
            old_session,
            &provider.tenant_id,
            &user,
            now,
        )?;
        idp_store::set_session_origin(conn, &session.id_hash, &provider.id, &identity.amr)?;
        let event = AuditEvent::security(
            &provider.tenant_id,
            user.as_str(),
            AuditAction::SigninSucceeded,
            Outcome::Success,
            origin,
            now,
        )
        .on(user.as_str());
        crate::store::audit::record(conn, &event)?;
        // An invitation accepted from its link has no authorization request to go back to.
        if taken.login.request.is_empty() {
            return Ok(Federated::Redirect {
                location: format!("{}/portal", ctx.config.public_url),
                cookie,
            });
        }
        let params = FormParams::parse(taken.login.request.as_bytes())?;
        Ok(Federated::Redirect {
            location: format!(
                "{}/connect/authorize?{}",
                ctx.config.issuer(),
                super::signin::carried_after_login(&params)
            ),
            cookie,
        })
    })
}
