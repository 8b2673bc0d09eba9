//! The company as Japanese forms record it: the name's reading (フリガナ), the head-office
//! address in parts and the total head count beside the regular employees, on each case's
//! own company details and on the shared company record.
use sea_orm_migration::{prelude::*, schema::*};

/// Adds `company_name_kana`, `company_postal_code`, `company_city`, `company_street`,
/// `company_building`, `company_total_employees` to the cases and the same without the prefix
/// to the companies, and an index for the case list's `?city=` filter.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn columns() -> Vec<(DynIden, DynIden, ColumnDef)> {
    let t = || Tickets::Table.into_iden();
    let c = || Companies::Table.into_iden();
    vec![
        (
            t(),
            Tickets::CompanyNameKana.into_iden(),
            string_len_null(Tickets::CompanyNameKana, 200),
        ),
        (
            t(),
            Tickets::CompanyPostalCode.into_iden(),
            string_len_null(Tickets::CompanyPostalCode, 8),
        ),
        (
            t(),
            Tickets::CompanyCity.into_iden(),
            string_len_null(Tickets::CompanyCity, 50),
        ),
        (
            t(),
            Tickets::CompanyStreet.into_iden(),
            string_len_null(Tickets::CompanyStreet, 100),
        ),
        (
            t(),
            Tickets::CompanyBuilding.into_iden(),
            string_len_null(Tickets::CompanyBuilding, 100),
        ),
        (
            t(),
            Tickets::CompanyTotalEmployees.into_iden(),
            big_integer_null(Tickets::CompanyTotalEmployees),
        ),
        (
            c(),
            Companies::NameKana.into_iden(),
            string_len_null(Companies::NameKana, 200),
        ),
        (
            c(),
            Companies::PostalCode.into_iden(),
            string_len_null(Companies::PostalCode, 8),
        ),
        (
            c(),
            Companies::City.into_iden(),
            string_len_null(Companies::City, 50),
        ),
        (
            c(),
            Companies::Street.into_iden(),
            string_len_null(Companies::Street, 100),
        ),
        (
            c(),
            Companies::Building.into_iden(),
            string_len_null(Companies::Building, 100),
        ),
        (
            c(),
            Companies::TotalEmployees.into_iden(),
            big_integer_null(Companies::TotalEmployees),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for (table, _, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("tickets_company_city_idx")
                    .table(Tickets::Table)
                    .col(Tickets::CompanyCity)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("tickets_company_city_idx")
                    .table(Tickets::Table)
                    .to_owned(),
            )
            .await?;
        for (table, name, _) in columns().into_iter().rev() {
            manager
                .alter_table(Table::alter().table(table).drop_column(name).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    CompanyNameKana,
    CompanyPostalCode,
    CompanyCity,
    CompanyStreet,
    CompanyBuilding,
    CompanyTotalEmployees,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    NameKana,
    PostalCode,
    City,
    Street,
    Building,
    TotalEmployees,
}
