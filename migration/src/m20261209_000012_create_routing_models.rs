//! Learning from coordinators: every routing override kept as a labelled example, trained
//! model versions, and the log of which version is active (the newest activation wins).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoutingOverrides::Table)
                    .col(big_pk_auto(RoutingOverrides::Seq))
                    .col(uuid(RoutingOverrides::TicketId))
                    .col(text(RoutingOverrides::Subject))
                    .col(text(RoutingOverrides::Description))
                    .col(text(RoutingOverrides::Topics))
                    .col(string_len(RoutingOverrides::Track, 16))
                    .col(string_len(RoutingOverrides::CreatedBy, 64))
                    .col(timestamp_with_time_zone(RoutingOverrides::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoutingModels::Table)
                    .col(big_integer(RoutingModels::Version).primary_key())
                    .col(text(RoutingModels::Model))
                    .col(big_integer(RoutingModels::TrainedOnExamples))
                    .col(big_integer(RoutingModels::TrainedOnOverrides))
                    .col(big_integer(RoutingModels::LastOverrideSeq))
                    .col(text(RoutingModels::Evaluation))
                    .col(string_len(RoutingModels::CreatedBy, 64))
                    .col(timestamp_with_time_zone(RoutingModels::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoutingModelActivations::Table)
                    .col(big_pk_auto(RoutingModelActivations::Seq))
                    .col(big_integer(RoutingModelActivations::Version))
                    .col(string_len(RoutingModelActivations::ActivatedBy, 64))
                    .col(timestamp_with_time_zone(
                        RoutingModelActivations::ActivatedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RoutingModelActivations::Table.into_iden(),
            RoutingModels::Table.into_iden(),
            RoutingOverrides::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum RoutingOverrides {
    Table,
    Seq,
    TicketId,
    Subject,
    Description,
    Topics,
    Track,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoutingModels {
    Table,
    Version,
    Model,
    TrainedOnExamples,
    TrainedOnOverrides,
    LastOverrideSeq,
    Evaluation,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoutingModelActivations {
    Table,
    Seq,
    Version,
    ActivatedBy,
    ActivatedAt,
}
