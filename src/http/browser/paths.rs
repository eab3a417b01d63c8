//! Where the browser finds the pages: the identity pages' root (the issuer's path), the public
//! URL's path (the session cookie's `Path`) and the portal's root, all below a path prefix of the
//! public URL when it has one.

use crate::config::Config;

/// What every identity page's frame (`base.html`) needs.
pub struct Layout {
    /// The issuer's path (`/identity`, or below a path prefix of the public URL): the prefix of
    /// the stylesheet and form actions.
    pub root: String,
}

impl Layout {
    pub fn of(config: &Config) -> Layout {
        let issuer = config.issuer();
        let root = url::Url::parse(&issuer)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_else(|_| "/identity".to_owned());
        Layout { root }
    }
}

/// The path of the public URL (`/`, or the path prefix the server is published under): the
/// session cookie's `Path`, so the identity pages and the portal (SPEC §11) share the session.
pub fn public_path(config: &Config) -> String {
    let root = Layout::of(config).root;
    match root.strip_suffix("/identity") {
        Some("") | None => "/".to_owned(),
        Some(prefix) => prefix.to_owned(),
    }
}

/// The portal's path as the browser sees it (below the public URL's path).
pub fn portal_root(config: &Config) -> String {
    format!("{}/portal", public_path(config).trim_end_matches('/'))
}

/// The identity login page for a portal visitor, who comes back to `return_url` (a local path
/// below the portal, checked again by the login page) once signed in.
pub fn portal_login_url(config: &Config, return_url: &str) -> String {
    format!(
        "{}/account/login?{}",
        Layout::of(config).root,
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair(super::return_url::FIELD, return_url)
            .finish()
    )
}
