//! Service levels on cases: due dates fixed at receipt (so a later change of the targets
//! does not rewrite history), when and whether they were met, and the on-hold pause.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [Tickets; 8] = [
    Tickets::FirstContactDue,
    Tickets::AssignmentDue,
    Tickets::FirstContactAt,
    Tickets::FirstContactMet,
    Tickets::FirstAssignedAt,
    Tickets::AssignmentMet,
    Tickets::OnHoldSince,
    Tickets::PausedBusinessDays,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for column in COLUMNS {
            let definition = match column {
                Tickets::FirstContactDue | Tickets::AssignmentDue => date_null(column),
                Tickets::FirstContactMet | Tickets::AssignmentMet => boolean_null(column),
                Tickets::PausedBusinessDays => integer(column).default(0).to_owned(),
                _ => timestamp_with_time_zone_null(column),
            };
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(definition)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
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

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    FirstContactDue,
    AssignmentDue,
    FirstContactAt,
    FirstContactMet,
    FirstAssignedAt,
    AssignmentMet,
    OnHoldSince,
    PausedBusinessDays,
}
