//! The grant types of the token endpoint (RFC 6749 §4.1.3, §4.4.2, §6).

/// A `grant_type` the token endpoint supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantType {
    /// RFC 6749 §4.4
    ClientCredentials,
    /// RFC 6749 §4.1.3
    AuthorizationCode,
    /// RFC 6749 §6
    RefreshToken,
}

impl GrantType {
    /// Every supported grant type.
    pub const ALL: [GrantType; 3] = [
        GrantType::ClientCredentials,
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
    ];

    /// The registered `grant_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::ClientCredentials => "client_credentials",
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
        }
    }

    /// The supported grant type named `value`, if it is one.
    pub fn parse(value: &str) -> Option<GrantType> {
        GrantType::ALL.into_iter().find(|g| g.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::GrantType;

    #[test]
    fn parses_what_it_prints_and_nothing_else() {
        for g in GrantType::ALL {
            assert_eq!(GrantType::parse(g.as_str()), Some(g));
        }
        assert_eq!(GrantType::parse("password"), None);
        assert_eq!(GrantType::parse("Client_Credentials"), None);
    }
}
