//! Case search compares a normalized key of the case's text (`search_text`: subject,
//! description, company name and reference under NFKC and lower case), so `ﾃﾚﾜｰｸ` finds
//! `テレワーク` and `ＲＴ` finds `RT`, while the texts themselves keep what the filer wrote.
//!
//! On PostgreSQL an index of the key's character bigrams serves substring search: Japanese
//! has no spaces to split words at, and a two-character query (`労務`, `通信`) is common, which
//! trigram indexes (pg_trgm) cannot serve. `onestop_bigrams` gives the distinct bigrams of a
//! text; a query's bigrams must all be among a case's before the `LIKE` rechecks the match.
use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

/// Adds the search key of cases (and, on PostgreSQL, its bigram index).
#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows backfilled per round trip.
const BATCH: u64 = 500;

/// The service's `domain::text::search_key`, repeated here because this crate cannot depend
/// on the service (the service depends on it); a test in the service compares the two.
pub fn search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The text of a case that search reads, in the order the service builds it.
pub fn searchable(subject: &str, description: &str, company_name: &str, reference: &str) -> String {
    search_key(&format!(
        "{subject}\n{description}\n{company_name}\n{reference}"
    ))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(
                        ColumnDef::new(Tickets::SearchText)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // The key is computed here in Rust, as the service computes it, for every backend.
        let mut after = String::new();
        loop {
            let rows = db
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    match backend {
                        DbBackend::Postgres => {
                            "SELECT subject, description, company_name, reference FROM tickets \
                             WHERE reference > $1 ORDER BY reference LIMIT $2"
                        }
                        _ => {
                            "SELECT subject, description, company_name, reference FROM tickets \
                             WHERE reference > ? ORDER BY reference LIMIT ?"
                        }
                    },
                    [after.clone().into(), BATCH.into()],
                ))
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                // The reference is unique and plain text on every backend (ids are blobs on
                // SQLite), so it keys the batches.
                let reference: String = row.try_get("", "reference")?;
                let text = searchable(
                    &row.try_get::<String>("", "subject")?,
                    &row.try_get::<String>("", "description")?,
                    &row.try_get::<String>("", "company_name")?,
                    &reference,
                );
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    match backend {
                        DbBackend::Postgres => {
                            "UPDATE tickets SET search_text = $1 WHERE reference = $2"
                        }
                        _ => "UPDATE tickets SET search_text = ? WHERE reference = ?",
                    },
                    [text.into(), reference.clone().into()],
                ))
                .await?;
                after = reference;
            }
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE FUNCTION onestop_bigrams(t text) RETURNS text[] \
                 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ \
                   SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}') \
                   FROM generate_series(1, char_length(t) - 1) AS i \
                 $$",
            )
            .await?;
            db.execute_unprepared(
                "CREATE INDEX tickets_search_bigrams ON tickets \
                 USING gin (onestop_bigrams(search_text))",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("DROP INDEX IF EXISTS tickets_search_bigrams")
                .await?;
            db.execute_unprepared("DROP FUNCTION IF EXISTS onestop_bigrams(text)")
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(Tickets::SearchText)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    SearchText,
}
