//! Each case keeps the company details its filer gave (name, corporate number, employees,
//! capital, beside the prefecture and industry it already kept), so one partner's filing
//! never rewrites what another partner filed; the shared company record gets a version, so
//! coordinators change it under `If-Match`.
//!
//! Cases filed before this migration take the details from their company record: the
//! figures each filer gave were overwritten by later filings and are gone, and the record is
//! the best that is left. The prefecture and industry the cases kept already are left as
//! they are.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time. The name's default
        // only serves rows that exist now (filled below) and writers that predate the column.
        for column in [
            string_len(Tickets::CompanyName, 200).default("").to_owned(),
            string_len_null(Tickets::CompanyCorporateNumber, 13),
            big_integer_null(Tickets::CompanyEmployees),
            big_integer_null(Tickets::CompanyCapitalJpy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Companies::Table)
                    .add_column(integer(Companies::Version).default(1))
                    .to_owned(),
            )
            .await?;
        // Correlated subqueries read the same on SQLite and PostgreSQL (UPDATE ... FROM does
        // not exist on older SQLite).
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE tickets SET \
                   company_name = (SELECT c.name FROM companies c WHERE c.id = tickets.company_id), \
                   company_corporate_number = \
                     (SELECT c.corporate_number FROM companies c WHERE c.id = tickets.company_id), \
                   company_employees = \
                     (SELECT c.employees FROM companies c WHERE c.id = tickets.company_id), \
                   company_capital_jpy = \
                     (SELECT c.capital_jpy FROM companies c WHERE c.id = tickets.company_id) \
                 WHERE EXISTS (SELECT 1 FROM companies c WHERE c.id = tickets.company_id)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Companies::Table)
                    .drop_column(Companies::Version)
                    .to_owned(),
            )
            .await?;
        for column in [
            Tickets::CompanyCapitalJpy,
            Tickets::CompanyEmployees,
            Tickets::CompanyCorporateNumber,
            Tickets::CompanyName,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Tickets::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Tickets {
    Table,
    CompanyName,
    CompanyCorporateNumber,
    CompanyEmployees,
    CompanyCapitalJpy,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Version,
}
