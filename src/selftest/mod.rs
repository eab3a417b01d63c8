//! `portcullis selftest --url URL [--client-id ID --client-secret S]` (SPEC §13.4): checks a live
//! deployment from outside, as a relying party, a browser and an operator's script see it, and
//! prints one line per check, `PASS name: detail` or `FAIL name: detail`.
//!
//! The checks, in order: `discovery` (at the issuer), `discovery-rfc8414`, `issuer` (the document
//! names `{url}/identity`), `tls` (https unless the host is loopback), `clock` (the server's `Date`
//! against ours), `readyz`, `cookies` (the login page's `Set-Cookie`: Secure on https, SameSite=None
//! only on https), `jwks` (parses; holds the kid that signs), and with client credentials `token`
//! (a client_credentials round trip whose token verifies against the JWKS with the crate's own
//! verifier) and `api` (the management API answers that token). No check stops the others.

mod checks;
mod http;

use std::process::ExitCode;

/// What to check.
#[derive(Clone)]
pub struct Options {
    /// The public URL of the deployment (without `/identity`).
    pub url: String,
    /// A client-credentials client for the token and API checks.
    pub client: Option<Credentials>,
}

/// A client id and secret.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish()
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

impl Check {
    fn pass(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            passed: true,
            detail: detail.into(),
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Check {
            name,
            passed: false,
            detail: detail.into(),
        }
    }

    fn of(name: &'static str, result: Result<String, String>) -> Self {
        match result {
            Ok(detail) => Check::pass(name, detail),
            Err(detail) => Check::fail(name, detail),
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = if self.passed { "PASS" } else { "FAIL" };
        write!(f, "{verdict} {}: {}", self.name, self.detail)
    }
}

/// Runs every check and prints one line each on stdout; exit 0 only if all passed, else 1.
pub fn run(options: &Options) -> ExitCode {
    let results = match crate::commands::block_on(checks::all(options)) {
        Err(e) => return crate::commands::fail(2, &e.to_string()),
        Ok(Err(message)) => return crate::commands::fail(1, &message),
        Ok(Ok(r)) => r,
    };
    for check in &results {
        println!("{check}");
    }
    if options.client.is_none() {
        eprintln!("portcullis: token and api not checked (give --client-id and --client-secret)");
    }
    if results.iter().all(|c| c.passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
