//! Consultants' calendars: every session carries a sequence its iCalendar event repeats
//! (`SEQUENCE`, bumped by every change), and each manager may have one secret feed URL, of
//! which only a hash is kept.
use sea_orm_migration::{prelude::*, schema::*};

/// Adds `consulting_sessions.sequence`, the index the cross-case session list and the feed
/// read (a manager's sessions by start), and `calendar_feeds` (one per manager: the SHA-256
/// of its secret token).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ConsultingSessions::Table)
                    .add_column(integer(ConsultingSessions::Sequence).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("consulting_sessions_manager_starts_idx")
                    .table(ConsultingSessions::Table)
                    .col(ConsultingSessions::ManagerId)
                    .col(ConsultingSessions::StartsAt)
                    .col(ConsultingSessions::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CalendarFeeds::Table)
                    .col(uuid(CalendarFeeds::ManagerId).primary_key())
                    // The feed is found by the hash of the token its URL carries.
                    .col(string_len(CalendarFeeds::TokenHash, 80).unique_key())
                    .col(string(CalendarFeeds::CreatedBy))
                    .col(timestamp_with_time_zone(CalendarFeeds::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("calendar_feeds_manager_fkey")
                            .from(CalendarFeeds::Table, CalendarFeeds::ManagerId)
                            .to(Managers::Table, Managers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarFeeds::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("consulting_sessions_manager_starts_idx")
                    .table(ConsultingSessions::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ConsultingSessions::Table)
                    .drop_column(ConsultingSessions::Sequence)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ConsultingSessions {
    Table,
    Id,
    ManagerId,
    StartsAt,
    Sequence,
}

#[derive(DeriveIden)]
enum CalendarFeeds {
    Table,
    ManagerId,
    TokenHash,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Managers {
    Table,
    Id,
}
