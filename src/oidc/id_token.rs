//! ID token claims (OIDC Core §2, SPEC §6.2), built in one place for every endpoint that issues
//! ID tokens ([`IdTokenClaims::new`]), and the left-half hashes `at_hash`, `c_hash`, `s_hash`
//! (§3.1.3.6, §3.3.2.11; FAPI for `s_hash`) for RS256 (SHA-256).

use crate::domain::{Scope, User};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The JOSE `typ` of ID tokens.
pub const ID_TOKEN_TYP: &str = "JWT";

/// ID token claims.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub azp: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s_hash: Option<String>,
    pub tid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// The upstream identity provider the user signed in through (SPEC §12.2); absent for local
    /// accounts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// The authentication methods as the upstream sent them (SPEC §12.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// What an ID token is made from: the sign-in, the client, and what is issued alongside it.
#[derive(Clone, Copy, Debug)]
pub struct IdTokenGrant<'a> {
    pub issuer: &'a str,
    /// The client (`aud` and `azp`).
    pub client_id: &'a str,
    pub tenant_id: &'a str,
    pub user: &'a User,
    /// The granted scopes (`profile` and `email` select claims).
    pub scope: &'a Scope,
    pub sid: &'a str,
    pub auth_time: i64,
    pub nonce: Option<&'a str>,
    pub iat: i64,
    pub exp: i64,
    /// The access token issued alongside: gives `at_hash`, and then the profile and e-mail claims
    /// are left to userinfo (SPEC §6.2, OIDC Core §5.4).
    pub access_token: Option<&'a str>,
    /// The code issued alongside by the authorization endpoint (hybrid flow): `c_hash`.
    pub code: Option<&'a str>,
    /// The request's `state`, when the ID token comes from the authorization endpoint: `s_hash`.
    pub state: Option<&'a str>,
    /// `amr` of an upstream sign-in (SPEC §12.2), as recorded on the session.
    pub amr: Option<&'a [String]>,
}

impl IdTokenClaims {
    /// The claims of SPEC §6.2 for `grant`.
    pub fn new(grant: &IdTokenGrant<'_>) -> IdTokenClaims {
        let granted = |scope: &str| grant.access_token.is_none() && grant.scope.contains(scope);
        let (profile, email) = (granted("profile"), granted("email"));
        let user = grant.user;
        IdTokenClaims {
            iss: grant.issuer.to_owned(),
            sub: user.id.as_str().to_owned(),
            aud: grant.client_id.to_owned(),
            azp: grant.client_id.to_owned(),
            exp: grant.exp,
            iat: grant.iat,
            auth_time: grant.auth_time,
            nonce: grant.nonce.map(str::to_owned),
            sid: grant.sid.to_owned(),
            at_hash: grant.access_token.map(left_half_hash),
            c_hash: grant.code.map(left_half_hash),
            s_hash: grant.state.map(left_half_hash),
            tid: grant.tenant_id.to_owned(),
            name: user.name.clone().filter(|_| profile),
            given_name: user.given_name.clone().filter(|_| profile),
            family_name: user.surname.clone().filter(|_| profile),
            email: email.then(|| user.email.clone()),
            // Portcullis does not verify e-mail addresses (as userinfo says).
            email_verified: email.then_some(false),
            idp: (user.identity_provider_id != crate::domain::user::LOCAL_IDENTITY_PROVIDER_ID)
                .then(|| user.identity_provider_id.clone()),
            amr: grant.amr.filter(|a| !a.is_empty()).map(<[String]>::to_vec),
        }
    }
}

/// base64url of the left half of SHA-256(value): `at_hash`, `c_hash`, `s_hash` for RS256/ES256.
pub fn left_half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_of_the_oidc_example() {
        // OIDC Core A.3 (ID token with at_hash): access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y".
        assert_eq!(
            left_half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }

    fn user() -> User {
        User {
            id: crate::domain::UserId::parse("0b9a8f36-5e0c-4d6e-9a55-3d4f7e2a1c01").unwrap(),
            tenant_id: crate::domain::TenantId::parse("7a1c3d0e-0000-4000-8000-000000000001")
                .unwrap(),
            given_name: Some("Ada".into()),
            surname: Some("Lovelace".into()),
            name: Some("Ada Lovelace".into()),
            email: "ada@example.com".into(),
            contact_email: None,
            contact_given_name: None,
            contact_surname: None,
            external_user_id: None,
            identity_provider_id: crate::domain::user::LOCAL_IDENTITY_PROVIDER_ID.into(),
            role_ids: Vec::new(),
            created: 0,
            last_updated: 0,
        }
    }

    fn grant<'a>(
        user: &'a User,
        scope: &'a Scope,
        access_token: Option<&'a str>,
    ) -> IdTokenGrant<'a> {
        IdTokenGrant {
            issuer: "https://idp/identity",
            client_id: "c1",
            tenant_id: "t1",
            user,
            scope,
            sid: "s1",
            auth_time: 90,
            nonce: Some("n-1"),
            iat: 100,
            exp: 400,
            access_token,
            code: Some("the-code"),
            state: Some("st"),
            amr: None,
        }
    }

    #[test]
    fn hashes_follow_what_is_issued_alongside() {
        let (u, scope) = (user(), Scope::parse("openid profile email"));
        let c = IdTokenClaims::new(&grant(&u, &scope, Some("at")));
        assert_eq!(c.at_hash, Some(left_half_hash("at")));
        assert_eq!(c.c_hash, Some(left_half_hash("the-code")));
        assert_eq!(c.s_hash, Some(left_half_hash("st")));
        assert_eq!((c.aud.as_str(), c.azp.as_str()), ("c1", "c1"));
        assert_eq!(c.nonce.as_deref(), Some("n-1"));
        let plain = IdTokenClaims::new(&IdTokenGrant {
            code: None,
            state: None,
            ..grant(&u, &scope, None)
        });
        assert_eq!(
            (plain.at_hash, plain.c_hash, plain.s_hash),
            (None, None, None)
        );
    }

    #[test]
    fn profile_claims_only_without_an_access_token_and_by_scope() {
        let (u, scope) = (user(), Scope::parse("openid profile email"));
        let with_at = IdTokenClaims::new(&grant(&u, &scope, Some("at")));
        assert_eq!((with_at.name, with_at.email), (None, None));
        let alone = IdTokenClaims::new(&grant(&u, &scope, None));
        assert_eq!(alone.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(alone.family_name.as_deref(), Some("Lovelace"));
        assert_eq!(alone.email.as_deref(), Some("ada@example.com"));
        assert_eq!(alone.email_verified, Some(false));
        let openid = Scope::parse("openid");
        let openid_only = IdTokenClaims::new(&grant(&u, &openid, None));
        assert_eq!((openid_only.given_name, openid_only.email), (None, None));
    }
}
