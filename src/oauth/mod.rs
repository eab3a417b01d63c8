//! The OAuth 2.0 protocol, pure and synchronous: request parsing and validation, client
//! authentication rules, grants and their error codes. Receives `now`; does no I/O and knows no
//! HTTP framework or database.

pub mod access_token;
pub mod authorize;
pub mod bearer;
pub mod client_auth;
pub mod client_credentials;
pub mod error;
pub mod form;
pub mod grant_type;
pub mod pkce;
#[cfg(test)]
mod properties;

pub use error::{ErrorCode, OAuthError};
pub use grant_type::GrantType;
