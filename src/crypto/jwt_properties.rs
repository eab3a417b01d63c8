//! Property tests (issue 9, "Trust") of access-token verification ([`Verifier`] as the management
//! API and userinfo use it: `typ` at+jwt, this issuer and audience, `now`). Real tokens of every
//! signing algorithm verify and read back their claims; any string, and any real token with bytes
//! flipped, cut or added, a part re-encoded, `alg` swapped to `none`/HS256/another key's algorithm,
//! `kid` removed or swapped, or a signature spliced from another token, is rejected with
//! [`CryptoError::InvalidToken`] — never accepted, never a panic.

use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Value};

use super::jwt::{sign_jwt, Verifier};
use super::keys::tests::test_key;
use super::keys::{KeyRing, PublicJwk, SigningAlg, SigningKey};
use super::CryptoError;
use crate::domain::Scope;
use crate::oauth::access_token::{AccessTokenClaims, ACCESS_TOKEN_TYP};

const ISS: &str = "https://id.example/identity";
const AUD: &str = "ocsapi";
const NOW: i64 = 1_700_000_000;

/// One key of each algorithm, a verifier for all of them, and one token signed by each.
struct Fixture {
    keys: Vec<Arc<SigningKey>>,
    verifier: Verifier,
    tokens: Vec<String>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys: Vec<_> = SigningAlg::ALL.iter().map(|&a| test_key(a, 0)).collect();
        let verifier = Verifier::new(&KeyRing::new(keys.clone()), NOW).unwrap();
        let tokens = keys
            .iter()
            .map(|k| sign_jwt(&claims_of(sample_claims()), ACCESS_TOKEN_TYP, k).unwrap())
            .collect();
        Fixture {
            keys,
            verifier,
            tokens,
        }
    })
}

fn sample_claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: ISS.into(),
        aud: AUD.into(),
        sub: "client-1".into(),
        client_id: "client-1".into(),
        tid: "tenant-1".into(),
        scope: Scope::of([AUD]),
        role: vec!["role-1".into()],
        role_type: vec!["TenantAdministrator".into()],
        iat: NOW,
        nbf: NOW,
        exp: NOW + 300,
        jti: "jti-1".into(),
        auth_time: None,
        sid: None,
        idp: None,
        amr: None,
    }
}

fn claims_of(c: AccessTokenClaims) -> Value {
    serde_json::to_value(c).unwrap()
}

fn verify(token: &str) -> Result<AccessTokenClaims, CryptoError> {
    fixture()
        .verifier
        .verify(token, Some(ACCESS_TOKEN_TYP), ISS, AUD, NOW)
}

fn b64_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn parts(token: &str) -> [String; 3] {
    let p: Vec<&str> = token.split('.').collect();
    [p[0].to_owned(), p[1].to_owned(), p[2].to_owned()]
}

/// Any valid claims: unicode strings, roles, optional user claims, times around `NOW`.
fn valid_claims() -> impl Strategy<Value = AccessTokenClaims> {
    (
        (
            any::<String>(),
            any::<String>(),
            any::<String>(),
            any::<String>(),
        ),
        vec(any::<String>(), 0..4),
        "[a-z:._]{1,10}( [a-z]{1,8}){0,3}",
        (NOW - 86_400..=NOW, 1i64..86_400, 0i64..=30),
        prop::option::of((NOW - 86_400..=NOW, any::<String>(), any::<String>())),
    )
        .prop_map(
            |((sub, client_id, tid, jti), role, scope, (iat, life, early), user)| {
                let (auth_time, sid, idp, amr) = match user {
                    Some((t, s, i)) => (Some(t), Some(s), Some(i), Some(vec!["pwd".to_owned()])),
                    None => (None, None, None, None),
                };
                AccessTokenClaims {
                    iss: ISS.into(),
                    aud: AUD.into(),
                    sub,
                    client_id,
                    tid,
                    scope: Scope::parse(&scope),
                    role_type: role.iter().rev().cloned().collect(),
                    role,
                    iat,
                    // Valid at NOW: nbf up to the 30 s leeway ahead, exp after NOW.
                    nbf: NOW + early,
                    exp: NOW + life,
                    jti,
                    auth_time,
                    sid,
                    idp,
                    amr,
                }
            },
        )
}

/// How a real token is damaged.
#[derive(Clone, Debug)]
enum Mutation {
    /// One character replaced by another (base64url or anything).
    Replace(Index, char),
    /// A character inserted.
    Insert(Index, char),
    /// A character removed.
    Remove(Index),
    /// Cut short.
    Truncate(Index),
    /// Something appended.
    Append(String),
    /// One part (header, payload, signature) replaced by the same part of another key's token.
    SwapPart(usize, usize),
    /// The header's `alg` set to this value (the signature kept, or emptied for `none`).
    Alg(&'static str, bool),
    /// The header without `kid`.
    NoKid,
    /// The header's `kid` replaced.
    Kid(String),
    /// The header's `typ` replaced or removed.
    Typ(Option<&'static str>),
    /// A claim changed (the signature kept).
    Claim(&'static str, Value),
    /// HS256 with the public key as the HMAC secret (the classic algorithm confusion).
    HmacWithPublicKey,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let b64_char = select(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            .chars()
            .collect::<Vec<_>>(),
    );
    let a_char = prop_oneof![3 => b64_char, 1 => select(&['.', '=', '+', '/', ' ', '\0'][..]), 1 => any::<char>()];
    let claim = prop_oneof![
        Just("sub"),
        Just("exp"),
        Just("iss"),
        Just("aud"),
        Just("tid"),
        Just("role_type")
    ];
    let claim_value = prop_oneof![
        Just(json!(NOW + 1_000_000)),
        Just(json!("admin")),
        Just(json!(["TenantAdministrator"])),
        Just(json!(null)),
        any::<String>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
    ];
    prop_oneof![
        3 => (any::<Index>(), a_char.clone()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        2 => (any::<Index>(), a_char).prop_map(|(i, c)| Mutation::Insert(i, c)),
        2 => any::<Index>().prop_map(Mutation::Remove),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => any::<String>().prop_map(Mutation::Append),
        1 => (0usize..3, 0usize..3).prop_map(|(p, k)| Mutation::SwapPart(p, k)),
        2 => (select(&["none", "None", "NONE", "HS256", "HS512", "RS256", "ES256", "EdDSA",
                      "PS256", "ES384", "", "nOnE"][..]), any::<bool>())
            .prop_map(|(a, empty)| Mutation::Alg(a, empty)),
        1 => Just(Mutation::NoKid),
        1 => prop_oneof![any::<String>(), select(&["", "0", "../../etc/passwd"][..]).prop_map(str::to_owned)]
            .prop_map(Mutation::Kid),
        1 => prop::option::of(select(&["JWT", "jwt", "at+JWT", "application/at+jwt", ""][..]))
            .prop_map(Mutation::Typ),
        2 => (claim, claim_value).prop_map(|(c, v)| Mutation::Claim(c, v)),
        1 => Just(Mutation::HmacWithPublicKey),
    ]
}

fn char_at(s: &str, i: &Index) -> usize {
    let n = s.chars().count();
    s.char_indices()
        .nth(i.index(n.max(1)))
        .map_or(s.len(), |(at, _)| at)
}

/// `token` (signed by key `k` of the fixture) damaged by `m`.
fn mutate(token: &str, k: usize, m: &Mutation) -> String {
    let f = fixture();
    let [header, payload, signature] = parts(token);
    let with_header = |edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut h = decode_part(&header);
        edit(h.as_object_mut().unwrap());
        format!("{}.{payload}.{signature}", b64_json(&h))
    };
    match m {
        Mutation::Replace(i, c) => {
            let mut s = token.to_owned();
            let at = char_at(&s, i).min(s.len().saturating_sub(1));
            s.remove(at);
            s.insert(at, *c);
            s
        }
        Mutation::Insert(i, c) => {
            let mut s = token.to_owned();
            s.insert(char_at(&s, i), *c);
            s
        }
        Mutation::Remove(i) => {
            let mut s = token.to_owned();
            s.remove(char_at(&s, i).min(s.len() - 1));
            s
        }
        Mutation::Truncate(i) => token[..i.index(token.len())].to_owned(),
        Mutation::Append(tail) => format!("{token}{tail}"),
        Mutation::SwapPart(part, other) => {
            let mut p = parts(token);
            let o = parts(&f.tokens[(k + 1 + other % 2) % f.tokens.len()]);
            p[*part] = o[*part].clone();
            p.join(".")
        }
        Mutation::Alg(alg, empty_signature) => {
            let mut h = decode_part(&header);
            h["alg"] = json!(alg);
            let signature = if *empty_signature { "" } else { &signature };
            format!("{}.{payload}.{signature}", b64_json(&h))
        }
        Mutation::NoKid => with_header(&|h| {
            h.remove("kid");
        }),
        Mutation::Kid(kid) => with_header(&|h| {
            h.insert("kid".into(), json!(kid));
        }),
        Mutation::Typ(typ) => with_header(&|h| match typ {
            Some(t) => {
                h.insert("typ".into(), json!(t));
            }
            None => {
                h.remove("typ");
            }
        }),
        Mutation::Claim(name, value) => {
            let mut c = decode_part(&payload);
            c[*name] = value.clone();
            format!("{header}.{}.{signature}", b64_json(&c))
        }
        Mutation::HmacWithPublicKey => {
            let mut h = decode_part(&header);
            h["alg"] = json!("HS256");
            let message = format!("{}.{payload}", b64_json(&h));
            let secret = match f.keys[k].public_jwk() {
                PublicJwk::Rsa { n, .. } => n.clone(),
                PublicJwk::Ec { x, .. } | PublicJwk::Okp { x } => x.clone(),
            };
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
            let tag = ring::hmac::sign(&key, message.as_bytes());
            format!("{message}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
        }
    }
}

/// A JWS-shaped string: a header naming a real or made-up key and algorithm, any payload, and
/// a signature of any bytes (often the right length for the algorithm).
fn forged_token() -> impl Strategy<Value = String> {
    let kid = prop_oneof![
        3 => (0usize..3).prop_map(|k| fixture().keys[k].kid().to_owned()),
        1 => any::<String>(),
    ];
    let alg = select(&["RS256", "ES256", "EdDSA", "none", "HS256", "ES512", "x"][..]);
    let header = (alg, prop::option::of(kid), any::<bool>()).prop_map(|(alg, kid, typ)| {
        let mut h = json!({ "alg": alg });
        if let Some(kid) = kid {
            h["kid"] = json!(kid);
        }
        if typ {
            h["typ"] = json!(ACCESS_TOKEN_TYP);
        }
        b64_json(&h)
    });
    let payload = prop_oneof![
        valid_claims().prop_map(|c| b64_json(&claims_of(c))),
        vec(any::<u8>(), 0..64).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        any::<String>(),
    ];
    let signature = prop_oneof![
        select(&[64usize, 256][..]).prop_flat_map(|n| vec(any::<u8>(), n)),
        vec(any::<u8>(), 0..300),
    ]
    .prop_map(|b| URL_SAFE_NO_PAD.encode(b));
    (header, payload, signature).prop_map(|(h, p, s)| format!("{h}.{p}.{s}"))
}

proptest! {
    // Signing and verifying RS256 dominates; 1 000 cases stay under 2 s unoptimised.
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// A token signed by any published key, with any valid claims, verifies and reads back the
    /// claims it was signed with.
    #[test]
    fn real_tokens_verify_and_read_back(k in 0usize..3, claims in valid_claims()) {
        let key = &fixture().keys[k];
        let token = sign_jwt(&claims, ACCESS_TOKEN_TYP, key).unwrap();
        prop_assert_eq!(verify(&token).unwrap(), claims);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// A real token damaged in any way is rejected as an invalid token.
    #[test]
    fn damaged_tokens_are_rejected(k in 0usize..3, m in mutation()) {
        let original = &fixture().tokens[k];
        prop_assert!(verify(original).is_ok());
        let damaged = mutate(original, k, &m);
        prop_assume!(&damaged != original);
        let result = verify(&damaged);
        prop_assert!(
            matches!(result, Err(CryptoError::InvalidToken(_))),
            "{:?} gave {:?} for {:?}", m, result, damaged
        );
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    /// Any string, and any JWS-shaped forgery, is rejected as an invalid token.
    #[test]
    fn arbitrary_strings_are_rejected(token in prop_oneof![any::<String>(), forged_token()]) {
        let result = verify(&token);
        prop_assert!(matches!(result, Err(CryptoError::InvalidToken(_))), "{:?}", result);
    }
}
