//! What the summary report reads from a case without computing it per row in SQL: the Japan
//! calendar day of receipt (grouping by a plain column lets PostgreSQL estimate the groups
//! and aggregate in parallel; an expression over `created_at` does not), and the business
//! days from receipt to the first assignment, fixed when it happens.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(integer_null(Tickets::BusinessDaysToAssign))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(date_null(Tickets::ReceivedOn))
                    .to_owned(),
            )
            .await?;
        // Cases filed before this migration: Japan is UTC+9 all year.
        let backfill = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "UPDATE tickets SET received_on = CAST((created_at AT TIME ZONE 'UTC') \
                 + INTERVAL '9 hours' AS DATE) WHERE received_on IS NULL"
            }
            _ => {
                "UPDATE tickets SET received_on = date(created_at, '+9 hours') \
                  WHERE received_on IS NULL"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(backfill)
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::ReceivedOn)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::BusinessDaysToAssign)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    BusinessDaysToAssign,
    ReceivedOn,
}
