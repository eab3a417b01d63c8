//! Client authentication at the token, revocation and introspection endpoints (SPEC §4.1,
//! RFC 6749 §2.3.1): `client_secret_basic`, `client_secret_post`, or `client_id` alone for public
//! clients. Using two methods at once is refused.
//!
//! Some client libraries send a public client's id as HTTP Basic with an EMPTY password
//! (`Basic base64(id:)`). That presents no secret, so it is `none` authentication: a public
//! client passes, a confidential one is still refused for want of its secret.

use super::form::FormParams;
use super::OAuthError;
use base64::Engine;

/// How the client presented itself.
#[derive(Clone, PartialEq, Eq)]
pub enum PresentedClient {
    /// HTTP Basic (RFC 6749 §2.3.1: both parts form-urlencoded before base64). An empty `secret`
    /// means no secret at all (see the module note).
    Basic { client_id: String, secret: String },
    /// `client_id` and `client_secret` in the form body.
    Post { client_id: String, secret: String },
    /// A public client: `client_id` only.
    Public { client_id: String },
}

impl std::fmt::Debug for PresentedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(
            f,
            "PresentedClient({:?}, {})",
            self.method(),
            self.client_id()
        )
    }
}

/// Token endpoint authentication methods (discovery names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    None,
}

impl PresentedClient {
    pub fn client_id(&self) -> &str {
        match self {
            PresentedClient::Basic { client_id, .. }
            | PresentedClient::Post { client_id, .. }
            | PresentedClient::Public { client_id } => client_id,
        }
    }

    /// The presented secret, if any. Basic with an empty password presents none.
    pub fn secret(&self) -> Option<&str> {
        match self {
            PresentedClient::Basic { secret, .. } if secret.is_empty() => None,
            PresentedClient::Basic { secret, .. } | PresentedClient::Post { secret, .. } => {
                Some(secret)
            }
            PresentedClient::Public { .. } => None,
        }
    }

    /// The authentication method in effect: Basic with an empty password is `none`.
    pub fn method(&self) -> AuthMethod {
        match self {
            PresentedClient::Basic { secret, .. } if secret.is_empty() => AuthMethod::None,
            PresentedClient::Basic { .. } => AuthMethod::ClientSecretBasic,
            PresentedClient::Post { .. } => AuthMethod::ClientSecretPost,
            PresentedClient::Public { .. } => AuthMethod::None,
        }
    }
}

/// Reads the client's credentials from the `Authorization` header value and the form.
/// `Ok(None)`: the request carries no client identification at all.
pub fn presented_client(
    authorization: Option<&str>,
    form: &FormParams,
) -> Result<Option<PresentedClient>, OAuthError> {
    let basic = match authorization {
        Some(value) => parse_basic(value)?,
        None => None,
    };
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    match (basic, form_id, form_secret) {
        (Some(_), _, Some(_)) => Err(OAuthError::invalid_request(
            "the client authenticated with more than one method (Basic header and client_secret)",
        )),
        (Some((client_id, secret)), form_id, None) => {
            if form_id.is_some_and(|f| f != client_id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the Basic header",
                ));
            }
            Ok(Some(PresentedClient::Basic { client_id, secret }))
        }
        (None, Some(id), Some(secret)) => Ok(Some(PresentedClient::Post {
            client_id: id.to_owned(),
            secret: secret.to_owned(),
        })),
        (None, Some(id), None) => Ok(Some(PresentedClient::Public {
            client_id: id.to_owned(),
        })),
        (None, None, Some(_)) => Err(OAuthError::invalid_request(
            "client_secret was sent without client_id",
        )),
        (None, None, None) => Ok(None),
    }
}

/// Parses `Basic base64(urlencode(id):urlencode(secret))`. A non-Basic scheme is ignored.
fn parse_basic(header: &str) -> Result<Option<(String, String)>, OAuthError> {
    let Some((scheme, rest)) = header.trim().split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let bad = || OAuthError::invalid_client("malformed Basic authorization header");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let id = form_decode(id).ok_or_else(bad)?;
    let secret = form_decode(secret).ok_or_else(bad)?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok(Some((id, secret)))
}

fn form_decode(s: &str) -> Option<String> {
    // application/x-www-form-urlencoded: '+' is a space, then percent-decoding, in one pass (this
    // runs on every token request; a `replace` first showed up in the profile).
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn form(s: &str) -> FormParams {
        FormParams::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20id:p%3Ass+word"));
        let c = presented_client(Some(&header), &form("")).unwrap().unwrap();
        assert_eq!(c.client_id(), "my id");
        assert_eq!(c.secret(), Some("p:ss word"));
        assert_eq!(c.method(), AuthMethod::ClientSecretBasic);
        // An encoded '+' stays a '+'; a bare one is a space.
        let header = format!("Basic {}", STANDARD.encode("id:a%2Bb+c"));
        let c = presented_client(Some(&header), &form("")).unwrap().unwrap();
        assert_eq!(c.secret(), Some("a+b c"));
    }

    #[test]
    fn basic_with_an_empty_password_presents_no_secret() {
        let header = format!("Basic {}", STANDARD.encode("public-id:"));
        let c = presented_client(Some(&header), &form("")).unwrap().unwrap();
        assert_eq!(c.client_id(), "public-id");
        assert_eq!(c.secret(), None);
        assert_eq!(c.method(), AuthMethod::None);
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let header = format!("Basic {}", STANDARD.encode("a:b"));
        let e = presented_client(Some(&header), &form("client_secret=x")).unwrap_err();
        assert_eq!(e.code, super::super::ErrorCode::InvalidRequest);
    }

    #[test]
    fn post_public_and_none() {
        let c = presented_client(None, &form("client_id=a&client_secret=b"))
            .unwrap()
            .unwrap();
        assert_eq!(c.method(), AuthMethod::ClientSecretPost);
        let c = presented_client(None, &form("client_id=a"))
            .unwrap()
            .unwrap();
        assert_eq!(c.method(), AuthMethod::None);
        assert!(presented_client(None, &form("")).unwrap().is_none());
        assert!(presented_client(Some("Basic !!!"), &form("")).is_err());
        assert!(format!("{c:?}").contains('a'));
        let secretive = presented_client(None, &form("client_id=a&client_secret=topsecret"))
            .unwrap()
            .unwrap();
        assert!(!format!("{secretive:?}").contains("topsecret"));
    }
}
