//! Talking to upstream OpenID Providers (SPEC §12): discovery, JWKS, the code exchange and
//! userinfo, over one async HTTP client with short timeouts and a response size limit, so an
//! upstream that is down or slow costs a sign-in a few seconds and never a worker thread.
//! Discovery documents (with their JWKS) are cached per Authority for a few minutes; the JWKS is
//! refetched once when an ID token names a key it does not hold. The wire types and the ID-token
//! verification are the `openidconnect` crate's.

use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::http::{Request, Response};
use openidconnect::{ClientId, ClientSecret, JsonWebKeySetUrl, RedirectUrl};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connecting to an upstream gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A whole upstream exchange gives up after this long.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Upstream answers larger than this are refused (discovery, JWKS, tokens and userinfo are small).
pub const RESPONSE_LIMIT: usize = 256 * 1024;
/// How long a discovery document (and its JWKS) is reused.
const CACHE_TTL: Duration = Duration::from_secs(300);

/// Why an upstream could not be used; the text is shown to people, so it says what happened.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("the identity provider at {0} could not be reached ({1})")]
    Unreachable(String, String),
    #[error("{0}")]
    Invalid(String),
}

/// The HTTP client and the discovery cache, shared by every request (in the service `Context`).
pub struct Upstreams {
    http: reqwest::Client,
    cache: Mutex<HashMap<String, (Instant, Arc<CoreProviderMetadata>)>>,
}

/// The transport error of one HTTP exchange (what `openidconnect` needs of it).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

impl Upstreams {
    /// A client with the timeouts above, no redirects followed (an upstream that moves its
    /// endpoints says so in discovery) and no pooled connections: outbound calls are rare, and
    /// a pool would tie connections to the runtime of the worker that opened them.
    pub fn new() -> Result<Upstreams, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .user_agent("Portcullis")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Upstreams {
            http,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// One HTTP exchange for `openidconnect`, with the size limit.
    pub async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, HttpError> {
        let request = reqwest::Request::try_from(request).map_err(|e| HttpError(e.to_string()))?;
        let mut response = self
            .http
            .execute(request)
            .await
            .map_err(|e| HttpError(describe(&e)))?;
        let mut builder = Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| HttpError(describe(&e)))?
        {
            if body.len() + chunk.len() > RESPONSE_LIMIT {
                return Err(HttpError(format!(
                    "the answer is larger than {RESPONSE_LIMIT} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        builder.body(body).map_err(|e| HttpError(e.to_string()))
    }

    /// A GET of JSON; `bearer` adds `Authorization: Bearer`.
    pub async fn get_json(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<serde_json::Value, UpstreamError> {
        let mut request = Request::builder()
            .method("GET")
            .uri(url)
            .header("Accept", "application/json");
        if let Some(token) = bearer {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let request = request
            .body(Vec::new())
            .map_err(|e| UpstreamError::Invalid(format!("bad upstream URL {url}: {e}")))?;
        let response = self
            .send(request)
            .await
            .map_err(|e| UpstreamError::Unreachable(url.to_owned(), e.0))?;
        if !response.status().is_success() {
            return Err(UpstreamError::Invalid(format!(
                "{url} answered HTTP {}",
                response.status().as_u16()
            )));
        }
        serde_json::from_slice(response.body())
            .map_err(|e| UpstreamError::Invalid(format!("{url} did not answer JSON: {e}")))
    }

    /// Fetches and checks the discovery document of `authority` and its JWKS (SPEC §12.1): the
    /// `issuer` must equal the Authority, and the authorization, token and JWKS endpoints must
    /// be there.
    pub async fn discover(&self, authority: &str) -> Result<CoreProviderMetadata, UpstreamError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            authority.trim_end_matches('/')
        );
        let doc = self.get_json(&url, None).await?;
        let issuer = doc.get("issuer").and_then(|v| v.as_str()).unwrap_or("");
        if issuer != authority {
            return Err(UpstreamError::Invalid(format!(
                "The discovery document's issuer '{issuer}' differs from the Authority '{authority}'."
            )));
        }
        let missing: Vec<&str> = ["authorization_endpoint", "token_endpoint", "jwks_uri"]
            .into_iter()
            .filter(|k| doc.get(*k).and_then(|v| v.as_str()).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(UpstreamError::Invalid(format!(
                "The discovery document has no {}.",
                missing.join(", ")
            )));
        }
        let metadata: CoreProviderMetadata = serde_json::from_value(doc).map_err(|e| {
            UpstreamError::Invalid(format!("The discovery document is not valid: {e}."))
        })?;
        self.with_jwks(metadata).await
    }

    async fn with_jwks(
        &self,
        metadata: CoreProviderMetadata,
    ) -> Result<CoreProviderMetadata, UpstreamError> {
        let url: &JsonWebKeySetUrl = metadata.jwks_uri();
        let jwks = self.get_json(url.as_str(), None).await?;
        let jwks = serde_json::from_value(jwks).map_err(|e| {
            UpstreamError::Invalid(format!("The JWKS at {} is not valid: {e}.", url.as_str()))
        })?;
        Ok(metadata.set_jwks(jwks))
    }

    /// The discovery document of `authority` (with JWKS), from the cache when fresh.
    pub async fn metadata(
        &self,
        authority: &str,
    ) -> Result<Arc<CoreProviderMetadata>, UpstreamError> {
        if let Some(found) = self.cached(authority) {
            return Ok(found);
        }
        let fresh = Arc::new(self.discover(authority).await?);
        self.remember(authority, fresh.clone());
        Ok(fresh)
    }

    /// The same document with its JWKS fetched again (an ID token named an unknown key).
    pub async fn refetch_jwks(
        &self,
        authority: &str,
        metadata: &CoreProviderMetadata,
    ) -> Result<Arc<CoreProviderMetadata>, UpstreamError> {
        let fresh = Arc::new(self.with_jwks(metadata.clone()).await?);
        self.remember(authority, fresh.clone());
        Ok(fresh)
    }

    fn cached(&self, authority: &str) -> Option<Arc<CoreProviderMetadata>> {
        // A poisoned cache only lost an insert; the map is still usable.
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .get(authority)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, m)| m.clone())
    }

    fn remember(&self, authority: &str, metadata: Arc<CoreProviderMetadata>) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(authority.to_owned(), (Instant::now(), metadata));
    }

    /// Forgets a cached document (the provider was changed or deleted).
    pub fn forget(&self, authority: &str) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.remove(authority);
    }
}

/// A reqwest error in words, without the URL's query (which may carry a code).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection refused or failed".to_owned()
    } else {
        // Without the URL: its query may carry a code.
        let mut text = e.to_string();
        if let Some(url) = e.url() {
            text = text.replace(url.as_str(), "the upstream");
        }
        text
    }
}

/// The relying-party client for an upstream: its metadata, our client id and secret, and our
/// redirect URI. `client_secret_basic` unless the upstream offers only `client_secret_post`.
pub fn rp_client(
    metadata: &CoreProviderMetadata,
    client_id: &str,
    secret: Option<String>,
    redirect_uri: &str,
) -> Result<
    openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    UpstreamError,
> {
    use openidconnect::core::CoreClientAuthMethod;
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|e| UpstreamError::Invalid(format!("bad redirect URI: {e}")))?;
    let client = CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(client_id.to_owned()),
        secret.map(ClientSecret::new),
    )
    .set_redirect_uri(redirect);
    let post_only = metadata
        .token_endpoint_auth_methods_supported()
        .is_some_and(|m| {
            m.contains(&CoreClientAuthMethod::ClientSecretPost)
                && !m.contains(&CoreClientAuthMethod::ClientSecretBasic)
        });
    Ok(if post_only {
        client.set_auth_type(openidconnect::AuthType::RequestBody)
    } else {
        client
    })
}
