//! Routing rule sets, versioned: every version ever stored is kept, the highest is current.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoutingRuleSets::Table)
                    .col(big_integer(RoutingRuleSets::Version).primary_key())
                    .col(text(RoutingRuleSets::Rules))
                    .col(string_len_null(RoutingRuleSets::CreatedBy, 64))
                    .col(timestamp_with_time_zone(RoutingRuleSets::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoutingRuleSets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RoutingRuleSets {
    Table,
    Version,
    Rules,
    CreatedBy,
    CreatedAt,
}
