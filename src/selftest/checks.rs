//! The checks of `portcullis selftest`, each a function from what was fetched to a verdict.

use super::http::{self as web, Fetched};
use super::{Check, Credentials, Options};
use crate::clock::{Clock, UnixTime};
use crate::crypto::jwt::Verifier;
use crate::crypto::keys::{PublicJwk, SigningAlg};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// The largest clock difference accepted: the `nbf` leeway verifiers give other nodes (30 s).
const MAX_SKEW: i64 = 30;

/// A public key of the JWKS: kid, algorithm, members.
type Jwk = (String, SigningAlg, PublicJwk);

/// The claims the self-test reads from its access token.
#[derive(Deserialize)]
struct Claims {
    tid: String,
    exp: i64,
}

/// Runs every check; `Err` only when the URL itself is unusable.
pub async fn all(options: &Options) -> Result<Vec<Check>, String> {
    let base = base_url(&options.url)?;
    let expected_issuer = format!("{base}/identity");
    let client = web::client()?;
    let get = |url: String| web::send(client.get(url));

    let discovery = get(format!(
        "{expected_issuer}/.well-known/openid-configuration"
    ))
    .await;
    let doc = discovery
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|f| f.json("discovery"));
    let rfc8414 = get(format!(
        "{expected_issuer}/.well-known/oauth-authorization-server"
    ))
    .await
    .and_then(|f| f.json("the RFC 8414 document"));
    let issuer = doc
        .as_ref()
        .ok()
        .and_then(|d| d["issuer"].as_str())
        .map(str::to_owned);

    let mut out = vec![
        Check::of("discovery", discovery_check(&doc)),
        Check::of("discovery-rfc8414", rfc8414_check(&doc, &rfc8414)),
        Check::of("issuer", issuer_check(issuer.as_deref(), &expected_issuer)),
        Check::of("tls", tls_check(&base, &discovery)),
        Check::of("clock", clock_check(&discovery)),
        Check::of("readyz", readyz_check(get(format!("{base}/readyz")).await)),
        Check::of(
            "cookies",
            cookies_check(&base, get(login_page(&base, &expected_issuer)).await),
        ),
    ];

    // The endpoints a relying party would use: discovery's, unless it names another issuer (then
    // the conventional paths below this URL, so the remaining checks still say something).
    let trusted = issuer.as_deref() == Some(expected_issuer.as_str());
    let endpoint = |name: &str, path: &str| {
        doc.as_ref()
            .ok()
            .filter(|_| trusted)
            .and_then(|d| d[name].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{expected_issuer}{path}"))
    };
    let jwks = get(endpoint(
        "jwks_uri",
        "/.well-known/openid-configuration/jwks",
    ))
    .await
    .and_then(|f| f.json("the JWKS"))
    .and_then(|v| parse_jwks(&v));
    let token = match &options.client {
        Some(credentials) => {
            let url = endpoint("token_endpoint", "/connect/token");
            Some(request_token(&client, &url, credentials).await)
        }
        None => None,
    };
    let token_kid = token
        .as_ref()
        .and_then(|t| t.as_ref().ok())
        .map(|(token, _)| kid_of(token));
    out.push(Check::of("jwks", jwks_check(&jwks, &doc, token_kid)));
    if let Some(token) = token {
        let issuer = issuer.unwrap_or(expected_issuer);
        out.extend(token_checks(&client, &base, &issuer, token, &jwks).await);
    }
    Ok(out)
}

/// `token` (the issued token verifies against the JWKS) and `api` (the management API answers it).
async fn token_checks(
    client: &reqwest::Client,
    base: &str,
    issuer: &str,
    token: Result<(String, String), String>,
    jwks: &Result<Vec<Jwk>, String>,
) -> [Check; 2] {
    let verified = token.and_then(|(token, scope)| {
        verify(&token, &scope, jwks, issuer).map(|claims| (token, claims))
    });
    let token_check = Check::of(
        "token",
        verified
            .as_ref()
            .map(|(_, (detail, _))| detail.clone())
            .map_err(Clone::clone),
    );
    let api = match verified {
        Ok((token, (_, claims))) => api_check(client, base, &token, &claims.tid).await,
        Err(_) => Err("no verified token to call it with".to_owned()),
    };
    [token_check, Check::of("api", api)]
}

/// The URL as given, without a trailing slash; only http(s) with a host.
fn base_url(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw).map_err(|e| format!("--url '{raw}' is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("--url '{raw}' must be an http or https URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("--url '{raw}' must have no query or fragment"));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// The portal's sign-in page, which sets the browser-id cookie of its form.
fn login_page(base: &str, issuer: &str) -> String {
    let path = Url::parse(base)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let back: String =
        url::form_urlencoded::byte_serialize(format!("{path}/portal").as_bytes()).collect();
    format!("{issuer}/account/login?return_url={back}")
}

fn discovery_check(doc: &Result<Value, String>) -> Result<String, String> {
    let doc = doc.as_ref().map_err(Clone::clone)?;
    let missing: Vec<&str> = [
        "issuer",
        "jwks_uri",
        "token_endpoint",
        "authorization_endpoint",
    ]
    .into_iter()
    .filter(|k| !doc[*k].is_string())
    .collect();
    if !missing.is_empty() {
        return Err(format!("the document lacks {}", missing.join(", ")));
    }
    Ok(format!(
        "issuer {}",
        doc["issuer"].as_str().unwrap_or_default()
    ))
}

fn rfc8414_check(
    doc: &Result<Value, String>,
    rfc: &Result<Value, String>,
) -> Result<String, String> {
    let rfc = rfc.as_ref().map_err(Clone::clone)?;
    let issuer = rfc["issuer"].as_str().ok_or("the document has no issuer")?;
    match doc {
        Ok(d) if d["issuer"].as_str() != Some(issuer) => Err(format!(
            "issuer {issuer} differs from the OpenID document's {}",
            d["issuer"]
        )),
        _ => Ok(format!("issuer {issuer}")),
    }
}

fn issuer_check(issuer: Option<&str>, expected: &str) -> Result<String, String> {
    match issuer {
        Some(i) if i == expected => Ok(i.to_owned()),
        Some(i) => Err(format!(
            "discovery names {i}, but this URL's issuer is {expected}: set the public URL (PORTCULLIS_PUBLIC_URL) to the URL clients use"
        )),
        None => Err("no discovery document to read it from".to_owned()),
    }
}

fn tls_check(base: &str, discovery: &Result<Fetched, String>) -> Result<String, String> {
    let url = Url::parse(base).map_err(|e| e.to_string())?;
    match (
        url.scheme(),
        crate::domain::identity_provider::is_loopback(&url),
    ) {
        ("https", _) => match discovery {
            Ok(_) => Ok("https; the certificate verifies against the Mozilla roots".to_owned()),
            Err(e) => Err(format!("https, but the connection failed: {e}")),
        },
        (_, true) => Ok("loopback URL; TLS not required".to_owned()),
        _ => Err(format!(
            "plain http on a non-loopback host ({}): serve it over https (SPEC §8)",
            url.host_str().unwrap_or_default()
        )),
    }
}

fn clock_check(discovery: &Result<Fetched, String>) -> Result<String, String> {
    let fetched = discovery.as_ref().map_err(Clone::clone)?;
    let date = fetched
        .headers
        .get("date")
        .and_then(|v| v.to_str().ok())
        .ok_or("the server sent no Date header")?;
    let server = chrono::DateTime::parse_from_rfc2822(date)
        .map_err(|e| format!("Date '{date}' is not an HTTP date: {e}"))?
        .timestamp();
    let skew = server - Clock::System.now();
    if skew.abs() > MAX_SKEW {
        Err(format!(
            "the server's clock is {skew} s off ours (at most {MAX_SKEW} s): tokens will look expired or not yet valid"
        ))
    } else {
        Ok(format!("{skew} s off ours (Date: {date})"))
    }
}

fn readyz_check(fetched: Result<Fetched, String>) -> Result<String, String> {
    let f = fetched?;
    if f.status == 200 {
        Ok(format!("200 {}", f.text.trim()))
    } else {
        Err(format!("{} {}", f.status, f.text.trim()))
    }
}

/// The login page's cookies are fit for the public URL: `Secure` on https, `SameSite=None` only on
/// https (a browser drops such a cookie without `Secure`).
fn cookies_check(base: &str, page: Result<Fetched, String>) -> Result<String, String> {
    let https = base.starts_with("https://");
    let page = page?;
    let cookies = page.all("set-cookie");
    if cookies.is_empty() {
        return Err(format!("the login page ({}) set no cookie", page.status));
    }
    let mut seen = Vec::new();
    for cookie in &cookies {
        let mut parts = cookie.split(';').map(str::trim);
        let name = parts
            .next()
            .unwrap_or_default()
            .split('=')
            .next()
            .unwrap_or_default();
        let attrs: Vec<String> = parts.map(|a| a.to_ascii_lowercase()).collect();
        let secure = attrs.iter().any(|a| a == "secure");
        let same_site_none = attrs.iter().any(|a| a.replace(' ', "") == "samesite=none");
        if https && !secure {
            return Err(format!("{name} lacks Secure on an https URL"));
        }
        if same_site_none && !https {
            return Err(format!(
                "{name} is SameSite=None on a plain http URL: browsers refuse it (use lax)"
            ));
        }
        seen.push(format!("{name} ({})", attrs.join("; ")));
    }
    Ok(seen.join(", "))
}

fn parse_jwks(v: &Value) -> Result<Vec<Jwk>, String> {
    let keys = v["keys"].as_array().ok_or("the JWKS has no keys array")?;
    keys.iter()
        .map(|k| {
            let s = |m: &str| {
                k[m].as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("a key lacks {m}: {k}"))
            };
            let kid = s("kid")?;
            let alg: SigningAlg = s("alg")?.parse()?;
            let jwk = match (s("kty")?.as_str(), k["crv"].as_str()) {
                ("RSA", _) => PublicJwk::Rsa {
                    n: s("n")?,
                    e: s("e")?,
                },
                ("EC", Some("P-256")) => PublicJwk::Ec {
                    x: s("x")?,
                    y: s("y")?,
                },
                ("OKP", Some("Ed25519")) => PublicJwk::Okp { x: s("x")? },
                (kty, crv) => {
                    return Err(format!("key {kid}: unsupported kty {kty} / crv {crv:?}"))
                }
            };
            Ok((kid, alg, jwk))
        })
        .collect()
}

/// The JWKS parses (every key builds a verifier) and holds the key that signs: the kid of a token
/// just issued or, without one, a key for every algorithm discovery advertises for ID tokens.
fn jwks_check(
    jwks: &Result<Vec<Jwk>, String>,
    doc: &Result<Value, String>,
    token_kid: Option<Result<String, String>>,
) -> Result<String, String> {
    let keys = jwks.as_ref().map_err(Clone::clone)?;
    Verifier::from_public_keys(keys.iter().cloned()).map_err(|e| e.to_string())?;
    let kids: Vec<&str> = keys.iter().map(|(kid, ..)| kid.as_str()).collect();
    let plural = if keys.len() == 1 { "" } else { "s" };
    let summary = format!("{} key{plural} ({})", keys.len(), kids.join(", "));
    match token_kid {
        Some(Ok(kid)) if kids.contains(&kid.as_str()) => {
            Ok(format!("{summary}; holds {kid}, the kid that signs"))
        }
        Some(Ok(kid)) => Err(format!("{summary}; the signing kid {kid} is not published")),
        Some(Err(e)) => Err(format!("{summary}; cannot read the kid of the token: {e}")),
        None => {
            let advertised = doc.as_ref().ok().and_then(|d| {
                d["id_token_signing_alg_values_supported"]
                    .as_array()
                    .cloned()
            });
            let missing: Vec<String> = advertised
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .filter(|alg| !keys.iter().any(|(_, a, _)| a.as_str() == *alg))
                .map(str::to_owned)
                .collect();
            if keys.is_empty() || !missing.is_empty() {
                Err(format!("{summary}; no key for {}", missing.join(", ")))
            } else {
                Ok(summary)
            }
        }
    }
}

/// A client_credentials token (RFC 6749 §4.4) and the scope granted, or the refusal.
async fn request_token(
    client: &reqwest::Client,
    url: &str,
    credentials: &Credentials,
) -> Result<(String, String), String> {
    // RFC 6749 §2.3.1: id and secret are form-encoded inside the Basic credentials.
    let encode = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let request = client
        .post(url)
        .basic_auth(
            encode(&credentials.client_id),
            Some(encode(&credentials.client_secret)),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials");
    let f = web::send(request).await?;
    let body: Value = serde_json::from_str(&f.text).unwrap_or(Value::Null);
    if f.status != 200 {
        return Err(format!(
            "the token endpoint answered {} {} ({})",
            f.status,
            body["error"].as_str().unwrap_or("without an OAuth error"),
            body["error_description"].as_str().unwrap_or_default()
        ));
    }
    let token = body["access_token"]
        .as_str()
        .ok_or("the token response has no access_token")?;
    let scope = body["scope"].as_str().unwrap_or_default();
    Ok((token.to_owned(), scope.to_owned()))
}

/// The `kid` of a JWS's header.
fn kid_of(token: &str) -> Result<String, String> {
    let header = token.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| "the access token is not a JWT".to_owned())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    v["kid"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "the access token's header has no kid".to_owned())
}

/// Verifies the token with the crate's own verifier over the JWKS: signature by a published key of
/// the header's algorithm, `typ` at+jwt, `iss`, `aud` (the API scope granted), `exp`.
fn verify(
    token: &str,
    scope: &str,
    jwks: &Result<Vec<Jwk>, String>,
    issuer: &str,
) -> Result<(String, Claims), String> {
    let keys = jwks
        .as_ref()
        .map_err(|e| format!("a token was issued, but the JWKS is unusable: {e}"))?;
    let verifier = Verifier::from_public_keys(keys.iter().cloned()).map_err(|e| e.to_string())?;
    let now: UnixTime = Clock::System.now();
    // The API scope is the token's audience (SPEC §3.1); a client_credentials grant holds only it.
    let audience = scope.split(' ').next().unwrap_or_default();
    let claims: Claims = verifier
        .verify(token, Some("at+jwt"), issuer, audience, now)
        .map_err(|e| format!("the token does not verify against the JWKS: {e}"))?;
    let kid = kid_of(token)?;
    Ok((
        format!(
            "client_credentials token verifies (kid {kid}, aud {audience}, expires in {} s)",
            claims.exp - now
        ),
        claims,
    ))
}

/// The management API answers the token: `GET /api/v1/Tenants/{tid}`.
async fn api_check(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    tenant: &str,
) -> Result<String, String> {
    let path = format!("/api/v1/Tenants/{tenant}");
    let f = web::send(client.get(format!("{base}{path}")).bearer_auth(token)).await?;
    let body: Value = serde_json::from_str(&f.text).unwrap_or(Value::Null);
    let same = body["Id"]
        .as_str()
        .is_some_and(|id| id.eq_ignore_ascii_case(tenant));
    if f.status == 200 && same {
        Ok(format!(
            "GET {path} answered 200 ({})",
            body["CompanyName"].as_str().unwrap_or_default()
        ))
    } else {
        Err(format!(
            "GET {path} answered {}: {}",
            f.status,
            body["Reason"].as_str().unwrap_or(&f.text)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn page(cookies: &[&str]) -> Result<Fetched, String> {
        let mut headers = HeaderMap::new();
        for c in cookies {
            headers.append(
                "set-cookie",
                HeaderValue::from_str(c).map_err(|e| e.to_string())?,
            );
        }
        Ok(Fetched {
            status: 200,
            headers,
            text: String::new(),
        })
    }

    #[test]
    fn cookies_must_be_secure_on_https_and_same_site_none_only_there() {
        let strict = "__Host-portcullis.csrf=x; HttpOnly; SameSite=Strict; Secure; Path=/";
        assert!(cookies_check("https://id.example", page(&[strict])).is_ok());
        let plain = "portcullis.csrf=x; HttpOnly; SameSite=Strict; Path=/identity";
        assert!(cookies_check("http://127.0.0.1:8080", page(&[plain])).is_ok());
        let e = cookies_check("https://id.example", page(&[plain])).unwrap_err();
        assert!(e.contains("lacks Secure"), "{e}");
        let none = "portcullis.session=x; HttpOnly; SameSite=None; Secure";
        let e = cookies_check("http://127.0.0.1:8080", page(&[plain, none])).unwrap_err();
        assert!(e.contains("SameSite=None"), "{e}");
        assert!(cookies_check("https://id.example", page(&[none])).is_ok());
        assert!(cookies_check("https://id.example", page(&[])).is_err());
    }

    #[test]
    fn plain_http_passes_only_on_loopback() {
        let reached = page(&[]);
        assert!(tls_check("http://127.0.0.1:8080", &reached).is_ok());
        assert!(tls_check("http://localhost:8080", &reached).is_ok());
        assert!(tls_check("http://[::1]:8080", &reached).is_ok());
        assert!(tls_check("http://id.example", &reached).is_err());
        assert!(tls_check("http://10.0.0.5:8080", &reached).is_err());
        assert!(tls_check("https://id.example", &reached).is_ok());
        let refused: Result<Fetched, String> = Err("certificate expired".to_owned());
        assert!(tls_check("https://id.example", &refused).is_err());
    }

    #[test]
    fn the_url_must_be_http_or_https_without_query() {
        assert_eq!(
            base_url("https://id.example/").as_deref(),
            Ok("https://id.example")
        );
        assert!(base_url("ftp://id.example").is_err());
        assert!(base_url("id.example").is_err());
        assert!(base_url("https://id.example/?x=1").is_err());
    }
}
