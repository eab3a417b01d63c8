//! `portcullis selftest` (SPEC §13.4): the real binary against a real server, healthy and
//! misconfigured.

use crate::harness::*;

/// Every check, in the order they are printed.
const ALL: [&str; 10] = [
    "discovery",
    "discovery-rfc8414",
    "issuer",
    "tls",
    "clock",
    "readyz",
    "cookies",
    "jwks",
    "token",
    "api",
];

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// `(verdict, name)` of every line, asserting the `VERDICT name: detail` shape.
    fn verdicts(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .map(|line| {
                let (head, detail) = line
                    .split_once(": ")
                    .unwrap_or_else(|| panic!("not 'VERDICT name: detail': {line}"));
                let (verdict, name) = head.split_once(' ').unwrap();
                assert!(["PASS", "FAIL"].contains(&verdict), "{line}");
                assert!(!detail.trim().is_empty(), "no detail: {line}");
                (verdict.to_owned(), name.to_owned())
            })
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.verdicts().into_iter().map(|(_, n)| n).collect()
    }

    fn failed(&self) -> Vec<String> {
        self.verdicts()
            .into_iter()
            .filter(|(v, _)| v == "FAIL")
            .map(|(_, n)| n)
            .collect()
    }

    fn line(&self, name: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.split(' ').nth(1) == Some(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} line in\n{}", self.stdout))
    }
}

async fn selftest(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("selftest")
        .args(args)
        .current_dir(dir.path())
        .env_remove("PORTCULLIS_SELFTEST_CLIENT_SECRET")
        .output()
        .await
        .expect("the binary runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

async fn with_admin(server: &TestServer, url: &str, secret: &str) -> Run {
    selftest(&[
        "--url",
        url,
        "--client-id",
        &server.admin.admin_client_id,
        "--client-secret",
        secret,
    ])
    .await
}

#[tokio::test]
async fn a_healthy_deployment_passes_every_check() {
    let server = TestServer::spawn().await;
    let run = with_admin(&server, &server.base, &server.admin.admin_client_secret).await;
    assert_eq!(run.names(), ALL, "{}\n{}", run.stdout, run.stderr);
    assert!(run.failed().is_empty(), "{}", run.stdout);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let kid = jwt_header(
        &server
            .token_for(
                &server.admin.admin_client_id,
                &server.admin.admin_client_secret,
            )
            .await,
    )["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(run.line("jwks").contains(&kid), "{}", run.line("jwks"));
    assert!(
        run.line("api").contains(&server.admin.tenant_id),
        "{}",
        run.line("api")
    );
    assert!(run.line("tls").contains("loopback"), "{}", run.line("tls"));
    // A trailing slash names the same deployment.
    let slash = with_admin(
        &server,
        &format!("{}/", server.base),
        &server.admin.admin_client_secret,
    )
    .await;
    assert_eq!(slash.code, Some(0), "{}", slash.stdout);
}

#[tokio::test]
async fn without_credentials_the_token_and_api_checks_are_left_out() {
    let server = TestServer::spawn().await;
    let run = selftest(&["--url", &server.base]).await;
    assert_eq!(run.names(), ALL[..8], "{}", run.stdout);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--client-id"), "{}", run.stderr);
}

#[tokio::test]
async fn a_public_url_other_than_where_the_server_is_reached_fails_issuer_equality() {
    let server = TestServer::spawn_with(Options {
        public_url: Some("http://127.0.0.1:1".to_owned()),
        ..Default::default()
    })
    .await;
    let run = with_admin(&server, &server.base, &server.admin.admin_client_secret).await;
    assert_eq!(
        run.names(),
        ALL,
        "exit {:?}\n{}\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
    assert_eq!(run.failed(), ["issuer"], "{}", run.stdout);
    assert!(
        run.line("issuer").contains("http://127.0.0.1:1/identity"),
        "{}",
        run.line("issuer")
    );
    assert_eq!(run.code, Some(1));
}

#[tokio::test]
async fn a_wrong_client_secret_fails_the_round_trip() {
    let server = TestServer::spawn().await;
    let run = with_admin(&server, &server.base, "not-the-secret").await;
    assert_eq!(run.failed(), ["token", "api"], "{}", run.stdout);
    assert!(
        run.line("token").contains("invalid_client"),
        "{}",
        run.line("token")
    );
    assert!(!run.stdout.contains("not-the-secret"));
    assert_eq!(run.code, Some(1));
}

#[tokio::test]
async fn an_unreachable_deployment_fails_and_a_bad_url_is_a_usage_error() {
    // Port 1 on loopback: nothing listens there.
    let run = selftest(&["--url", "http://127.0.0.1:1"]).await;
    assert_eq!(run.code, Some(1));
    for name in ["discovery", "issuer", "readyz", "jwks"] {
        assert!(run.failed().contains(&name.to_owned()), "{}", run.stdout);
    }
    let bad = selftest(&["--url", "ftp://example"]).await;
    assert_eq!(bad.code, Some(1));
    assert!(bad.stdout.is_empty());
    assert!(bad.stderr.contains("http or https"), "{}", bad.stderr);
}
