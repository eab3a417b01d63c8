//! Registry filler for the scale benchmark (SPEC §10 "cost does not grow with the registry"): fills a
//! tenant with client-credentials clients and gives one client extra secrets, through the library's
//! store functions (`store::clients::insert`, `insert_secret`) in ONE transaction — not through
//! 50 000 management-API calls. A benchmark tool, not part of the `portcullis` CLI; `bench/run.sh`
//! builds it (`cargo build --release --example bench-fill`) and runs it against the database of a
//! server it started.
//!
//! ```text
//! bench-fill --database-url URL --tenant TENANT_ID --role ROLE_ID [--clients 50000]
//!            [--secrets-for CLIENT_ID --secrets 10]
//! ```
//!
//! `--clients` is the number of clients the tenant holds afterwards (all kinds, as the 50 000
//! limit counts them); every added client holds `--role`, tags `fill` and `group-<i mod 100>`, and
//! is created before the existing ones. `--secrets` is the number of secrets `--secrets-for` holds
//! afterwards. Prints one line: `filled N clients, M secrets in S s`.

use std::process::ExitCode;
use std::time::Instant;

use portcullis::crypto::ClientSecretValue;
use portcullis::domain::{Client, ClientId, ClientKind, ClientSecret, RoleId, TenantId};
use portcullis::store::{self, Store, StoreError};

struct Args {
    database_url: String,
    tenant: TenantId,
    role: RoleId,
    clients: i64,
    secrets_for: Option<ClientId>,
    secrets: i64,
}

fn parse_args() -> Result<Args, String> {
    let mut database_url = None;
    let mut tenant = None;
    let mut role = None;
    let mut clients = 50_000;
    let mut secrets_for = None;
    let mut secrets = 10;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<i64>()
                .map_err(|_| format!("{flag}: bad number {v:?}"))
        };
        match flag.as_str() {
            "--database-url" => database_url = Some(value),
            "--tenant" => tenant = Some(TenantId::parse(&value).map_err(|e| e.to_string())?),
            "--role" => role = Some(RoleId::parse(&value).map_err(|e| e.to_string())?),
            "--clients" => clients = number(&value)?,
            "--secrets-for" => {
                secrets_for = Some(ClientId::parse(&value).map_err(|e| e.to_string())?)
            }
            "--secrets" => secrets = number(&value)?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Args {
        database_url: database_url.ok_or("--database-url is required")?,
        tenant: tenant.ok_or("--tenant is required")?,
        role: role.ok_or("--role is required")?,
        clients,
        secrets_for,
        secrets,
    })
}

fn filler(tenant: &TenantId, role: &RoleId, i: i64, created: i64) -> Client {
    Client {
        id: ClientId::generate(),
        tenant_id: tenant.clone(),
        kind: ClientKind::ClientCredentials,
        name: format!("fill {i}"),
        enabled: true,
        access_token_lifetime: 3600,
        tags: vec!["fill".to_owned(), format!("group-{}", i % 100)],
        role_ids: vec![role.clone()],
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        allowed_cors_origins: Vec::new(),
        client_uri: None,
        logo_uri: None,
        allow_offline_access: false,
        allow_access_tokens_via_browser: false,
        created,
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let store = Store::open(&args.database_url, 2).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let (added, secrets) = store
        .write(|conn| -> Result<(i64, i64), StoreError> {
            let have = store::clients::count_in_tenant(conn, &args.tenant)?;
            let add = (args.clients - have).max(0);
            for i in 0..add {
                // Older than every existing client, so a page at the end of the list is a page
                // of real clients and the first pages are filler.
                let c = filler(&args.tenant, &args.role, i, now - 10 * add + 10 * i);
                store::clients::insert(conn, &c)?;
            }
            let mut secrets = 0;
            if let Some(client) = &args.secrets_for {
                let have = store::client_secrets::list_secrets(conn, client)?.len() as i64;
                for n in have..args.secrets {
                    let value = ClientSecretValue::generate()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    store::client_secrets::insert_secret(
                        conn,
                        &ClientSecret {
                            client_id: client.clone(),
                            id: 0,
                            description: Some(format!("fill secret {n}")),
                            expiration: Some(now + 365 * 86_400),
                            secret_hash: value.hash().as_str().to_owned(),
                            created: now,
                        },
                    )?;
                    secrets += 1;
                }
            }
            Ok((add, secrets))
        })
        .map_err(|e| e.to_string())?;
    println!(
        "filled {added} clients, {secrets} secrets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-fill failed: {e}");
            ExitCode::FAILURE
        }
    }
}
