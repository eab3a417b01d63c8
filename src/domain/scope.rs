//! OAuth scopes (RFC 6749 §3.3): a space-delimited, case-sensitive list of scope tokens. Parsed
//! once where a request enters; everything after works with [`Scope`], never with a split string.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The scope that asks for an ID token (OIDC Core §3.1.2.1).
pub const OPENID: &str = "openid";
/// The scope that asks for refresh tokens (OIDC Core §11).
pub const OFFLINE_ACCESS: &str = "offline_access";

/// A set of scope tokens in the order first given, without duplicates or empty tokens.
/// Serialised as the RFC 6749 space-delimited string (token responses, JWT `scope` claims).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope(Vec<String>);

impl Scope {
    /// Parses a space-delimited scope string; repeated and empty tokens are dropped.
    pub fn parse(raw: &str) -> Self {
        let mut tokens: Vec<String> = Vec::new();
        for token in raw.split(' ').filter(|t| !t.is_empty()) {
            if !tokens.iter().any(|t| t == token) {
                tokens.push(token.to_owned());
            }
        }
        Scope(tokens)
    }

    /// A scope of exactly these tokens (duplicates dropped).
    pub fn of<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Self {
        let mut scope = Scope::default();
        for token in tokens {
            scope.insert(token);
        }
        scope
    }

    /// Adds `token` unless it is empty or already present.
    pub fn insert(&mut self, token: &str) {
        if !token.is_empty() && !self.contains(token) {
            self.0.push(token.to_owned());
        }
    }

    /// Whether the scope holds `token`.
    pub fn contains(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    /// Whether every token of `self` is in `other`.
    pub fn is_subset_of(&self, other: &Scope) -> bool {
        self.0.iter().all(|t| other.contains(t))
    }

    /// The first token of `self` that `other` lacks.
    pub fn first_missing_from<'a>(&'a self, other: &Scope) -> Option<&'a str> {
        self.0
            .iter()
            .map(String::as_str)
            .find(|t| !other.contains(t))
    }

    /// The tokens, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The space-delimited form (RFC 6749 §3.3).
    pub fn to_delimited(&self) -> String {
        self.0.join(" ")
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_delimited())
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(Scope::parse(&raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_drops_empty_and_repeated_tokens_and_keeps_order() {
        let s = Scope::parse("openid  email openid profile");
        assert_eq!(s.iter().collect::<Vec<_>>(), ["openid", "email", "profile"]);
        assert_eq!(s.to_delimited(), "openid email profile");
        assert!(Scope::parse(" ").is_empty());
    }

    #[test]
    fn tokens_are_case_sensitive_and_subsets_are_checked_by_token() {
        let granted = Scope::parse("openid ocsapi");
        assert!(!granted.contains("OpenId"));
        assert!(Scope::parse("ocsapi").is_subset_of(&granted));
        assert_eq!(
            Scope::parse("ocsapi email").first_missing_from(&granted),
            Some("email")
        );
    }

    #[test]
    fn serialises_as_the_delimited_string() {
        let s = Scope::of(["openid", "ocsapi"]);
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"openid ocsapi\"");
        let back: Scope = serde_json::from_str("\"ocsapi openid\"").unwrap();
        assert!(back.contains("openid") && back.contains("ocsapi"));
    }
}
