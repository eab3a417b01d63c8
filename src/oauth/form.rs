//! Form parameters of protocol requests (`application/x-www-form-urlencoded`). RFC 6749 §3.1 and
//! §3.2: parameters sent without a value are treated as omitted, and a parameter must not be
//! included more than once.

use super::OAuthError;
use std::collections::HashMap;

/// Parsed form parameters.
#[derive(Clone, Debug, Default)]
pub struct FormParams {
    values: HashMap<String, String>,
}

impl FormParams {
    /// Parses a urlencoded body (or query string), refusing repeated parameters.
    pub fn parse(body: &[u8]) -> Result<FormParams, OAuthError> {
        let mut values = HashMap::new();
        for (key, value) in url::form_urlencoded::parse(body) {
            if value.is_empty() {
                continue;
            }
            if key.contains('\0') || value.contains('\0') {
                return Err(OAuthError::invalid_request(
                    "parameters must not contain NUL",
                ));
            }
            if values.insert(key.to_string(), value.to_string()).is_some() {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{key}' is repeated"
                )));
            }
        }
        Ok(FormParams { values })
    }

    /// The value of a parameter, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// All parameters, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of a required parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("parameter '{name}' is missing")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_ignored() {
        assert!(FormParams::parse(b"a=1&a=2").is_err());
        let p = FormParams::parse(b"a=1&b=&c=x%20y").unwrap();
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.get("b"), None);
        assert_eq!(p.get("c"), Some("x y"));
        assert!(p.require("b").is_err());
    }
}
