//! Identifier newtypes, so that a tenant id can never be passed where a client id is expected.
//! GUID identifiers are case-insensitive on the wire (OCS) and kept in lowercase hyphenated form.

use std::fmt;

/// The input was not a GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidGuid(pub String);

impl fmt::Display for InvalidGuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a valid GUID", self.0)
    }
}

/// Parses a GUID in any letter case (with or without braces) into its canonical lowercase form.
pub fn canonical_guid(input: &str) -> Result<String, InvalidGuid> {
    uuid::Uuid::parse_str(input.trim())
        .map(|u| u.hyphenated().to_string())
        .map_err(|_| InvalidGuid(input.to_owned()))
}

/// A fresh random GUID in canonical form.
pub fn new_guid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a GUID given in any case.
            pub fn parse(input: &str) -> Result<Self, InvalidGuid> {
                canonical_guid(input).map(Self)
            }
            /// A fresh random id.
            pub fn generate() -> Self {
                Self(new_guid())
            }
            /// Wraps a value read back from storage, where it is already canonical.
            pub fn from_stored(value: String) -> Self {
                Self(value)
            }
            /// The canonical lowercase form.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// Consumes the id, returning its canonical form.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

guid_id!(
    /// A tenant's id.
    TenantId
);
guid_id!(
    /// A client's id: one id space for all three client kinds.
    ClientId
);
guid_id!(
    /// A user's id.
    UserId
);
guid_id!(
    /// A role's per-tenant id (never the RoleTypeId).
    RoleId
);
guid_id!(
    /// An invitation's id (SPEC §12.3).
    InvitationId
);

/// A secret's id: an integer per client, starting at 1 and never reused.
pub type SecretId = i64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_canonicalised_and_case_insensitive() {
        let a = ClientId::parse("A1B2C3D4-0000-4000-8000-00000000000F").unwrap();
        let b = ClientId::parse("a1b2c3d4-0000-4000-8000-00000000000f").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "a1b2c3d4-0000-4000-8000-00000000000f");
        assert!(ClientId::parse("not-a-guid").is_err());
        assert!(ClientId::parse("").is_err());
    }
}
