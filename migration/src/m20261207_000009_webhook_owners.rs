//! Who owns a webhook subscription: the API client that made it. Analysts see and delete
//! their own client's subscriptions only, so the owner is stored as a key to `api_clients`
//! (the database refuses an owner that is no client).
//!
//! Backfill: `created_by` has always held the public client id of the verified token that
//! made the subscription, and clients are revoked, never deleted, so every existing row
//! finds its maker by it. A row that somehow does not keeps a null owner, which only admins
//! (and, for a partner's subscription, its partner's clients) can see: nobody gains access
//! they did not have before the migration.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // sea-query cannot add a foreign key to an existing SQLite table, but SQLite accepts
        // one on a column added with ALTER TABLE (it must default to null, as this one does).
        let add_column = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "ALTER TABLE webhook_subscriptions ADD COLUMN owner_client_id uuid NULL \
                 CONSTRAINT fk_webhook_subscriptions_owner REFERENCES api_clients (id)"
            }
            _ => {
                "ALTER TABLE webhook_subscriptions ADD COLUMN owner_client_id uuid_text NULL \
                 CONSTRAINT fk_webhook_subscriptions_owner REFERENCES api_clients (id)"
            }
        };
        db.execute_unprepared(add_column).await?;
        db.execute_unprepared(
            "UPDATE webhook_subscriptions SET owner_client_id = \
             (SELECT api_clients.id FROM api_clients \
               WHERE api_clients.client_id = webhook_subscriptions.created_by) \
             WHERE owner_client_id IS NULL",
        )
        .await?;
        // An analyst's listing: its own subscriptions, in id order.
        manager
            .create_index(
                Index::create()
                    .name("ix_webhook_subscriptions_owner")
                    .table(WebhookSubscriptions::Table)
                    .col(WebhookSubscriptions::OwnerClientId)
                    .col(WebhookSubscriptions::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite drops a column only once no index names it.
        manager
            .drop_index(
                Index::drop()
                    .name("ix_webhook_subscriptions_owner")
                    .table(WebhookSubscriptions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookSubscriptions::Table)
                    .drop_column(WebhookSubscriptions::OwnerClientId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    OwnerClientId,
}
