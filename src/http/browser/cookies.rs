//! The browser's cookies (SPEC §8): the session cookie shared by the identity pages and the
//! portal, and the browser id that binds CSRF tokens before sign-in. On https every cookie has
//! the `__Host-` prefix (so `Path=/`, `Secure`, no `Domain`): a sibling subdomain cannot plant or
//! overwrite it.

use super::paths::public_path;
use crate::config::{Config, SameSite as CookieSameSite};
use crate::service::sessions::SESSION_COOKIE;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;

/// Base name of the browser-id cookie that binds CSRF tokens before sign-in.
const BROWSER_COOKIE: &str = "portcullis.csrf";

/// `name`, with the `__Host-` prefix on https.
fn named(config: &Config, name: &str) -> String {
    if config.secure_cookies() {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// `Path` of a cookie: `/` on https (`__Host-` requires it), else `path`.
fn path_of(config: &Config, path: String) -> String {
    if config.secure_cookies() {
        "/".to_owned()
    } else {
        path
    }
}

/// The session cookie's value, if the browser sent one.
pub fn session_value(req: &HttpRequest, config: &Config) -> Option<String> {
    req.cookie(&named(config, SESSION_COOKIE))
        .map(|c| c.value().to_owned())
}

/// The browser id's value, if the browser sent one.
pub fn browser_id(req: &HttpRequest, config: &Config) -> Option<String> {
    req.cookie(&named(config, BROWSER_COOKIE))
        .map(|c| c.value().to_owned())
}

fn same_site(config: &Config) -> SameSite {
    match config.cookie_samesite {
        CookieSameSite::Lax => SameSite::Lax,
        CookieSameSite::None => SameSite::None,
    }
}

/// The session cookie (SPEC §8): `HttpOnly`, `Path` the public URL's path (it covers
/// `/identity` and `/portal`), SameSite from the configuration (`None` always with `Secure`),
/// `Secure` on https, lives as long as a session can.
pub fn session_cookie(config: &Config, value: String) -> Cookie<'static> {
    let same_site = same_site(config);
    Cookie::build(named(config, SESSION_COOKIE), value)
        .path(path_of(config, public_path(config)))
        .http_only(true)
        .same_site(same_site)
        .secure(config.secure_cookies() || same_site == SameSite::None)
        .max_age(Duration::seconds(config.session_max))
        .finish()
}

/// Removes the session cookie (same attributes, so the browser matches it).
pub fn session_removal(config: &Config) -> Cookie<'static> {
    let mut c = session_cookie(config, String::new());
    c.make_removal();
    c
}

/// The browser-id cookie: `HttpOnly`, `SameSite=Strict`, for the browser session only, sent only
/// below `path` (the identity pages' root, or the portal's; `/` on https).
pub fn browser_cookie(config: &Config, value: String, path: String) -> Cookie<'static> {
    Cookie::build(named(config, BROWSER_COOKIE), value)
        .path(path_of(config, path))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(config.secure_cookies())
        .finish()
}

/// The cookie that binds a pending upstream sign-in to this browser (SPEC §12.2): `HttpOnly`,
/// `SameSite=Lax` (the upstream's answer is a cross-site top-level GET), sent only below `path`
/// (`/identity/federation`; `/` on https), ten minutes at most.
pub fn federation_cookie(config: &Config, value: String, path: String) -> Cookie<'static> {
    use crate::service::federation::{FEDERATION_COOKIE, PENDING_LIFETIME};
    Cookie::build(named(config, FEDERATION_COOKIE), value)
        .path(path_of(config, path))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .max_age(Duration::seconds(PENDING_LIFETIME))
        .finish()
}

/// The federation cookie's value, if the browser sent one.
pub fn federation_value(req: &HttpRequest, config: &Config) -> Option<String> {
    let name = named(config, crate::service::federation::FEDERATION_COOKIE);
    req.cookie(&name).map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigArgs;

    fn config(public_url: &str) -> Config {
        Config::resolve(&ConfigArgs {
            public_url: Some(public_url.to_owned()),
            ..ConfigArgs::default()
        })
        .unwrap()
    }

    #[test]
    fn on_https_every_cookie_is_a_host_cookie() {
        let c = config("https://id.example.com/auth");
        for cookie in [
            session_cookie(&c, "s".into()),
            browser_cookie(&c, "b".into(), "/auth/identity".into()),
        ] {
            assert!(cookie.name().starts_with("__Host-"), "{cookie}");
            assert_eq!(cookie.path(), Some("/"), "{cookie}");
            assert_eq!(cookie.secure(), Some(true), "{cookie}");
            assert_eq!(cookie.domain(), None, "{cookie}");
        }
        let plain = config("http://127.0.0.1:8080");
        assert_eq!(
            session_cookie(&plain, "s".into()).name(),
            "portcullis.session"
        );
        let b = browser_cookie(&plain, "b".into(), "/identity".into());
        assert_eq!((b.name(), b.path()), ("portcullis.csrf", Some("/identity")));
    }
}
