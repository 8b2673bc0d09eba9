//! Cases and what hangs off them: companies, the per-fiscal-year reference counter, the
//! audit trail (events), comments and idempotency records.
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
                    .table(Companies::Table)
                    .col(uuid(Companies::Id).primary_key())
                    .col(string_len_null(Companies::CorporateNumber, 13))
                    .col(string_len(Companies::Name, 200))
                    .col(string_len(Companies::NameKey, 200))
                    .col(char_len(Companies::Prefecture, 2))
                    .col(string_len_null(Companies::Industry, 1))
                    .col(big_integer_null(Companies::Employees))
                    .col(big_integer_null(Companies::CapitalJpy))
                    .col(timestamp_with_time_zone(Companies::CreatedAt))
                    .col(timestamp_with_time_zone(Companies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // One company per corporate number; without one, per normalized name and prefecture.
        // Partial unique indexes read the same on SQLite and PostgreSQL.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_companies_corporate_number ON companies (corporate_number) \
             WHERE corporate_number IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_companies_name_key ON companies (name_key, prefecture) \
             WHERE corporate_number IS NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketCounters::Table)
                    .col(integer(TicketCounters::FiscalYear).primary_key())
                    .col(big_integer(TicketCounters::LastSequence))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .col(uuid(Tickets::Id).primary_key())
                    .col(string_len_uniq(Tickets::Reference, 20))
                    .col(integer(Tickets::FiscalYear))
                    .col(big_integer(Tickets::Sequence))
                    .col(string_len(Tickets::Channel, 10))
                    .col(uuid_null(Tickets::PartnerId))
                    .col(uuid(Tickets::CompanyId))
                    .col(char_len(Tickets::Prefecture, 2))
                    .col(string_len_null(Tickets::Industry, 1))
                    .col(string_len(Tickets::ContactName, 100))
                    .col(string_len(Tickets::ContactEmail, 254))
                    .col(string_len_null(Tickets::ContactPhone, 30))
                    .col(string_len(Tickets::Subject, 200))
                    .col(text(Tickets::Description))
                    .col(text(Tickets::Topics))
                    .col(string_len(Tickets::PreferredMode, 10))
                    .col(string_len(Tickets::Status, 20))
                    .col(string_len_null(Tickets::HeldFrom, 20))
                    .col(string_len_null(Tickets::Track, 10))
                    .col(text_null(Tickets::Routing))
                    .col(uuid_null(Tickets::ManagerId))
                    .col(integer(Tickets::Version))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tickets_partner")
                            .from(Tickets::Table, Tickets::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tickets_company")
                            .from(Tickets::Table, Tickets::CompanyId)
                            .to(Companies::Table, Companies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("ix_tickets_partner", vec![Tickets::PartnerId, Tickets::Id]),
            ("ix_tickets_status", vec![Tickets::Status, Tickets::Id]),
            ("ix_tickets_manager", vec![Tickets::ManagerId, Tickets::Id]),
            ("ix_tickets_company", vec![Tickets::CompanyId]),
            (
                "ix_tickets_prefecture",
                vec![Tickets::Prefecture, Tickets::Id],
            ),
            ("ix_tickets_created", vec![Tickets::CreatedAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Tickets::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Seq))
                    .col(uuid_uniq(Events::Id))
                    .col(uuid_null(Events::TicketId))
                    .col(string_len(Events::EventType, 40))
                    .col(string_len(Events::Actor, 64))
                    .col(string_len(Events::ActorRole, 20))
                    .col(text(Events::Data))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_events_ticket")
                    .table(Events::Table)
                    .col(Events::TicketId)
                    .col(Events::Seq)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(uuid(Comments::Id).primary_key())
                    .col(uuid(Comments::TicketId))
                    .col(string_len(Comments::Author, 64))
                    .col(string_len(Comments::AuthorRole, 20))
                    .col(string_len(Comments::Visibility, 10))
                    .col(text(Comments::Body))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_ticket")
                            .from(Comments::Table, Comments::TicketId)
                            .to(Tickets::Table, Tickets::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_ticket")
                    .table(Comments::Table)
                    .col(Comments::TicketId)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(string_len(IdempotencyKeys::ClientId, 64))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(string_len(IdempotencyKeys::State, 12))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(text_null(IdempotencyKeys::ResponseBody))
                    .col(string_len_null(IdempotencyKeys::Location, 200))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::ClientId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            Comments::Table.into_iden(),
            Events::Table.into_iden(),
            Tickets::Table.into_iden(),
            TicketCounters::Table.into_iden(),
            Companies::Table.into_iden(),
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
enum Companies {
    Table,
    Id,
    CorporateNumber,
    Name,
    NameKey,
    Prefecture,
    Industry,
    Employees,
    CapitalJpy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TicketCounters {
    Table,
    FiscalYear,
    LastSequence,
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    Id,
    Reference,
    FiscalYear,
    Sequence,
    Channel,
    PartnerId,
    CompanyId,
    Prefecture,
    Industry,
    ContactName,
    ContactEmail,
    ContactPhone,
    Subject,
    Description,
    Topics,
    PreferredMode,
    Status,
    HeldFrom,
    Track,
    Routing,
    ManagerId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Seq,
    Id,
    TicketId,
    EventType,
    Actor,
    ActorRole,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    TicketId,
    Author,
    AuthorRole,
    Visibility,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    ClientId,
    Key,
    Fingerprint,
    State,
    ResponseStatus,
    ResponseBody,
    Location,
    CreatedAt,
}
