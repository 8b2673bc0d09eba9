//! The `onestop` command: `serve` (default), `migrate`, `clients create`, `seed-demo`,
//! `openapi`.
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use onestop::{
    auth::Role,
    config::Settings,
    db, openapi,
    services::{self, clients::NewClient},
    startup::Application,
    telemetry,
};
use uuid::Uuid;

/// The back end of the telework one-stop consultation center.
#[derive(Debug, Parser)]
#[command(name = "onestop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply migrations and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API clients.
    Clients {
        #[command(subcommand)]
        command: ClientsCommand,
    },
    /// Fill the database with demo partners, managers, cases and one client per role, and
    /// print them (with the clients' secrets) as one JSON object.
    SeedDemo,
    /// Print the OpenAPI document (the committed openapi/openapi.json).
    Openapi,
}

#[derive(Debug, Subcommand)]
enum ClientsCommand {
    /// Create a client and print `{"client_id", "client_secret", ...}` as one JSON object.
    Create {
        /// partner, coordinator, manager, analyst or admin.
        #[arg(long)]
        role: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// The partner a partner client acts for.
        #[arg(long)]
        partner_id: Option<Uuid>,
        /// The manager a manager client acts as.
        #[arg(long)]
        manager_id: Option<Uuid>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_tracing();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("onestop: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Openapi => {
            print!("{}", openapi::document_json()?);
            Ok(())
        }
        Command::Migrate => {
            let settings = Settings::from_env()?;
            let db =
                db::connect_with_pool(&settings.database_url, settings.db_max_connections).await?;
            db::migrate(&db).await?;
            eprintln!(
                "migrations applied to {}",
                db::redact(&settings.database_url)
            );
            Ok(())
        }
        Command::Clients {
            command:
                ClientsCommand::Create {
                    role,
                    name,
                    partner_id,
                    manager_id,
                },
        } => {
            let settings = Settings::from_env()?;
            let role = Role::parse(&role).map_err(|message| anyhow::anyhow!("--role {message}"))?;
            let db =
                db::connect_with_pool(&settings.database_url, settings.db_max_connections).await?;
            db::migrate(&db).await?;
            let created = services::clients::create(
                &db,
                NewClient {
                    name,
                    role,
                    partner_id,
                    manager_id,
                },
            )
            .await
            .map_err(|error| match error.problem().errors {
                Some(errors) => anyhow::anyhow!(
                    "{}",
                    errors
                        .iter()
                        .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                None => anyhow::anyhow!("{error}"),
            })?;
            let output = serde_json::json!({
                "id": created.client.id,
                "client_id": created.client.client_id,
                "client_secret": created.client_secret,
                "name": created.client.name,
                "role": created.client.role,
                "partner_id": created.client.partner_id,
                "manager_id": created.client.manager_id,
            });
            println!("{output}");
            Ok(())
        }
        Command::SeedDemo => {
            let settings = Settings::from_env()?;
            let db =
                db::connect_with_pool(&settings.database_url, settings.db_max_connections).await?;
            db::migrate(&db).await?;
            services::routing::ensure_default_rules(&db).await?;
            let seeded = onestop::demo::seed(&db).await?;
            println!("{seeded}");
            Ok(())
        }
        Command::Serve => serve().await,
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let application = Application::build(settings.clone()).await?;
    let address = format!("http://{}:{}", settings.bind.ip(), application.port());
    println!(
        "onestop listening on {address} (database: {})",
        db::redact(&settings.database_url)
    );
    println!("API docs: {address}/docs · OpenAPI: {address}/openapi.json");
    if !services::clients::any_active_admin(&application.state().db).await? {
        println!(
            "No admin client yet. Create the first one with:\n  \
             cargo run -- clients create --role admin --name operator\n\
             then exchange its client_id and client_secret at POST {address}/v1/auth/token"
        );
    }
    application.run_until_stopped().await?;
    Ok(())
}
