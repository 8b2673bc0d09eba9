//! The ministries' success measures: the company's survey answers on the outcome, and the
//! one-time links companies answer through without an account.
use sea_orm_migration::{prelude::*, schema::*};

/// Adds `survey_purpose_achieved`, `survey_satisfied`, `survey_will_consider` and
/// `survey_responded_at` to the outcomes, and creates `survey_links`: one per case (issuing
/// again replaces it), found by the SHA-256 of its token (the token itself is never stored).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in [
            boolean_null(Outcomes::SurveyPurposeAchieved),
            boolean_null(Outcomes::SurveySatisfied),
            boolean_null(Outcomes::SurveyWillConsider),
            timestamp_with_time_zone_null(Outcomes::SurveyRespondedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outcomes::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SurveyLinks::Table)
                    .col(uuid(SurveyLinks::TicketId).primary_key())
                    .col(string_len(SurveyLinks::TokenHash, 64).unique_key())
                    .col(timestamp_with_time_zone(SurveyLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SurveyLinks::AnsweredAt))
                    .col(string_len(SurveyLinks::CreatedBy, 64))
                    .col(timestamp_with_time_zone(SurveyLinks::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SurveyLinks::Table).to_owned())
            .await?;
        for column in [
            Outcomes::SurveyRespondedAt,
            Outcomes::SurveyWillConsider,
            Outcomes::SurveySatisfied,
            Outcomes::SurveyPurposeAchieved,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Outcomes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    SurveyPurposeAchieved,
    SurveySatisfied,
    SurveyWillConsider,
    SurveyRespondedAt,
}

#[derive(DeriveIden)]
enum SurveyLinks {
    Table,
    TicketId,
    TokenHash,
    ExpiresAt,
    AnsweredAt,
    CreatedBy,
    CreatedAt,
}
