//! Personal data under APPI: the access log (who read whose contact details), the records of
//! data received from partners (第三者提供に係る確認記録), when a case's contact details were
//! anonymized, and the lease that keeps the retention job on one instance at a time.
use sea_orm_migration::{prelude::*, schema::*};

/// Adds `access_log`, `data_receipts`, `job_leases` and `tickets.anonymized_at`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One row per case per response that showed its contact. It names the case, never the
        // person: anonymizing the case is then enough to leave no contact detail behind.
        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(uuid(AccessLog::Id).primary_key())
                    .col(uuid(AccessLog::RequestId))
                    .col(timestamp_with_time_zone(AccessLog::AccessedAt))
                    .col(string(AccessLog::ClientId))
                    .col(string_len(AccessLog::Role, 20))
                    .col(string(AccessLog::Route))
                    .col(uuid(AccessLog::TicketId))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("access_log_ticket_idx", AccessLog::TicketId),
            ("access_log_client_idx", AccessLog::ClientId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AccessLog::Table)
                        .col(column)
                        .col(AccessLog::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(DataReceipts::Table)
                    .col(uuid(DataReceipts::Id).primary_key())
                    .col(uuid(DataReceipts::TicketId))
                    .col(uuid(DataReceipts::PartnerId))
                    .col(date(DataReceipts::ReceivedOn))
                    .col(timestamp_with_time_zone(DataReceipts::ReceivedAt))
                    .col(text(DataReceipts::Items))
                    .col(text_null(DataReceipts::Source))
                    .col(string(DataReceipts::RecordedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("data_receipts_ticket_idx")
                    .table(DataReceipts::Table)
                    .col(DataReceipts::TicketId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .col(string_len(JobLeases::Name, 64).primary_key())
                    .col(string(JobLeases::Holder))
                    .col(timestamp_with_time_zone(JobLeases::LeasedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(timestamp_with_time_zone_null(Tickets::AnonymizedAt))
                    .to_owned(),
            )
            .await?;
        // The retention pass looks for final cases not yet anonymized, oldest change first.
        manager
            .create_index(
                Index::create()
                    .name("tickets_retention_idx")
                    .table(Tickets::Table)
                    .col(Tickets::Status)
                    .col(Tickets::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("tickets_retention_idx")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::AnonymizedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(JobLeases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DataReceipts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccessLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Id,
    RequestId,
    AccessedAt,
    ClientId,
    Role,
    Route,
    TicketId,
}

#[derive(DeriveIden)]
enum DataReceipts {
    Table,
    Id,
    TicketId,
    PartnerId,
    ReceivedOn,
    ReceivedAt,
    Items,
    Source,
    RecordedBy,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    LeasedUntil,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Status,
    UpdatedAt,
    AnonymizedAt,
}
