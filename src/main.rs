//! The `portcullis` command line (SPEC §1.1). Parses arguments and calls the library; no logic.
//! Exit codes: 0 ok, 1 user error (message on stderr), 2 internal error.

use clap::{Parser, Subcommand};
use portcullis::clock::Clock;
use portcullis::commands;
use portcullis::config::{Config, ConfigArgs, LogFormat};
use portcullis::crypto::keys::SigningAlg;
use portcullis::domain::TenantId;
use portcullis::service::{self, ServiceError};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "portcullis",
    version,
    about = "OAuth 2.0 / OpenID Connect authorization server"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, load or create signing keys, start the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create a tenant with an administrator user and client; prints their credentials as JSON.
    Bootstrap {
        #[arg(long, default_value = "Default")]
        tenant_name: String,
        #[arg(long, default_value = "admin@localhost")]
        admin_email: String,
    },
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Users.
    #[command(subcommand)]
    User(UserCommand),
    /// Signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Check a live deployment from outside; one line per check, exit 0 only if all pass.
    Selftest {
        /// The public URL of the deployment (what PORTCULLIS_PUBLIC_URL should be).
        #[arg(long)]
        url: String,
        /// A client-credentials client for the token and management API checks.
        #[arg(long, requires = "client_secret")]
        client_id: Option<String>,
        /// Its secret (better given by the environment than on the command line).
        #[arg(
            long,
            env = "PORTCULLIS_SELFTEST_CLIENT_SECRET",
            hide_env_values = true,
            requires = "client_id"
        )]
        client_secret: Option<String>,
    },
    /// Identity providers of a tenant (upstream OpenID Providers, SPEC §12).
    #[command(subcommand)]
    Idp(IdpCommand),
}

#[derive(Subcommand)]
enum IdpCommand {
    /// Add an upstream OpenID Provider (its discovery document is checked); prints its JSON.
    Add {
        #[arg(long)]
        tenant: String,
        /// The name on the "Sign in with …" button.
        #[arg(long)]
        name: String,
        /// The upstream issuer (https; http only for loopback hosts).
        #[arg(long)]
        authority: String,
        #[arg(long)]
        client_id: String,
        /// Read the client secret from standard input.
        #[arg(long)]
        client_secret_stdin: bool,
        /// Space-separated scopes (default: openid profile email).
        #[arg(long)]
        scopes: Option<String>,
        /// Create unknown users at their first sign-in.
        #[arg(long)]
        allow_auto_provisioning: bool,
        /// Default role Ids of auto-provisioned users (Tenant Member is always added).
        #[arg(long = "default-role")]
        default_roles: Vec<String>,
    },
    /// List the identity providers of a tenant as JSON (the Local one first).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Remove an upstream identity provider.
    Remove {
        #[arg(long)]
        tenant: String,
        id: String,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant with its built-in roles; prints the Tenant JSON.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local user (password read from standard input); prints the User JSON.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Also grant Tenant Administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input (required).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List signing keys with their state.
    List,
    /// Add a next key that starts signing after the JWKS cache lifetime.
    Rotate {
        /// Algorithm (default: RS256 and the configured access-token algorithm).
        #[arg(long)]
        alg: Option<String>,
    },
    /// Stop signing with a key (it stays published until its tokens have expired).
    Retire {
        /// The key id. A kid is base64url and may start with '-', so that is not read as a flag.
        #[arg(allow_hyphen_values = true)]
        kid: String,
    },
    /// Copy the key directory's keys into the database (PORTCULLIS_KEYS_STORE=database); idempotent.
    Import,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::resolve(&cli.config) {
        Ok(c) => c,
        Err(e) => return commands::fail(1, &e.to_string()),
    };
    init_logging(&config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => commands::serve(config),
        Command::Migrate => commands::migrate(&config),
        Command::Bootstrap {
            tenant_name,
            admin_email,
        } => commands::with_context(config, |ctx| {
            let out = service::bootstrap::bootstrap(ctx, &tenant_name, &admin_email)?;
            commands::print_json(&out)
        }),
        Command::Tenant(TenantCommand::Create { name, id }) => {
            commands::with_context(config, |ctx| {
                let id = match id {
                    Some(raw) => Some(TenantId::parse(&raw).map_err(|e| {
                        ServiceError::bad_request(e.to_string(), "Pass --id as a GUID.")
                    })?),
                    None => None,
                };
                let t = service::tenants::create(ctx, &name, id)?;
                commands::print_json(&portcullis::http::api::views::tenant(&t))
            })
        }
        Command::User(UserCommand::Add {
            tenant,
            email,
            name,
            admin,
            password_stdin: _,
        }) => commands::with_context(config, |ctx| {
            let tenant = TenantId::parse(&tenant).map_err(|e| {
                ServiceError::bad_request(e.to_string(), "Pass --tenant as a GUID.")
            })?;
            let password = commands::read_password_stdin()?;
            let input = service::users::UserInput {
                email: Some(email.clone()),
                name: name.clone(),
                password: Some(password),
                ..Default::default()
            };
            let user = service::users::create_local(ctx, &tenant, input, admin)?;
            commands::print_json(&portcullis::http::api::views::user(&user))
        }),
        Command::Selftest {
            url,
            client_id,
            client_secret,
        } => portcullis::selftest::run(&portcullis::selftest::Options {
            url,
            client: client_id
                .zip(client_secret)
                .map(
                    |(client_id, client_secret)| portcullis::selftest::Credentials {
                        client_id,
                        client_secret,
                    },
                ),
        }),
        Command::Idp(cmd) => commands::with_context(config, |ctx| idp(ctx, cmd)),
        Command::Keys(cmd) => {
            let store = match commands::key_source(&config) {
                Ok(s) => s,
                Err(code) => return code,
            };
            let now = Clock::System.now();
            match cmd {
                KeysCommand::List => commands::keys_list(&store, now),
                KeysCommand::Rotate { alg } => {
                    let algs = match alg {
                        Some(a) => match a.parse::<SigningAlg>() {
                            Ok(a) => vec![a],
                            Err(_) => {
                                return commands::fail(1, &format!("unknown algorithm '{a}'"))
                            }
                        },
                        None => commands::configured_algs(&config),
                    };
                    commands::keys_rotate(&config, &store, &algs, now)
                }
                KeysCommand::Retire { kid } => commands::keys_retire(&config, &store, &kid, now),
                KeysCommand::Import => commands::keys_import(&config, &store, now),
            }
        }
    }
}

fn idp(ctx: &service::Context, cmd: IdpCommand) -> Result<(), ServiceError> {
    use service::identity_providers::{self as idps, Actor, IdentityProviderInput, ScopesInput};
    let tenant_of = |raw: &str| {
        TenantId::parse(raw)
            .map_err(|e| ServiceError::bad_request(e.to_string(), "Pass --tenant as a GUID."))
    };
    let issuer = ctx.config.issuer();
    match cmd {
        IdpCommand::Add {
            tenant,
            name,
            authority,
            client_id,
            client_secret_stdin,
            scopes,
            allow_auto_provisioning,
            default_roles,
        } => {
            let tenant = tenant_of(&tenant)?;
            let client_secret = match client_secret_stdin {
                true => Some(commands::read_password_stdin()?),
                false => None,
            };
            let input = IdentityProviderInput {
                display_name: Some(name),
                authority: Some(authority),
                client_id: Some(client_id),
                client_secret,
                scopes: scopes.map(ScopesInput::Text),
                allow_auto_provisioning: Some(allow_auto_provisioning),
                default_role_ids: Some(default_roles),
                ..Default::default()
            };
            let p = commands::block_on(idps::create(ctx, None, tenant, input))??;
            commands::print_json(&portcullis::http::api::idp_view(&p, &issuer))
        }
        IdpCommand::List { tenant } => {
            let tenant = tenant_of(&tenant)?;
            let q = portcullis::domain::ListQuery {
                count: 1000,
                ..Default::default()
            };
            let page = idps::list(ctx, Actor::Operator, &tenant, &q)?;
            let views: Vec<_> = page
                .items
                .iter()
                .map(|p| portcullis::http::api::idp_view(p, &issuer))
                .collect();
            commands::print_json(&views)
        }
        IdpCommand::Remove { tenant, id } => {
            let tenant = tenant_of(&tenant)?;
            let id = idps::parse_provider_id(&id)?;
            idps::delete(ctx, Actor::Operator, &tenant, &id)
        }
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
