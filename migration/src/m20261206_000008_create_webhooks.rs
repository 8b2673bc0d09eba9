//! Webhooks: subscriptions, the transactional outbox of deliveries (one row per subscription
//! and event, written in the transaction of the event) and every delivery attempt.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(
        clippy::too_many_lines,
        reason = "a schema is one declarative statement per table and index"
    )]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscriptions::Table)
                    .col(uuid(WebhookSubscriptions::Id).primary_key())
                    .col(uuid_null(WebhookSubscriptions::PartnerId))
                    .col(string_len(WebhookSubscriptions::CreatedBy, 64))
                    .col(string_len(WebhookSubscriptions::Url, 2048))
                    .col(text(WebhookSubscriptions::EventTypes))
                    .col(string_len(WebhookSubscriptions::Secret, 64))
                    .col(boolean(WebhookSubscriptions::Active))
                    .col(string_len_null(WebhookSubscriptions::DisabledReason, 500))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_subscriptions_partner")
                            .from(WebhookSubscriptions::Table, WebhookSubscriptions::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_subscriptions_partner")
                    .table(WebhookSubscriptions::Table)
                    .col(WebhookSubscriptions::PartnerId)
                    .col(WebhookSubscriptions::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(uuid(WebhookDeliveries::SubscriptionId))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(string_len(WebhookDeliveries::EventType, 40))
                    .col(string_len(WebhookDeliveries::Status, 12))
                    .col(integer(WebhookDeliveries::AttemptCount))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(WebhookDeliveries::SubscriptionId)
                            .col(WebhookDeliveries::EventId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_event")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EventId)
                            .to(Events::Table, Events::Id),
                    )
                    // No key to the subscription: intake enqueues with one INSERT ... SELECT
                    // that must not fail because a subscription is deleted at the same moment
                    // (a key check would). Deleting a subscription deletes its deliveries; the
                    // worker drops the rare orphan such a race leaves.
                    .to_owned(),
            )
            .await?;
        // The worker's claim: due pending deliveries, earliest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .col(uuid(WebhookAttempts::Id).primary_key())
                    .col(uuid(WebhookAttempts::SubscriptionId))
                    .col(uuid(WebhookAttempts::EventId))
                    .col(integer(WebhookAttempts::Attempt))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(big_integer(WebhookAttempts::DurationMs))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(string_len_null(WebhookAttempts::Error, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_attempts_delivery")
                            .from(
                                WebhookAttempts::Table,
                                (WebhookAttempts::SubscriptionId, WebhookAttempts::EventId),
                            )
                            .to(
                                WebhookDeliveries::Table,
                                (
                                    WebhookDeliveries::SubscriptionId,
                                    WebhookDeliveries::EventId,
                                ),
                            )
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::SubscriptionId)
                    .col(WebhookAttempts::EventId)
                    .col(WebhookAttempts::Attempt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookSubscriptions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    PartnerId,
    CreatedBy,
    Url,
    EventTypes,
    Secret,
    Active,
    DisabledReason,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    SubscriptionId,
    EventId,
    EventType,
    Status,
    AttemptCount,
    NextAttemptAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookAttempts {
    Table,
    Id,
    SubscriptionId,
    EventId,
    Attempt,
    AttemptedAt,
    DurationMs,
    StatusCode,
    Error,
}
