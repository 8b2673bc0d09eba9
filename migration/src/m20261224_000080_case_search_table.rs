//! Moves the search key of cases (`search_text`, and on PostgreSQL its bigram index) out of
//! `tickets` into `ticket_search`, one row per case.
//!
//! An assignment, a status change or a hold changes indexed columns of the case, so its
//! update is never heap-only and every index of `tickets` takes an entry for the new row
//! version. For the bigram index that meant computing `onestop_bigrams` of the whole text and
//! inserting a key per distinct bigram, on every status change: 0.56 of the 0.90 ms the
//! assignment's update took in `bench/assign.sh` with texts of a real case's length. The key
//! changes only when the texts do (filing, an edit, a link, an erasure), so in a table of its
//! own it is written only then.
//!
//! The key has no foreign key to its case: checking one locks the case's row just inserted
//! (`FOR KEY SHARE`, a heap write and a WAL record of its own), which cost filing about 6% of
//! its throughput in `bench/run.sh`. A key is written only in the transaction that files its
//! case (in the same statement) or opens its twin, and cases are never deleted (retention
//! and erasure anonymize them), so no key can outlive its case.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

/// Creates `ticket_search`, fills it from `tickets.search_text` and drops that column.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TicketSearch::Table)
                    .col(uuid(TicketSearch::TicketId).primary_key())
                    .col(text(TicketSearch::SearchText))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO ticket_search (ticket_id, search_text) SELECT id, search_text FROM tickets",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP INDEX IF EXISTS tickets_search_bigrams")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX ticket_search_bigrams ON ticket_search \
                 USING gin (onestop_bigrams(search_text))",
            )
            .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::SearchText)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(text(Tickets::SearchText).default(""))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE tickets SET search_text = (SELECT s.search_text FROM ticket_search s \
             WHERE s.ticket_id = tickets.id) \
             WHERE EXISTS (SELECT 1 FROM ticket_search s WHERE s.ticket_id = tickets.id)",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE INDEX tickets_search_bigrams ON tickets \
                 USING gin (onestop_bigrams(search_text))",
            )
            .await?;
        }
        manager
            .drop_table(Table::drop().table(TicketSearch::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TicketSearch {
    Table,
    TicketId,
    SearchText,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    SearchText,
}
