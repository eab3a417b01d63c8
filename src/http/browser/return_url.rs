//! Where the login page sends a portal visitor back to (SPEC §8: no open redirects anywhere). A
//! return URL is accepted only as a local path below the portal's root: never an absolute URL, a
//! scheme-relative `//host`, a backslash (browsers read `/\host` as `//host`), a control character
//! (browsers drop tabs and newlines, so `/\t/host` would become `//host`), or a path that leaves the
//! portal once `.` and `..` are resolved. It is checked when the login page is shown and again
//! when its form is posted.

/// The name of the query parameter and hidden field that carry it.
pub const FIELD: &str = "return_url";

/// The return URL to redirect to (normalised: dot segments resolved), or `None` when `raw` is not
/// a local path below `portal_root` (e.g. `/portal`).
pub fn local_return_url(raw: &str, portal_root: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'/')
        || matches!(bytes.get(1), Some(b'/') | Some(b'\\'))
        || raw.contains('\\')
        || raw.chars().any(char::is_control)
        || raw.contains('#')
    {
        return None;
    }
    // Resolved against a placeholder origin: the result must stay on it and below the portal.
    let base = url::Url::parse("http://portcullis.invalid/").ok()?;
    let joined = base.join(raw).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let path = joined.path();
    let below = path == portal_root
        || path
            .strip_prefix(portal_root)
            .is_some_and(|rest| rest.starts_with('/'));
    if !below {
        return None;
    }
    Some(match joined.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

/// The tenant chosen with `?tenant=<id>` in the return URL (`/portal?tenant=<id>`), for an
/// e-mail address that has an account in several tenants.
pub fn tenant_choice(return_url: &str) -> Option<String> {
    let (_, query) = return_url.split_once('?')?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k == "tenant" && !v.is_empty())
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_below_the_portal_come_back() {
        for ok in [
            "/portal",
            "/portal/",
            "/portal/clients?type=ac&id=x",
            "/portal/clients/../users",
        ] {
            assert!(local_return_url(ok, "/portal").is_some(), "{ok}");
        }
        assert_eq!(
            local_return_url("/portal/clients/../users", "/portal").as_deref(),
            Some("/portal/users")
        );
        for bad in [
            "",
            "portal",
            "https://evil.example/portal",
            "//evil.example/portal",
            "/\\evil.example/portal",
            "\\\\evil.example",
            "/portal\\..\\..\\evil",
            "/\t/evil.example/portal",
            "/portal\n",
            "/portalx",
            "/identity/account/login",
            "/portal/../identity",
            "/portal/%2e%2e/identity",
            "javascript:alert(1)",
            "/portal#frag",
        ] {
            assert_eq!(local_return_url(bad, "/portal"), None, "{bad:?}");
        }
        assert!(local_return_url("/prefix/portal/clients", "/prefix/portal").is_some());
        assert!(local_return_url("/portal/clients", "/prefix/portal").is_none());
    }

    #[test]
    fn the_tenant_choice_comes_from_the_return_url() {
        assert_eq!(tenant_choice("/portal?tenant=abc").as_deref(), Some("abc"));
        assert_eq!(tenant_choice("/portal?tenant="), None);
        assert_eq!(tenant_choice("/portal"), None);
    }
}
