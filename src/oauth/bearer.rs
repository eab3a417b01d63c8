//! Where a protected resource (the userinfo endpoint) finds the bearer token (RFC 6750 §2): the
//! `Authorization: Bearer` header (§2.1) or, on POST, an `access_token` form parameter (§2.2).
//! A request must not use more than one method (§2).

use super::form::FormParams;
use super::OAuthError;

/// The bearer token of a request. `form` is the parsed body of a form-encoded POST, `None` for
/// other requests. `Ok(None)`: the request carries no token at all (RFC 6750 §3.1: then the
/// challenge names no error code).
pub fn presented_bearer(
    authorization: Option<&str>,
    form: Option<&FormParams>,
) -> Result<Option<String>, OAuthError> {
    let header = authorization.and_then(bearer_of_header);
    let body = form.and_then(|f| f.get("access_token"));
    match (header, body) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "the access token was sent in both the Authorization header and the body",
        )),
        (Some(token), None) => Ok(Some(token.to_owned())),
        (None, Some(token)) => Ok(Some(token.to_owned())),
        (None, None) => Ok(None),
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive). Other schemes
/// are not bearer tokens.
fn bearer_of_header(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = rest.trim();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(s: &str) -> FormParams {
        FormParams::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn header_or_body_but_not_both() {
        assert_eq!(
            presented_bearer(Some("Bearer abc"), None).unwrap(),
            Some("abc".to_owned())
        );
        assert_eq!(
            presented_bearer(Some("bearer  abc "), Some(&form("x=1"))).unwrap(),
            Some("abc".to_owned())
        );
        assert_eq!(
            presented_bearer(None, Some(&form("access_token=t"))).unwrap(),
            Some("t".to_owned())
        );
        assert!(presented_bearer(Some("Bearer a"), Some(&form("access_token=t"))).is_err());
    }

    #[test]
    fn other_schemes_and_empty_values_are_no_token() {
        assert_eq!(presented_bearer(Some("Basic YTpi"), None).unwrap(), None);
        assert_eq!(presented_bearer(Some("Bearer "), None).unwrap(), None);
        assert_eq!(
            presented_bearer(None, Some(&form("access_token="))).unwrap(),
            None
        );
        assert_eq!(presented_bearer(None, None).unwrap(), None);
    }
}
