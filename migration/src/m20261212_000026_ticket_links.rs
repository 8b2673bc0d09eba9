//! Cross-track twins: a case needing both experts opens a linked case on the other track.
use sea_orm_migration::{prelude::*, schema::*};

/// Adds `linked_ticket_id` (the twin, unique: a case has at most one) and
/// `link_dismissed_at` (a coordinator said no twin is needed) to the cases.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(uuid_null(Tickets::LinkedTicketId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(timestamp_with_time_zone_null(Tickets::LinkDismissedAt))
                    .to_owned(),
            )
            .await?;
        // Two coordinators linking one case at once cannot both give it a twin: the second
        // pair would repeat a `linked_ticket_id`.
        manager
            .create_index(
                Index::create()
                    .name("tickets_linked_ticket_id_key")
                    .table(Tickets::Table)
                    .col(Tickets::LinkedTicketId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("tickets_linked_ticket_id_key")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Tickets::LinkDismissedAt, Tickets::LinkedTicketId] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    LinkedTicketId,
    LinkDismissedAt,
}
