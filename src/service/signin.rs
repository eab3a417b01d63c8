//! Signing users in: the authorization endpoint, the login page's POST and the consent page's
//! POST (SPEC §4.3, §4.4, §5, §8). Every step re-validates the whole authorization request, which
//! travels between the pages as its urlencoded parameters. The hybrid response types get their
//! ID token and access token in the authorization response itself (OIDC Core §3.3.2.5).

use super::credentials::{check_password, PasswordCheck};
use super::sessions::live_session;
use super::token::issue;
use super::{Context, ServiceError, ServiceResult};
use crate::clock::UnixTime;
use crate::crypto::secrets::{random_token, sha256_b64url};
use crate::domain::audit::{AuditAction, AuditEvent, Origin, Outcome};
use crate::domain::grant::CODE_LIFETIME;
use crate::domain::{AuthorizationCode, Client, ClientId, Scope, Session};
use crate::oauth::authorize::{
    check_client, check_request, decide, respond, respond_error, AuthorizationResponse,
    AuthorizeRequest, ClientFacts, Decision, SignIn,
};
use crate::oauth::form::FormParams;
use crate::oauth::{ErrorCode, OAuthError};
use crate::oidc::id_token::IdTokenGrant;
use crate::store::{self, DbConn};

/// What the pages show of a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageClient {
    pub name: String,
    pub client_uri: Option<String>,
    pub logo_uri: Option<String>,
}

/// What the authorization endpoint (or a page POST) answers.
#[derive(Debug)]
pub enum AuthorizeOutcome {
    /// A bad client or redirect URI: a 400 error page, never a redirect.
    ErrorPage(OAuthError),
    /// The authorization response (success or error) for the client.
    Respond(AuthorizationResponse),
    /// Show the login page; `request` is the urlencoded authorization request to carry along.
    Login {
        client: PageClient,
        login_hint: Option<String>,
        request: String,
        /// The password form and the upstream providers' buttons (SPEC §12.2).
        options: SignInOptions,
    },
    /// Show the consent page.
    Consent {
        client: PageClient,
        scope: Scope,
        request: String,
    },
}

/// The login POST's result.
#[derive(Debug)]
pub enum LoginOutcome {
    ErrorPage(OAuthError),
    /// Signed in: set this cookie value and go back to the authorization endpoint.
    SignedIn {
        cookie: String,
        redirect_to: String,
    },
    /// Show the login page again with this message (same words whatever went wrong).
    Retry {
        client: PageClient,
        username: String,
        request: String,
        message: String,
        /// Answer only after a pause: the account is under attack (SPEC §8).
        slow_down: bool,
        options: SignInOptions,
    },
}

pub use super::credentials::INVALID_LOGIN;
pub use super::federation::SignInOptions;

/// What the login page of `client` offers, for a request with these parameters.
fn options_for(
    conn: &mut DbConn,
    client: &Client,
    params: &FormParams,
) -> ServiceResult<SignInOptions> {
    super::federation::sign_in_options(conn, &client.tenant_id, params.get("acr_values"))
}

fn page_client(c: &Client) -> PageClient {
    PageClient {
        name: c.name.clone(),
        client_uri: c.client_uri.clone(),
        logo_uri: c.logo_uri.clone(),
    }
}

fn facts(c: &Client) -> ClientFacts {
    ClientFacts {
        kind: c.kind,
        tenant_id: c.tenant_id.as_str().to_owned(),
        enabled: c.enabled,
        redirect_uris: c.redirect_uris.clone(),
        allow_access_tokens_via_browser: c.allow_access_tokens_via_browser,
        allow_offline_access: c.allow_offline_access,
    }
}

/// Loads the client named by the request, any kind.
fn load_client(conn: &mut DbConn, params: &FormParams) -> ServiceResult<Option<Client>> {
    let Some(raw) = params.get("client_id") else {
        return Ok(None);
    };
    let Ok(id) = ClientId::parse(raw) else {
        return Ok(None);
    };
    store::clients::find_by_id(conn, &id).map_err(Into::into)
}

/// Stage 1 and 2 of validation: the client and request, or what to answer instead.
fn validate(
    ctx: &Context,
    conn: &mut DbConn,
    params: &FormParams,
) -> ServiceResult<Result<(Client, AuthorizeRequest), AuthorizeOutcome>> {
    let client = load_client(conn, params)?;
    let redirect_uri = match check_client(params, client.as_ref().map(facts).as_ref()) {
        Ok(r) => r,
        Err(e) => return Ok(Err(AuthorizeOutcome::ErrorPage(e))),
    };
    let Some(client) = client else {
        return Err(ServiceError::Internal("client vanished".to_owned()));
    };
    match check_request(params, &facts(&client), redirect_uri, &ctx.config.api_scope) {
        Ok(req) => Ok(Ok((client, req))),
        Err((reply, e)) => Ok(Err(AuthorizeOutcome::Respond(respond_error(
            &reply,
            &e,
            &ctx.config.issuer(),
        )))),
    }
}

/// The client of a valid authorization request (for the federation pages), or `None` when the
/// request is not valid any more.
pub(crate) fn validated_client(
    ctx: &Context,
    conn: &mut DbConn,
    params: &FormParams,
) -> ServiceResult<Option<Client>> {
    Ok(validate(ctx, conn, params)?.ok().map(|(client, _)| client))
}

/// The request to continue with after a sign-in (without `prompt=login`).
pub(crate) fn carried_after_login(params: &FormParams) -> String {
    carried(params, true)
}

/// The session, if it belongs to the client's tenant.
fn session_for(
    ctx: &Context,
    conn: &mut DbConn,
    cookie: Option<&str>,
    client: &Client,
    now: UnixTime,
) -> ServiceResult<Option<Session>> {
    Ok(live_session(ctx, conn, cookie, now)?.filter(|s| s.tenant_id == client.tenant_id))
}

/// Parameters of an authorization response, in order.
type ResponseParams = Vec<(String, String)>;

/// The tokens of the authorization response itself (`code token`, `code id_token`,
/// `code id_token token`; OIDC Core §3.3.2.5), as response parameters: `access_token`,
/// `token_type`, `expires_in` for `token`; `id_token` (with `c_hash`, `at_hash` when an access
/// token goes along, `s_hash` when `state` was sent) for `id_token`. Also returns the access
/// token's `jti` and `exp`, recorded on the code so that a replay revokes it.
fn front_channel_tokens(
    ctx: &Context,
    conn: &mut DbConn,
    client: &Client,
    req: &AuthorizeRequest,
    session: &Session,
    code: &str,
    now: UnixTime,
) -> ServiceResult<(ResponseParams, Option<(String, UnixTime)>)> {
    let Some(user) = store::users::get(conn, &client.tenant_id, &session.user_id)? else {
        return Err(OAuthError::new(ErrorCode::AccessDenied, "the user no longer exists").into());
    };
    let scope = &req.scope;
    let sign_in = super::token::SignIn {
        user: &user,
        sid: &session.sid,
        auth_time: session.auth_time,
    };
    let mut out = Vec::new();
    let access = if req.response_type.token {
        // Signed exactly like the token endpoint's access tokens.
        let access = issue::user_access_token(
            ctx,
            conn,
            (&client.tenant_id, &client.id, client.access_token_lifetime),
            scope,
            sign_in,
        )?;
        out.push(("access_token".to_owned(), access.token.clone()));
        out.push(("token_type".to_owned(), "Bearer".to_owned()));
        out.push(("expires_in".to_owned(), access.lifetime.to_string()));
        Some(access)
    } else {
        None
    };
    if req.response_type.id_token {
        let issuer = ctx.config.issuer();
        let amr = match &access {
            Some(a) => a.amr.clone(),
            None => issue::upstream_amr(conn, sign_in)?,
        };
        let id_token = issue::id_token(
            ctx,
            &IdTokenGrant {
                issuer: &issuer,
                client_id: client.id.as_str(),
                tenant_id: client.tenant_id.as_str(),
                user: &user,
                scope,
                sid: &session.sid,
                auth_time: session.auth_time,
                nonce: req.nonce.as_deref(),
                iat: now,
                exp: now + client.access_token_lifetime,
                access_token: access.as_ref().map(|a| a.token.as_str()),
                code: Some(code),
                state: req.reply.state.as_deref(),
                amr: amr.as_deref(),
            },
        )?;
        out.push(("id_token".to_owned(), id_token));
    }
    Ok((out, access.map(|a| (a.jti, a.exp))))
}

/// Creates the code (and, for the hybrid response types, the front-channel tokens) and the
/// success response.
fn issue(
    ctx: &Context,
    conn: &mut DbConn,
    client: &Client,
    req: &AuthorizeRequest,
    session: &Session,
    now: UnixTime,
) -> ServiceResult<AuthorizationResponse> {
    let code = random_token(32)?;
    let (mut params, front_channel) = if req.response_type.returns_token() {
        front_channel_tokens(ctx, conn, client, req, session, &code, now)?
    } else {
        (Vec::new(), None)
    };
    let (front_channel_jti, front_channel_exp) = front_channel.unzip();
    store::grants::insert_code(
        conn,
        &AuthorizationCode {
            code_hash: sha256_b64url(&code),
            client_id: client.id.clone(),
            user_id: session.user_id.clone(),
            redirect_uri: req.reply.redirect_uri.clone(),
            scope: req.scope.clone(),
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            sid: session.sid.clone(),
            auth_time: session.auth_time,
            expires_at: now + CODE_LIFETIME,
            redeemed_at: None,
            access_token_jti: None,
            access_token_exp: None,
            front_channel_jti,
            front_channel_exp,
            refresh_family_id: None,
        },
    )?;
    store::grants::touch_session(conn, &session.id_hash, now)?;
    params.insert(0, ("code".to_owned(), code));
    Ok(respond(&req.reply, params, &ctx.config.issuer()))
}

/// The request as carried between pages: the original parameters, minus `prompt=login` once the
/// user has just signed in (otherwise the login would repeat forever).
fn carried(params: &FormParams, drop_login_prompt: bool) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter() {
        if drop_login_prompt && k == "prompt" {
            let rest: Vec<&str> = v
                .split(' ')
                .filter(|p| *p != "login" && !p.is_empty())
                .collect();
            if !rest.is_empty() {
                out.append_pair(k, &rest.join(" "));
            }
            continue;
        }
        out.append_pair(k, v);
    }
    out.finish()
}

/// `GET/POST /identity/connect/authorize`.
pub fn authorize(
    ctx: &Context,
    raw: &[u8],
    cookie: Option<&str>,
) -> ServiceResult<AuthorizeOutcome> {
    let params = match FormParams::parse(raw) {
        Ok(p) => p,
        Err(e) => return Ok(AuthorizeOutcome::ErrorPage(e)),
    };
    let now = ctx.now();
    ctx.store.write(|conn| {
        let (client, req) = match validate(ctx, conn, &params)? {
            Ok(v) => v,
            Err(outcome) => return Ok(outcome),
        };
        let session = session_for(ctx, conn, cookie, &client, now)?;
        let consent = match &session {
            Some(s) => store::grants::get_consent(conn, &s.user_id, &client.id)?,
            None => None,
        };
        let sign_in = session.as_ref().map(|s| SignIn {
            auth_time: s.auth_time,
        });
        match (
            decide(&req, sign_in.as_ref(), consent.as_ref(), now),
            session,
        ) {
            (Decision::Issue, Some(s)) => Ok(AuthorizeOutcome::Respond(issue(
                ctx, conn, &client, &req, &s, now,
            )?)),
            (Decision::Refuse(e), _) => Ok(AuthorizeOutcome::Respond(respond_error(
                &req.reply,
                &e,
                &ctx.config.issuer(),
            ))),
            (Decision::NeedConsent, Some(_)) => Ok(AuthorizeOutcome::Consent {
                client: page_client(&client),
                scope: req.scope.clone(),
                request: carried(&params, false),
            }),
            _ => Ok(AuthorizeOutcome::Login {
                client: page_client(&client),
                login_hint: req.login_hint.clone(),
                request: carried(&params, false),
                options: options_for(conn, &client, &params)?,
            }),
        }
    })
}

/// `POST /identity/account/login`.
pub fn login(
    ctx: &Context,
    request: &str,
    username: &str,
    password: &str,
    origin: &Origin,
    old_cookie: Option<&str>,
) -> ServiceResult<LoginOutcome> {
    let params = match FormParams::parse(request.as_bytes()) {
        Ok(p) => p,
        Err(e) => return Ok(LoginOutcome::ErrorPage(e)),
    };
    // The request checked again and the sign-in options, on one connection.
    let checked = ctx.store.read(|conn| -> ServiceResult<_> {
        Ok(match validate(ctx, conn, &params)? {
            Ok((client, _req)) => {
                let options = options_for(conn, &client, &params)?;
                Ok((client, options))
            }
            Err(outcome) => Err(outcome),
        })
    })?;
    let (client, options) = match checked {
        Ok(v) => v,
        Err(AuthorizeOutcome::ErrorPage(e)) => return Ok(LoginOutcome::ErrorPage(e)),
        Err(_) => {
            return Ok(LoginOutcome::ErrorPage(OAuthError::invalid_request(
                "the sign-in request is not valid any more; start again from the application",
            )))
        }
    };
    if !options.password {
        // SPEC §12.1: the Local provider is disabled, so is password sign-in.
        return Ok(LoginOutcome::ErrorPage(OAuthError::new(
            ErrorCode::AccessDenied,
            "password sign-in is turned off for this tenant",
        )));
    }
    let retry = |message: String, slow_down: bool| LoginOutcome::Retry {
        client: page_client(&client),
        username: username.to_owned(),
        request: request.to_owned(),
        message,
        slow_down,
        options: options.clone(),
    };
    match check_password(
        ctx,
        &client.tenant_id,
        username,
        password,
        origin,
        old_cookie,
    )? {
        PasswordCheck::SignedIn { cookie } => Ok(LoginOutcome::SignedIn {
            cookie,
            redirect_to: format!(
                "{}/connect/authorize?{}",
                ctx.config.issuer(),
                carried(&params, true)
            ),
        }),
        PasswordCheck::Refused { message, slow_down } => Ok(retry(message, slow_down)),
    }
}

/// `POST /identity/account/consent`: Allow issues the response (remembering the decision when
/// asked), Deny answers `access_denied`.
pub fn consent(
    ctx: &Context,
    request: &str,
    allow: bool,
    remember: bool,
    cookie: Option<&str>,
    origin: &Origin,
) -> ServiceResult<AuthorizeOutcome> {
    let params = match FormParams::parse(request.as_bytes()) {
        Ok(p) => p,
        Err(e) => return Ok(AuthorizeOutcome::ErrorPage(e)),
    };
    let now = ctx.now();
    ctx.store.write(|conn| {
        let (client, req) = match validate(ctx, conn, &params)? {
            Ok(v) => v,
            Err(outcome) => return Ok(outcome),
        };
        let Some(session) = session_for(ctx, conn, cookie, &client, now)? else {
            return Ok(AuthorizeOutcome::Login {
                client: page_client(&client),
                login_hint: req.login_hint.clone(),
                request: request.to_owned(),
                options: options_for(conn, &client, &params)?,
            });
        };
        store::audit::record(conn, &consent_event(&session, &client, allow, origin, now))?;
        if !allow {
            let e = OAuthError::new(ErrorCode::AccessDenied, "the user denied the request");
            return Ok(AuthorizeOutcome::Respond(respond_error(
                &req.reply,
                &e,
                &ctx.config.issuer(),
            )));
        }
        if remember {
            store::grants::put_consent(conn, &session.user_id, &client.id, &req.scope, now)?;
        }
        Ok(AuthorizeOutcome::Respond(issue(
            ctx, conn, &client, &req, &session, now,
        )?))
    })
}

/// The event of a decision on the consent page: the user allowed (or denied) the client.
fn consent_event(
    session: &Session,
    client: &Client,
    allow: bool,
    origin: &Origin,
    now: UnixTime,
) -> AuditEvent {
    let (action, outcome) = match allow {
        true => (AuditAction::ConsentGiven, Outcome::Success),
        false => (AuditAction::ConsentDenied, Outcome::Failure),
    };
    let user = session.user_id.as_str();
    AuditEvent::security(&session.tenant_id, user, action, outcome, origin, now)
        .on(client.id.as_str())
}
