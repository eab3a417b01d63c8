//! What checking the caller as it is now costs (SPEC §3.1, issue 9): every management call reads
//! the caller's standing (client or user by primary key, flat joins to its roles) beside the
//! revocation check it already made. Times each read alone and the whole `service::authorize`
//! on a real database, sequentially, and prints microseconds per call.
//!
//! ```text
//! cargo run --release --example bench-authority [-- --database-url URL] [--calls 20000]
//! ```
//! Without `--database-url` a fresh SQLite file in a temporary directory is used.

use portcullis::app;
use portcullis::clock::Clock;
use portcullis::config::{Config, ConfigArgs};
use portcullis::domain::{Caller, ClientId, TenantId};
use portcullis::service::{authorize, Rule, ServiceError};
use portcullis::store;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-authority: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut database_url = None;
    let mut calls: u32 = 20_000;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--database-url" => database_url = Some(value),
            "--calls" => calls = value.parse().map_err(|_| "bad --calls".to_owned())?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    let dir = std::env::temp_dir().join(format!("bench-authority-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let database_url =
        database_url.unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let config = Config::resolve(&ConfigArgs {
        database_url: Some(database_url.clone()),
        keys_dir: Some(dir.join("keys")),
        master_key_file: Some(dir.join("master.key")),
        ..ConfigArgs::default()
    })
    .map_err(|e| e.to_string())?;
    let ctx = app::build_context(config, Clock::System).map_err(|e| e.to_string())?;
    let name = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let admin = portcullis::service::bootstrap::bootstrap(&ctx, &name, "bench@localhost")
        .map_err(|e| e.to_string())?;
    let tenant = TenantId::parse(&admin.tenant_id).map_err(|e| e.to_string())?;
    let client = ClientId::parse(&admin.admin_client_id).map_err(|e| e.to_string())?;
    let caller = Caller {
        tenant_id: tenant.clone(),
        client_id: Some(client.clone()),
        user_id: None,
        role_type_ids: Vec::new(),
        token_id: "bench-jti".to_owned(),
        origin: Default::default(),
    };
    let time = |label: &str, work: &dyn Fn() -> Result<(), ServiceError>| -> Result<(), String> {
        for _ in 0..1_000 {
            work().map_err(|e| e.to_string())?; // warm up
        }
        let started = Instant::now();
        for _ in 0..calls {
            work().map_err(|e| e.to_string())?;
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / f64::from(calls);
        println!("{label}: {micros:.1} µs per call ({calls} calls)");
        Ok(())
    };
    let backend = if database_url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!("backend: {backend}");
    time("revocation check (one indexed read)", &|| {
        ctx.store
            .read(|c| store::grants::is_revoked(c, "bench-jti").map(drop))
            .map_err(ServiceError::from)
    })?;
    time("caller standing (one indexed read)", &|| {
        ctx.store
            .read(|c| store::clients::standing(c, &tenant, &client).map(drop))
            .map_err(ServiceError::from)
    })?;
    time("service::authorize (revocation, standing, tenant)", &|| {
        ctx.store
            .read(|c| authorize(c, &caller, &tenant, Rule::Admin).map(drop))
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
