//! Four indexes of `tickets` keep only the cases that have a value in their column.
//!
//! Most cases never wait in the queue, are never merged or linked, and many are filed without
//! an address: those columns are null on most rows, and every status change of a case (never
//! heap-only, since status is indexed) inserted an entry for its null into each of the four
//! indexes. Every query that uses them asks for a value (`waiting_since IS NOT NULL` for the
//! queue, `= $1` for the others), from which PostgreSQL proves the partial condition, so the
//! indexes still serve them. The link index stays unique: a case has one twin.
//!
//! PostgreSQL only, the production database. On SQLite the same `DROP INDEX IF EXISTS` and
//! `CREATE INDEX` failed inside the migration with "index ix_tickets_waiting already exists"
//! (while the `sqlite3` shell ran them on the same file), for a cause not yet found, so the
//! SQLite schema keeps the indexes as the earlier migrations made them.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// Makes `ix_tickets_waiting`, `tickets_merged_into_idx`, `tickets_linked_ticket_id_key` and
/// `tickets_company_city_idx` partial (`WHERE column IS NOT NULL`).
#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index, unique, columns, the column that must have a value)
const INDEXES: [(&str, bool, &str, &str); 4] = [
    (
        "ix_tickets_waiting",
        false,
        "status, waiting_since",
        "waiting_since",
    ),
    (
        "tickets_merged_into_idx",
        false,
        "merged_into",
        "merged_into",
    ),
    (
        "tickets_linked_ticket_id_key",
        true,
        "linked_ticket_id",
        "linked_ticket_id",
    ),
    (
        "tickets_company_city_idx",
        false,
        "company_city",
        "company_city",
    ),
];

async fn remake(manager: &SchemaManager<'_>, partial: bool) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let db = manager.get_connection();
    for (name, unique, columns, valued) in INDEXES {
        db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
            .await?;
        let unique = if unique { "UNIQUE " } else { "" };
        let condition = if partial {
            format!(" WHERE {valued} IS NOT NULL")
        } else {
            String::new()
        };
        db.execute_unprepared(&format!(
            "CREATE {unique}INDEX {name} ON tickets ({columns}){condition}"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        remake(manager, true).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        remake(manager, false).await
    }
}
