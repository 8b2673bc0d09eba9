//! Consulting: the telework managers' roster, their sessions with companies, the outcomes of
//! cases, and on cases the waiting queue and the time of assignment.
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
                    .table(Managers::Table)
                    .col(uuid(Managers::Id).primary_key())
                    .col(string_len(Managers::Name, 100))
                    .col(string_len(Managers::Email, 254))
                    // One flag per track, so "who covers ict" is a plain WHERE in SQL.
                    .col(boolean(Managers::CoversIct))
                    .col(boolean(Managers::CoversLabor))
                    .col(text(Managers::Topics))
                    .col(text(Managers::Prefectures))
                    .col(boolean(Managers::Online))
                    .col(boolean(Managers::Onsite))
                    .col(integer(Managers::Capacity).check(Expr::col(Managers::Capacity).gte(0)))
                    // Kept in step with the assignments by conditional updates in the same
                    // transaction; the check is the last line of defence against a bug.
                    .col(
                        integer(Managers::ActiveCases)
                            .check(Expr::col(Managers::ActiveCases).gte(0)),
                    )
                    .col(boolean(Managers::Active))
                    .col(timestamp_with_time_zone_null(Managers::LastAssignedAt))
                    .col(integer(Managers::Version))
                    .col(timestamp_with_time_zone(Managers::CreatedAt))
                    .col(timestamp_with_time_zone(Managers::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(timestamp_with_time_zone_null(Tickets::WaitingSince))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(timestamp_with_time_zone_null(Tickets::AssignedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_tickets_waiting")
                    .table(Tickets::Table)
                    .col(Tickets::Status)
                    .col(Tickets::WaitingSince)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConsultingSessions::Table)
                    .col(uuid(ConsultingSessions::Id).primary_key())
                    .col(uuid(ConsultingSessions::TicketId))
                    .col(uuid(ConsultingSessions::ManagerId))
                    .col(uuid(ConsultingSessions::CompanyId))
                    .col(integer(ConsultingSessions::FiscalYear))
                    .col(timestamp_with_time_zone(ConsultingSessions::StartsAt))
                    .col(timestamp_with_time_zone(ConsultingSessions::EndsAt))
                    .col(integer(ConsultingSessions::DurationMinutes))
                    .col(string_len(ConsultingSessions::Mode, 10))
                    .col(string_len(ConsultingSessions::Status, 12))
                    .col(text_null(ConsultingSessions::Notes))
                    .col(string_len(ConsultingSessions::CreatedBy, 64))
                    .col(timestamp_with_time_zone(ConsultingSessions::CreatedAt))
                    .col(timestamp_with_time_zone(ConsultingSessions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_ticket")
                            .from(ConsultingSessions::Table, ConsultingSessions::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_manager")
                            .from(ConsultingSessions::Table, ConsultingSessions::ManagerId)
                            .to(Managers::Table, Managers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sessions_company")
                            .from(ConsultingSessions::Table, ConsultingSessions::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_sessions_manager",
                vec![ConsultingSessions::ManagerId, ConsultingSessions::StartsAt],
            ),
            (
                "ix_sessions_company",
                vec![
                    ConsultingSessions::CompanyId,
                    ConsultingSessions::FiscalYear,
                ],
            ),
            (
                "ix_sessions_ticket",
                vec![ConsultingSessions::TicketId, ConsultingSessions::StartsAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(ConsultingSessions::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Outcomes::Table)
                    .col(uuid(Outcomes::TicketId).primary_key())
                    .col(string_len(Outcomes::Result, 20))
                    .col(text(Outcomes::Measures))
                    .col(big_integer_null(Outcomes::Teleworkers))
                    .col(small_integer_null(Outcomes::Satisfaction))
                    .col(text_null(Outcomes::Summary))
                    .col(uuid_null(Outcomes::ManagerId))
                    .col(string_len(Outcomes::RecordedBy, 64))
                    .col(timestamp_with_time_zone(Outcomes::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outcomes_ticket")
                            .from(Outcomes::Table, Outcomes::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outcomes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ConsultingSessions::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_tickets_waiting")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Tickets::AssignedAt, Tickets::WaitingSince] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Managers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    Id,
    Status,
    WaitingSince,
    AssignedAt,
}

#[derive(DeriveIden)]
enum Managers {
    Table,
    Id,
    Name,
    Email,
    CoversIct,
    CoversLabor,
    Topics,
    Prefectures,
    Online,
    Onsite,
    Capacity,
    ActiveCases,
    Active,
    LastAssignedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsultingSessions {
    Table,
    Id,
    TicketId,
    ManagerId,
    CompanyId,
    FiscalYear,
    StartsAt,
    EndsAt,
    DurationMinutes,
    Mode,
    Status,
    Notes,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    TicketId,
    Result,
    Measures,
    Teleworkers,
    Satisfaction,
    Summary,
    ManagerId,
    RecordedBy,
    RecordedAt,
}
