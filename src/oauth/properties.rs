//! Property tests (issue 9, "Trust") of the protocol parsers that read what the network sends: form
//! bodies, client credentials, bearer tokens, redirect URIs and PKCE verifiers. Each property runs
//! thousands of generated cases (proptest shrinks a failure to a minimal input). The contract under
//! test: a valid result, or an `OAuthError` with the code the RFC names — never a panic.

use super::authorize::redirect_uri_matches;
use super::bearer::presented_bearer;
use super::client_auth::{presented_client, PresentedClient};
use super::form::FormParams;
use super::{pkce, ErrorCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Cases per property: the parsers are cheap, so many.
const CASES: u32 = 5_000;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(CASES)
}

// ---------------------------------------------------------------------------------------------
// Generators

/// Parameter names the protocol reads (so generated bodies repeat them often), or anything.
fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&[
            "grant_type", "client_id", "client_secret", "scope", "code", "redirect_uri",
            "code_verifier", "refresh_token", "access_token", "a",
        ][..])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// A parameter value: empty (treated as omitted), form-ish text, or any unicode (NUL included).
fn param_value() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        3 => "[a-zA-Z0-9 +%:&=._~/-]{1,12}",
        2 => any::<String>(),
    ]
}

/// How one name or value is written into a body.
#[derive(Clone, Copy, Debug)]
enum Encoding {
    /// `application/x-www-form-urlencoded`, as a browser would.
    Form,
    /// Every byte as `%XX` (so `a` and `%61` are the same name).
    PercentAll,
    /// Unencoded: `&`, `=`, `%` and `+` keep their meaning in the body.
    Raw,
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        3 => Just(Encoding::Form),
        1 => Just(Encoding::PercentAll),
        1 => Just(Encoding::Raw),
    ]
}

fn encode(s: &str, how: Encoding) -> String {
    match how {
        Encoding::Form => url::form_urlencoded::byte_serialize(s.as_bytes()).collect(),
        Encoding::PercentAll => s.bytes().map(|b| format!("%{b:02X}")).collect(),
        Encoding::Raw => s.to_owned(),
    }
}

/// A urlencoded body of generated parameters, each written in its own way.
fn form_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => vec((param_name(), param_value(), encoding(), encoding()), 0..8).prop_map(|params| {
            params
                .iter()
                .map(|(k, v, hk, hv)| format!("{}={}", encode(k, *hk), encode(v, *hv)))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        }),
        1 => vec(any::<u8>(), 0..256),
        1 => vec(select(&b"a=&%+;0Fz\0\xff"[..]), 0..64),
    ]
}

/// The pairs of a body with a non-empty value, decoded as the form parser decodes them.
fn nonempty_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// An `Authorization` scheme as clients (mis)spell it.
fn scheme() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&["Basic", "basic", "BASIC", "bAsIc"][..]).prop_map(str::to_owned),
        1 => select(&["Bearer", "Digest", "", "Basic:", "Basicx"][..]).prop_map(str::to_owned),
        1 => "[A-Za-z]{0,8}",
    ]
}

/// Text before base64-encoding: ids and secrets with colons, `%` escapes (valid or not), `+`.
fn credentials_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9:%+ ]{0,24}",
        "([a-z]{0,4}(%[0-9A-Fa-f]{2}|%[0-9A-Za-z]{0,2}|:|\\+)){0,6}",
        any::<String>(),
    ]
}

/// An `Authorization` header value: Basic with arbitrary base64 (of non-UTF-8 bytes too), broken
/// base64, other schemes, any unicode.
fn authorization() -> impl Strategy<Value = String> {
    let space = select(&[" ", "  ", " \t", "\t", ""][..]);
    prop_oneof![
        (scheme(), space.clone(), vec(any::<u8>(), 0..48))
            .prop_map(|(s, w, bytes)| format!("{s}{w}{}", STANDARD.encode(bytes))),
        (scheme(), space.clone(), credentials_text())
            .prop_map(|(s, w, text)| format!("{s}{w}{}", STANDARD.encode(text))),
        (scheme(), space, "[A-Za-z0-9+/=!%:._ -]{0,40}")
            .prop_map(|(s, w, junk)| format!("{s}{w}{junk}")),
        any::<String>(),
    ]
}

/// A form body as the client-authentication code sees it: client_id and client_secret appear
/// (or not), often equal to what the header carries.
fn client_form() -> impl Strategy<Value = String> {
    let field = |name: &'static str| {
        prop::option::of(prop_oneof![
            Just(String::new()),
            "[a-z0-9:%+ ]{1,10}",
            any::<String>()
        ])
        .prop_map(move |v| {
            // NUL is the form parser's refusal (tested above), not this property's subject.
            v.map(|v| format!("{name}={}", encode(&v.replace('\0', ""), Encoding::Form)))
                .unwrap_or_default()
        })
    };
    (field("client_id"), field("client_secret")).prop_map(|(a, b)| format!("{a}&{b}"))
}

fn basic_header(scheme: &str, id: &str, secret: &str) -> String {
    let id = encode(id, Encoding::Form);
    let secret = encode(secret, Encoding::Form);
    format!("{scheme} {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// RFC 7636 §4.1 `code_verifier`: 43 to 128 unreserved characters.
fn verifier() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~-]{43,128}"
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn well_formed_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A path of a redirect URI: `/`, `/cb`, `/a/b-c/`, ...
fn uri_path() -> impl Strategy<Value = String> {
    vec("[a-zA-Z0-9_-]{0,6}", 0..4).prop_map(|segments| format!("/{}", segments.join("/")))
}

fn port() -> impl Strategy<Value = String> {
    prop::option::of(1u16..).prop_map(|p| p.map(|p| format!(":{p}")).unwrap_or_default())
}

/// A registered redirect URI that is not an RFC 8252 §7.3 loopback URI: https and http on DNS
/// names (`localhost` included: it gets exact matching), https on a loopback IP, other loopback
/// addresses, private-use schemes (RFC 8252 §7.1).
fn non_loopback_uri() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        4 => "[a-z]{1,8}(\\.[a-z]{2,4}){0,2}",
        1 => select(&["localhost", "127.0.0.2", "[::2]", "127.0.0.1.example.com"][..])
            .prop_map(str::to_owned),
    ];
    let query = prop::option::of("[a-z0-9=&]{0,8}")
        .prop_map(|q| q.map(|q| format!("?{q}")).unwrap_or_default());
    prop_oneof![
        4 => (select(&["https", "http"][..]), host, port(), uri_path(), query)
            .prop_map(|(s, h, p, path, q)| format!("{s}://{h}{p}{path}{q}")),
        1 => (select(&["127.0.0.1", "[::1]"][..]), port(), uri_path())
            .prop_map(|(h, p, path)| format!("https://{h}{p}{path}")),
        1 => ("[a-z]{1,6}", uri_path()).prop_map(|(app, path)| format!("com.example.{app}:{path}")),
    ]
}

/// `uri` changed a little: a character inserted, removed or case-flipped, a port, a slash, a query
/// or a fragment added, or replaced outright. Often it is left as it is.
fn near(uri: String) -> impl Strategy<Value = String> {
    let u = uri.clone();
    prop_oneof![
        1 => Just(uri.clone()),
        2 => (any::<Index>(), any::<char>()).prop_map({
            let u = u.clone();
            move |(i, c)| {
                let mut s = u.clone();
                let at = char_boundary(&s, i);
                s.insert(at, c);
                s
            }
        }),
        2 => any::<Index>().prop_map({
            let u = u.clone();
            move |i| {
                let mut s = u.clone();
                if !s.is_empty() {
                    let at = char_boundary(&s, i).min(s.len() - 1);
                    let at = (0..=at).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0);
                    s.remove(at);
                }
                s
            }
        }),
        1 => any::<Index>().prop_map({
            let u = u.clone();
            move |i| {
                let mut s: Vec<char> = u.chars().collect();
                if !s.is_empty() {
                    let at = i.index(s.len());
                    s[at] = if s[at].is_ascii_uppercase() {
                        s[at].to_ascii_lowercase()
                    } else {
                        s[at].to_ascii_uppercase()
                    };
                }
                s.into_iter().collect()
            }
        }),
        2 => (port(), select(&["/", "?x=1", "#f", "/.", "%2F"][..])).prop_map({
            let u = u.clone();
            move |(p, tail)| {
                // A port after the authority when there is one, and a tail at the end.
                let with_port = match u.find("://") {
                    Some(i) => {
                        let end = u[i + 3..].find('/').map_or(u.len(), |j| i + 3 + j);
                        format!("{}{p}{}", &u[..end], &u[end..])
                    }
                    None => u.clone(),
                };
                format!("{with_port}{tail}")
            }
        }),
        1 => any::<String>(),
    ]
}

fn char_boundary(s: &str, i: Index) -> usize {
    let at = i.index(s.len() + 1);
    (0..=at).rev().find(|&j| s.is_char_boundary(j)).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config())]

    /// `FormParams::parse` on any bytes: `Ok` exactly when no parameter with a value is repeated
    /// (RFC 6749 §3.1) and nothing contains NUL; then every such parameter reads back as decoded,
    /// and nothing else is there. A refusal is `invalid_request`.
    #[test]
    fn form_parse_accepts_exactly_the_bodies_without_repeats(body in form_body()) {
        let pairs = nonempty_pairs(&body);
        let mut seen = HashMap::new();
        let repeated = pairs.iter().any(|(k, v)| seen.insert(k.clone(), v.clone()).is_some());
        let nul = pairs.iter().any(|(k, v)| k.contains('\0') || v.contains('\0'));
        match FormParams::parse(&body) {
            Ok(params) => {
                prop_assert!(!repeated && !nul, "accepted a repeat or a NUL: {:?}", pairs);
                for (k, v) in &pairs {
                    prop_assert_eq!(params.get(k), Some(v.as_str()));
                }
                prop_assert_eq!(params.iter().count(), pairs.len());
            }
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::InvalidRequest);
                prop_assert!(repeated || nul, "refused a good body: {:?}: {}", pairs, e);
            }
        }
    }

    /// A parameter repeated with a value, however either occurrence is encoded (`client_id` and
    /// `%63lient_id` are one name), is refused with `invalid_request`; an empty repeat is omitted.
    #[test]
    fn form_parse_refuses_a_repeated_parameter(
        params in vec(("[a-z_]{1,12}", "[a-zA-Z0-9 :/._-]{1,12}"), 1..6),
        which in any::<Index>(),
        again in "[a-zA-Z0-9 :/._-]{1,12}",
        first_encoding in encoding(),
        repeat_encoding in encoding(),
    ) {
        let body = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k, first_encoding), encode(v, Encoding::Form)))
            .collect::<Vec<_>>()
            .join("&");
        let (name, _) = which.get(&params);
        let name = encode(name, repeat_encoding);
        let with_empty = format!("{body}&{name}=");
        let distinct: std::collections::HashSet<_> = params.iter().map(|(k, _)| k).collect();
        prop_assert_eq!(
            FormParams::parse(with_empty.as_bytes()).is_ok(),
            distinct.len() == params.len()
        );
        let repeated = format!("{body}&{name}={}", encode(&again, Encoding::Form));
        let e = FormParams::parse(repeated.as_bytes()).unwrap_err();
        prop_assert_eq!(e.code, ErrorCode::InvalidRequest);
    }

    /// `presented_client` with any `Authorization` value and form: the credentials of exactly one
    /// method, or `invalid_request` (two methods, a mismatch) / `invalid_client` (bad Basic).
    #[test]
    fn presented_client_is_one_method_or_a_client_error(
        header in prop::option::of(authorization()),
        body in client_form(),
    ) {
        let form = FormParams::parse(body.as_bytes()).unwrap();
        let basic_scheme = header.as_deref().is_some_and(|h| {
            h.trim().split_once(' ').is_some_and(|(s, _)| s.eq_ignore_ascii_case("basic"))
        });
        match presented_client(header.as_deref(), &form) {
            Ok(Some(PresentedClient::Basic { client_id, secret: _ })) => {
                prop_assert!(basic_scheme);
                prop_assert!(!client_id.is_empty());
                prop_assert_eq!(form.get("client_secret"), None);
                prop_assert!(form.get("client_id").is_none_or(|f| f == client_id));
            }
            Ok(Some(PresentedClient::Post { client_id, secret })) => {
                prop_assert_eq!(form.get("client_id"), Some(client_id.as_str()));
                prop_assert_eq!(form.get("client_secret"), Some(secret.as_str()));
            }
            Ok(Some(PresentedClient::Public { client_id })) => {
                prop_assert_eq!(form.get("client_id"), Some(client_id.as_str()));
                prop_assert_eq!(form.get("client_secret"), None);
            }
            Ok(None) => {
                prop_assert_eq!(form.get("client_id"), None);
                prop_assert_eq!(form.get("client_secret"), None);
            }
            Err(e) => {
                prop_assert!(
                    matches!(e.code, ErrorCode::InvalidRequest | ErrorCode::InvalidClient),
                    "{}", e
                );
                if e.code == ErrorCode::InvalidClient {
                    prop_assert!(basic_scheme, "invalid_client without Basic: {}", e);
                }
            }
        }
    }

    /// RFC 6749 §2.3.1: Basic credentials form-urlencoded then base64-encoded read back exactly,
    /// whatever characters (colons, `%`, `+`, unicode) the id and secret hold; a form `client_id`
    /// that differs, or a form `client_secret`, is `invalid_request`.
    #[test]
    fn basic_credentials_round_trip(
        scheme in select(&["Basic", "basic", "BASIC"][..]),
        id in any::<String>().prop_filter("non-empty id", |s| !s.is_empty()),
        secret in any::<String>(),
        other in any::<String>(),
    ) {
        let header = basic_header(scheme, &id, &secret);
        let got = presented_client(Some(&header), &FormParams::default()).unwrap();
        prop_assert_eq!(
            got,
            Some(PresentedClient::Basic { client_id: id.clone(), secret: secret.clone() })
        );
        if !id.contains('\0') {
            let same_id = format!("client_id={}", encode(&id, Encoding::Form));
            let same_id = FormParams::parse(same_id.as_bytes()).unwrap();
            prop_assert!(presented_client(Some(&header), &same_id).is_ok());
        }
        if !other.is_empty() && !other.contains('\0') {
            let field = |name: &str| {
                FormParams::parse(format!("{name}={}", encode(&other, Encoding::Form)).as_bytes())
                    .unwrap()
            };
            let e = presented_client(Some(&header), &field("client_secret")).unwrap_err();
            prop_assert_eq!(e.code, ErrorCode::InvalidRequest);
            if other != id {
                let e = presented_client(Some(&header), &field("client_id")).unwrap_err();
                prop_assert_eq!(e.code, ErrorCode::InvalidRequest);
            }
        }
    }

    /// `presented_bearer` with any header and form: a non-empty, trimmed token, nothing, or
    /// `invalid_request` only when both the header and the body carry one (RFC 6750 §2).
    #[test]
    fn presented_bearer_is_one_token_or_invalid_request(
        header in prop::option::of(prop_oneof![
            (select(&["Bearer", "bearer", "BEARER", "Basic", ""][..]),
             select(&[" ", "  ", "\t", ""][..]),
             "[A-Za-z0-9._~+/=-]{0,20}")
                .prop_map(|(s, w, t)| format!("{s}{w}{t}")),
            any::<String>(),
        ]),
        body in prop::option::of(prop_oneof![
            "access_token=[A-Za-z0-9._~-]{0,10}",
            "(access_token|x)=[A-Za-z0-9%+]{0,10}(&access_token=[a-z]{0,3})?",
        ]),
    ) {
        let form = body.as_deref().and_then(|b| FormParams::parse(b.as_bytes()).ok());
        let in_body = form.as_ref().and_then(|f| f.get("access_token"));
        match presented_bearer(header.as_deref(), form.as_ref()) {
            Ok(Some(token)) => {
                prop_assert!(!token.is_empty());
                if in_body.is_none() {
                    prop_assert_eq!(token.trim(), token.as_str());
                    let h = header.as_deref().unwrap_or("").trim();
                    prop_assert!(h.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("bearer ")));
                } else {
                    prop_assert_eq!(Some(token.as_str()), in_body);
                }
            }
            Ok(None) => prop_assert_eq!(in_body, None),
            Err(e) => {
                prop_assert_eq!(e.code, ErrorCode::InvalidRequest);
                prop_assert!(in_body.is_some() && header.is_some());
            }
        }
    }

    /// RFC 6750 §2.1: `Bearer <b64token>` (any scheme case) gives back exactly the token.
    #[test]
    fn bearer_header_round_trip(
        scheme in select(&["Bearer", "bearer", "BEARER", "bEaReR"][..]),
        token in "[A-Za-z0-9._~+/-]{1,64}=*",
    ) {
        let got = presented_bearer(Some(&format!("{scheme} {token}")), None).unwrap();
        prop_assert_eq!(got, Some(token.clone()));
        let form = FormParams::parse(b"access_token=other").unwrap();
        let e = presented_bearer(Some(&format!("{scheme} {token}")), Some(&form)).unwrap_err();
        prop_assert_eq!(e.code, ErrorCode::InvalidRequest);
    }

    /// Redirect-URI matching on any two strings never panics and is reflexive; a match between
    /// different strings only ever happens for two `http` loopback-IP URIs with one host and path
    /// (RFC 8252 §7.3).
    #[test]
    fn redirect_uri_matching_is_exact_except_for_loopback_ports(
        (registered, requested) in prop_oneof![
            (any::<String>(), any::<String>()),
            non_loopback_uri().prop_flat_map(|r| (Just(r.clone()), near(r))),
            ("http://(127\\.0\\.0\\.1|\\[::1\\])(:[0-9]{1,5})?/[a-z]{0,4}")
                .prop_flat_map(|r| (Just(r.clone()), near(r))),
        ],
    ) {
        prop_assert!(redirect_uri_matches(&registered, &registered));
        prop_assert!(redirect_uri_matches(&requested, &requested));
        if redirect_uri_matches(&registered, &requested) && registered != requested {
            let r = url::Url::parse(&registered).unwrap();
            let q = url::Url::parse(&requested).unwrap();
            for u in [&r, &q] {
                prop_assert_eq!(u.scheme(), "http");
                prop_assert!(matches!(u.host_str(), Some("127.0.0.1" | "[::1]")));
            }
            prop_assert_eq!(r.host_str(), q.host_str());
            prop_assert_eq!(r.path(), q.path());
            prop_assert_eq!(r.query(), q.query());
            prop_assert_eq!(q.fragment(), None);
        }
    }

    /// SPEC §8, exact matching: for a registered URI that is not a loopback-IP `http` URI, only
    /// the identical string matches — not one with a port, a slash, a query, a fragment, another
    /// case or one character more or less.
    #[test]
    fn non_loopback_redirect_uris_match_only_identically(
        (registered, requested) in non_loopback_uri().prop_flat_map(|r| (Just(r.clone()), near(r))),
    ) {
        prop_assert_eq!(
            redirect_uri_matches(&registered, &requested),
            registered == requested,
            "registered {:?}, requested {:?}", registered, requested
        );
    }

    /// RFC 8252 §7.3: a loopback-IP `http` redirect URI matches with any port (or none), but not
    /// with another host, path, scheme, query, or a fragment.
    #[test]
    fn loopback_redirect_uris_match_any_port_only(
        host in select(&["127.0.0.1", "[::1]"][..]),
        registered_port in port(),
        requested_port in port(),
        path in uri_path(),
        change in 0usize..6,
    ) {
        let registered = format!("http://{host}{registered_port}{path}");
        let requested = format!("http://{host}{requested_port}{path}");
        prop_assert!(redirect_uri_matches(&registered, &requested), "{} {}", registered, requested);
        let other_host = if host == "[::1]" { "127.0.0.1" } else { "[::1]" };
        let changed = match change {
            0 => format!("http://{other_host}{requested_port}{path}"),
            1 => format!("http://localhost{requested_port}{path}"),
            2 => format!("https://{host}{requested_port}{path}"),
            3 => format!("{requested}x"),
            4 => format!("{requested}?x=1"),
            _ => format!("{requested}#f"),
        };
        prop_assert!(!redirect_uri_matches(&registered, &changed), "{} {}", registered, changed);
    }

    /// RFC 7636 §4.6: a well-formed verifier matches its own S256 challenge (which passes the
    /// challenge check), and no other verifier's.
    #[test]
    fn pkce_verifier_matches_its_own_challenge_only(v in verifier(), w in verifier()) {
        let challenge = s256(&v);
        prop_assert!(pkce::validate_challenge(Some(&challenge), Some("S256")).is_ok());
        prop_assert!(pkce::verify(Some(&v), &challenge).is_ok());
        if v != w {
            let e = pkce::verify(Some(&w), &challenge).unwrap_err();
            prop_assert_eq!(e.code, ErrorCode::InvalidGrant);
        }
    }

    /// PKCE on any verifier and challenge: `Ok` only for a well-formed verifier whose S256 is the
    /// challenge; a malformed verifier is `invalid_request`, a mismatch `invalid_grant`. The
    /// challenge check never panics and passes only 43 base64url characters with method S256.
    #[test]
    fn pkce_on_any_input_is_ok_or_the_right_code(
        (v, challenge) in prop_oneof![
            any::<String>(),
            verifier(),
            (verifier(), any::<Index>(), any::<char>()).prop_map(|(mut v, i, c)| {
                let at = i.index(v.len() + 1);
                v.insert(at, c);
                v
            }),
            "[A-Za-z0-9._~-]{40,45}|[A-Za-z0-9._~-]{126,131}",
        ]
        .prop_flat_map(|v| {
            let own = s256(&v);
            (Just(v), prop_oneof![
                Just(own),
                verifier().prop_map(|w| s256(&w)),
                any::<String>(),
                "[A-Za-z0-9_-]{42,44}",
            ])
        }),
        method in prop::option::of(prop_oneof![
            Just("S256".to_owned()),
            Just("plain".to_owned()),
            any::<String>()
        ]),
    ) {
        match pkce::verify(Some(&v), &challenge) {
            Ok(()) => {
                prop_assert!(well_formed_verifier(&v));
                prop_assert_eq!(s256(&v), challenge.clone());
            }
            Err(e) if well_formed_verifier(&v) => {
                prop_assert_eq!(e.code, ErrorCode::InvalidGrant);
                prop_assert_ne!(s256(&v), challenge.clone());
            }
            Err(e) => prop_assert_eq!(e.code, ErrorCode::InvalidRequest),
        }
        if pkce::validate_challenge(Some(&challenge), method.as_deref()).is_ok() {
            prop_assert_eq!(method.as_deref(), Some("S256"));
            prop_assert_eq!(challenge.len(), 43);
            prop_assert!(challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
    }
}
