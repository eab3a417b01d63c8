//! The Content-Security-Policy of every page (SPEC §5, §8): the identity pages' policy with the
//! places their forms may end up, the form_post page's hashed script, and the portal's policy,
//! which adds the portal's own static script.

use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The form_post page's only script, and its CSP hash (computed once, from the same text).
pub const FORM_POST_SCRIPT: &str = "document.forms[0].submit();";
static FORM_POST_SCRIPT_HASH: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(FORM_POST_SCRIPT.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// A CSP source expression for where a form may end up: the origin of an http(s) URI, the scheme
/// of a private-use one (RFC 8252 §7.1). Script-capable schemes get nothing.
pub fn form_target_source(uri: &str) -> Option<String> {
    let u = url::Url::parse(uri).ok()?;
    match u.scheme() {
        "http" | "https" => {
            let origin = u.origin();
            origin.is_tuple().then(|| origin.ascii_serialization())
        }
        "javascript" | "data" | "vbscript" | "file" | "blob" | "about" => None,
        scheme => Some(format!("{scheme}:")),
    }
}

/// The CSP of an HTML page. `form_targets` are where its form POST may be redirected to (CSP
/// `form-action` also applies to redirects after a submission in Chromium): the client's
/// redirect URI origin for login and consent, the post-logout URI for the logout confirmation.
pub fn page_csp(form_targets: &[String]) -> String {
    let mut form_action = String::from("'self'");
    for t in form_targets {
        form_action.push(' ');
        form_action.push_str(t);
    }
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The CSP of portal pages: the identity pages' policy plus the portal's own static script, which
/// may fetch the portal's own step pages (`connect-src 'self'`) to show them in a `<dialog>`.
pub fn portal_csp() -> String {
    format!("{}; script-src 'self'; connect-src 'self'", page_csp(&[]))
}

/// The form_post page's CSP: only the hashed script runs, and the form goes only to the client.
/// CAUTION: `frame-ancestors` is the client's origin, not `'none'`, because a relying party may
/// run the request in a hidden iframe (silent renew); nothing on the page takes user input.
pub fn form_post_csp(target: Option<&str>) -> String {
    let target = target.unwrap_or("'none'");
    format!(
        "default-src 'none'; script-src {}; form-action {target}; frame-ancestors {target}; \
         base-uri 'none'",
        *FORM_POST_SCRIPT_HASH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_targets_are_origins_or_private_schemes_never_script() {
        assert_eq!(
            form_target_source("https://app.example:8443/cb?x=1").as_deref(),
            Some("https://app.example:8443")
        );
        assert_eq!(
            form_target_source("com.example.app:/cb").as_deref(),
            Some("com.example.app:")
        );
        assert_eq!(form_target_source("javascript:alert(1)"), None);
        assert_eq!(form_target_source("not a url"), None);
    }

    #[test]
    fn the_script_hash_is_of_the_script() {
        let csp = form_post_csp(Some("https://a.example"));
        assert!(csp.contains("script-src 'sha256-"), "{csp}");
        assert!(csp.contains("form-action https://a.example;"), "{csp}");
        assert!(form_post_csp(None).contains("form-action 'none'"));
    }
}
