//! What the roster held in a process needs to follow the database (`services::roster`):
//!
//! - `roster_revision`, one number that every change to a manager's profile raises, in the
//!   changing transaction, so a process learns from one row whether the profiles it holds
//!   are still the roster;
//! - on PostgreSQL, `managers.live_xid`, the id of the transaction that last wrote each row,
//!   so a process reads only the rows written since its last read (an assignment's
//!   `active_cases` and `last_assigned_at` included). SQLite leaves it 0 and is read whole.
//!
//! Both are kept by triggers, so every write (the managers API, an assignment, the command
//! line, an erasure, a hand-written fix) keeps them without the service having to remember
//! to. The figures an assignment changes are not part of a profile and leave the revision as
//! it is: assignments never wait on its row.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

/// Adds `roster_revision`, `managers.live_xid` and the triggers on `managers` that keep them.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns of `managers` that make up a profile: every one but the live figures and the
/// timestamps.
const PROFILE_COLUMNS: &str = "name, email, covers_ict, covers_labor, topics, prefectures, online, onsite, capacity, active, version";

const RAISE: &str = "UPDATE roster_revision SET revision = revision + 1";

fn postgres_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE FUNCTION roster_revision_raise() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN {RAISE}; RETURN NULL; END $$"
        ),
        // Row by row, before the write, so the row carries its writer's id.
        "CREATE FUNCTION managers_stamp_live_xid() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN NEW.live_xid := CAST(CAST(pg_current_xact_id() AS text) AS bigint); RETURN NEW; \
         END $$"
            .to_owned(),
        "CREATE TRIGGER managers_live_xid BEFORE INSERT OR UPDATE ON managers \
         FOR EACH ROW EXECUTE FUNCTION managers_stamp_live_xid()"
            .to_owned(),
        // A read asks for the rows at or after a recent id: a few dozen of the roster. Without
        // the index it scanned the whole table and every row version the assignments left
        // (0.88 ms a read in bench/assign.sh; 0.05 ms with it).
        "CREATE INDEX ix_managers_live_xid ON managers (live_xid)".to_owned(),
        // Once per statement: a bulk edit raises it once and takes the row once.
        format!(
            "CREATE TRIGGER roster_revision_managers \
             AFTER INSERT OR DELETE OR UPDATE OF {PROFILE_COLUMNS} ON managers \
             FOR EACH STATEMENT EXECUTE FUNCTION roster_revision_raise()"
        ),
    ]
}

fn sqlite_triggers() -> Vec<String> {
    vec![
        format!(
            "CREATE TRIGGER roster_revision_inserted AFTER INSERT ON managers BEGIN {RAISE}; END"
        ),
        format!(
            "CREATE TRIGGER roster_revision_updated AFTER UPDATE OF {PROFILE_COLUMNS} ON managers \
             BEGIN {RAISE}; END"
        ),
        format!(
            "CREATE TRIGGER roster_revision_deleted AFTER DELETE ON managers BEGIN {RAISE}; END"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RosterRevision::Table)
                    // One row, id 1.
                    .col(small_integer(RosterRevision::Id).primary_key())
                    .col(big_integer(RosterRevision::Revision))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Managers::Table)
                    .add_column(big_integer(Managers::LiveXid).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO roster_revision (id, revision) VALUES (1, 0)")
            .await?;
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        for statement in statements {
            manager
                .get_connection()
                .execute_unprepared(&statement)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TRIGGER IF EXISTS roster_revision_managers ON managers")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS roster_revision_raise()")
                .await?;
            db.execute_unprepared("DROP TRIGGER IF EXISTS managers_live_xid ON managers")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS managers_stamp_live_xid()")
                .await?;
        } else {
            for change in ["inserted", "updated", "deleted"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS roster_revision_{change}"))
                    .await?;
            }
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Managers::Table)
                    .drop_column(Managers::LiveXid)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(RosterRevision::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RosterRevision {
    Table,
    Id,
    Revision,
}

#[derive(DeriveIden)]
enum Managers {
    Table,
    LiveXid,
}
