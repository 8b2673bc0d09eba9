//! The global event feed's positions. `events.seq` is taken when an event is written, so on
//! a busy PostgreSQL a later `seq` can commit before an earlier one, and a reader paging by
//! `seq` would skip the late one for good. Feed positions are given instead after commit,
//! by one sequencer at a time, each above every position given before; see
//! `services::feed`.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .add_column(big_integer_null(Events::FeedSeq))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("CREATE UNIQUE INDEX ux_events_feed_seq ON events (feed_seq)")
            .await?;
        // The sequencer's backlog: events not yet given a position, oldest first.
        db.execute_unprepared(
            "CREATE INDEX ix_events_unsequenced ON events (seq) WHERE feed_seq IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX ix_events_unsequenced")
            .await?;
        db.execute_unprepared("DROP INDEX ux_events_feed_seq")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Events::Table)
                    .drop_column(Events::FeedSeq)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    FeedSeq,
}
