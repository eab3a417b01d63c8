//! The browser's cookies (SPEC §8): the session cookie shared by the identity pages and the portal,
//! and the CSRF cookie, one per page root.

use super::paths::public_path;
use crate::config::{Config, SameSite as CookieSameSite};
use crate::service::sessions::SESSION_COOKIE;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;

/// Name of the CSRF cookie.
pub const CSRF_COOKIE: &str = "portcullis.csrf";

/// The session cookie's value, if the browser sent one.
pub fn session_value(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
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
    Cookie::build(SESSION_COOKIE, value)
        .path(public_path(config))
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

/// The CSRF cookie: `HttpOnly`, `SameSite=Strict`, for the browser session only, sent only
/// below `path` (the identity pages' root, or the portal's).
pub fn csrf_cookie(config: &Config, value: String, path: String) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(config.secure_cookies())
        .finish()
}
