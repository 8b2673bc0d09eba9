//! The summary report's monthly rollup: the report's counts per Japan calendar month,
//! grouping and group, kept beside the cases, and the list of months whose cases changed
//! since their rollup was counted.
//!
//! The months are marked by triggers, so every write that can change a report (an intake, a
//! routing, an assignment, an outcome, a survey answer, a merge, whatever code makes it)
//! marks its month in its own transaction without the service having to remember to. The
//! marks are only appended, never updated: writers never wait on one another for them.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

/// Adds `report_rollup`, `report_changes` and the triggers that fill `report_changes`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The columns of `tickets` a summary report reads: a change to any other (a description,
/// a contact, the search text, the version) leaves every report as it was.
const TICKET_COLUMNS: [&str; 14] = [
    "created_at",
    "status",
    "track",
    "prefecture",
    "partner_id",
    "industry",
    "manager_id",
    "channel",
    "company_city",
    "received_on",
    "first_assigned_at",
    "first_contact_met",
    "assignment_met",
    "business_days_to_assign",
];

/// The columns of `outcomes` a summary report reads.
const OUTCOME_COLUMNS: [&str; 7] = [
    "ticket_id",
    "result",
    "satisfaction",
    "survey_responded_at",
    "survey_purpose_achieved",
    "survey_satisfied",
    "survey_will_consider",
];

/// The counted measures, in the order of `services::reports::MEASURES`.
const MEASURES: [Measure; 13] = [
    Measure::Received,
    Measure::Assigned,
    Measure::Resolved,
    Measure::Introduced,
    Measure::SlaDecided,
    Measure::SlaMet,
    Measure::SatisfactionSum,
    Measure::SatisfactionCount,
    Measure::SurveyResponses,
    Measure::SurveyPurposeAchieved,
    Measure::SurveySatisfied,
    Measure::SurveyWillConsiderAsked,
    Measure::SurveyWillConsider,
];

/// `OLD.a IS DISTINCT FROM NEW.a OR ...` (PostgreSQL) or `OLD.a IS NOT NEW.a OR ...`
/// (SQLite): whether an update changed one of `columns`.
fn changed(columns: &[&str], backend: DbBackend) -> String {
    let differs = match backend {
        DbBackend::Postgres => "IS DISTINCT FROM",
        _ => "IS NOT",
    };
    columns
        .iter()
        .map(|column| format!("OLD.{column} {differs} NEW.{column}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The PostgreSQL triggers that mark the changed months, and the marks of the months of the
/// cases already there.
fn postgres_triggers() -> Vec<String> {
    let ticket_changed = changed(&TICKET_COLUMNS, DbBackend::Postgres);
    let outcome_changed = changed(&OUTCOME_COLUMNS, DbBackend::Postgres);
    // The month of a case is the Japan calendar month of its `created_at`, as the report's
    // periods count it (Japan has no daylight saving time).
    let month =
        |at: &str| format!("to_char(({at} AT TIME ZONE 'UTC') + INTERVAL '9 hours', 'YYYY-MM')");
    let mut statements = vec![
        format!(
            "CREATE FUNCTION report_mark_ticket() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP <> 'INSERT' THEN \
                 INSERT INTO report_changes (month) VALUES ({old}); \
               END IF; \
               IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {old} <> {new}) THEN \
                 INSERT INTO report_changes (month) VALUES ({new}); \
               END IF; \
               RETURN NULL; \
             END $$",
            old = month("OLD.created_at"),
            new = month("NEW.created_at"),
        ),
        format!(
            "CREATE FUNCTION report_mark_outcome() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP <> 'INSERT' THEN \
                 INSERT INTO report_changes (month) \
                   SELECT {month} FROM tickets t WHERE t.id = OLD.ticket_id; \
               END IF; \
               IF TG_OP <> 'DELETE' THEN \
                 INSERT INTO report_changes (month) \
                   SELECT {month} FROM tickets t WHERE t.id = NEW.ticket_id; \
               END IF; \
               RETURN NULL; \
             END $$",
            month = month("t.created_at"),
        ),
    ];
    for (table, function, changed) in [
        ("tickets", "report_mark_ticket", &ticket_changed),
        ("outcomes", "report_mark_outcome", &outcome_changed),
    ] {
        statements.push(format!(
            "CREATE TRIGGER report_{table}_inserted AFTER INSERT ON {table} \
             FOR EACH ROW EXECUTE FUNCTION {function}()"
        ));
        statements.push(format!(
            "CREATE TRIGGER report_{table}_updated AFTER UPDATE ON {table} \
             FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {function}()"
        ));
        statements.push(format!(
            "CREATE TRIGGER report_{table}_deleted AFTER DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION {function}()"
        ));
    }
    statements.push(format!(
        "INSERT INTO report_changes (month) SELECT DISTINCT {} FROM tickets t",
        month("t.created_at")
    ));
    statements
}

/// The same for SQLite, whose triggers run statements instead of a function.
fn sqlite_triggers() -> Vec<String> {
    let ticket_changed = changed(&TICKET_COLUMNS, DbBackend::Sqlite);
    let outcome_changed = changed(&OUTCOME_COLUMNS, DbBackend::Sqlite);
    let month = |at: &str| format!("strftime('%Y-%m', {at}, '+9 hours')");
    let of_ticket = |id: &str| {
        format!(
            "INSERT INTO report_changes (month) SELECT {} FROM tickets t WHERE t.id = {id};",
            month("t.created_at")
        )
    };
    vec![
        format!(
            "CREATE TRIGGER report_tickets_inserted AFTER INSERT ON tickets BEGIN \
             INSERT INTO report_changes (month) VALUES ({}); END",
            month("NEW.created_at")
        ),
        format!(
            "CREATE TRIGGER report_tickets_updated AFTER UPDATE ON tickets \
             WHEN {ticket_changed} BEGIN \
             INSERT INTO report_changes (month) VALUES ({old}); \
             INSERT INTO report_changes (month) SELECT {new} WHERE {old} <> {new}; \
             END",
            old = month("OLD.created_at"),
            new = month("NEW.created_at"),
        ),
        format!(
            "CREATE TRIGGER report_tickets_deleted AFTER DELETE ON tickets BEGIN \
             INSERT INTO report_changes (month) VALUES ({}); END",
            month("OLD.created_at")
        ),
        format!(
            "CREATE TRIGGER report_outcomes_inserted AFTER INSERT ON outcomes BEGIN {} END",
            of_ticket("NEW.ticket_id")
        ),
        format!(
            "CREATE TRIGGER report_outcomes_updated AFTER UPDATE ON outcomes \
             WHEN {outcome_changed} BEGIN {} {} END",
            of_ticket("OLD.ticket_id"),
            of_ticket("NEW.ticket_id")
        ),
        format!(
            "CREATE TRIGGER report_outcomes_deleted AFTER DELETE ON outcomes BEGIN {} END",
            of_ticket("OLD.ticket_id")
        ),
        format!(
            "INSERT INTO report_changes (month) SELECT DISTINCT {} FROM tickets t",
            month("t.created_at")
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut rollup = Table::create();
        rollup
            .table(ReportRollup::Table)
            // `YYYY-MM`, the Japan calendar month of receipt.
            .col(string_len(ReportRollup::Month, 7))
            .col(string_len(ReportRollup::Dimension, 16))
            .col(text_null(ReportRollup::GrpText))
            .col(uuid_null(ReportRollup::GrpId))
            .col(integer_null(ReportRollup::Days));
        for measure in MEASURES {
            rollup.col(big_integer(measure));
        }
        manager.create_table(rollup.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_report_rollup_month")
                    .table(ReportRollup::Table)
                    .col(ReportRollup::Dimension)
                    .col(ReportRollup::Month)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReportChanges::Table)
                    .col(string_len(ReportChanges::Month, 7))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_report_changes_month")
                    .table(ReportChanges::Table)
                    .col(ReportChanges::Month)
                    .to_owned(),
            )
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
        for table in ["tickets", "outcomes"] {
            for change in ["inserted", "updated", "deleted"] {
                let drop = match manager.get_database_backend() {
                    DbBackend::Postgres => {
                        format!("DROP TRIGGER IF EXISTS report_{table}_{change} ON {table}")
                    }
                    _ => format!("DROP TRIGGER IF EXISTS report_{table}_{change}"),
                };
                db.execute_unprepared(&drop).await?;
            }
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS report_mark_ticket()")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS report_mark_outcome()")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ReportChanges::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReportRollup::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ReportRollup {
    Table,
    Month,
    Dimension,
    GrpText,
    GrpId,
    Days,
}

#[derive(DeriveIden, Clone, Copy)]
enum Measure {
    Received,
    Assigned,
    Resolved,
    Introduced,
    SlaDecided,
    SlaMet,
    SatisfactionSum,
    SatisfactionCount,
    SurveyResponses,
    SurveyPurposeAchieved,
    SurveySatisfied,
    SurveyWillConsiderAsked,
    SurveyWillConsider,
}

#[derive(DeriveIden)]
enum ReportChanges {
    Table,
    Month,
}
