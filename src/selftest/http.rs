//! The self-test's HTTP client: no redirects followed (a redirect is an answer to report, not to
//! chase), a timeout per request, and responses read whole.

use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A response read whole.
pub struct Fetched {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Fetched {
    /// The body as JSON, or why not.
    pub fn json(&self, what: &str) -> Result<Value, String> {
        if self.status != 200 {
            return Err(format!("{what} answered {}", self.status));
        }
        serde_json::from_str(&self.text).map_err(|e| format!("{what} is not JSON: {e}"))
    }

    /// Every value of a header, as text.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("portcullis-selftest/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends `request` and reads the whole answer; a transport failure is described, never a panic.
pub async fn send(request: reqwest::RequestBuilder) -> Result<Fetched, String> {
    let response = request.send().await.map_err(|e| describe(&e))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.map_err(|e| describe(&e))?;
    Ok(Fetched {
        status,
        headers,
        text,
    })
}

/// A transport error with its causes (reqwest's own message hides the TLS or DNS reason).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
