//! `/v1/companies/{id}`: the shared company record, which the center keeps (coordinator,
//! admin). Each case shows the details its own filer gave; this is the one record behind
//! them, the identity free sessions are counted by.
use actix_web::{HttpResponse, get, patch, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    domain::{
        address::{Address, PostalCode, parse_city, parse_line},
        company_size::{CapitalJpy, Employees},
        industry::Industry,
        kana::NameKana,
        limits::NAME_MAX_CHARS,
        prefecture::Prefecture,
    },
    entities::company,
    error::{ApiError, FieldErrors, Problem},
    extract::{IfMatch, JsonBody},
    routes::{
        fields::{check_text, present},
        ok_with_etag,
    },
    services::{
        self,
        companies::{AddressColumns, CompanyChanges, size_of},
    },
    state::AppState,
};

/// The shared company record (coordinators and admins only).
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyRecordView {
    /// Company id: the same on every case about the company, whoever filed it.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// 法人番号 (the identity, when there is one).
    pub corporate_number: Option<String>,
    /// Prefecture code.
    pub prefecture: String,
    /// Prefecture name.
    pub prefecture_name: String,
    /// JSIC division.
    pub industry: Option<String>,
    /// Regular employees.
    pub employees: Option<i64>,
    /// Capital in yen.
    pub capital_jpy: Option<i64>,
    /// The name's reading (フリガナ, full-width katakana).
    #[schema(example = "カブシキガイシャ　サンプルセイサクショ")]
    pub name_kana: Option<String>,
    /// The head-office address (null when none was given).
    pub address: Option<AddressView>,
    /// Total head count (regular employees are `employees`, the figure the SME definition
    /// counts).
    #[schema(example = 60)]
    pub total_employees: Option<i64>,
    /// SME under the SME Basic Act (null when the figures do not tell).
    pub is_sme: Option<bool>,
    /// Small enterprise (小規模企業者).
    pub is_small: Option<bool>,
    /// Version for `If-Match` (also the `ETag`).
    pub version: i32,
    /// First filed.
    pub created_at: DateTime<Utc>,
    /// Last changed by a coordinator (filings never change the record).
    pub updated_at: DateTime<Utc>,
}

impl CompanyRecordView {
    /// The view of a stored record.
    pub fn from_model(model: company::Model) -> Result<Self, ApiError> {
        let prefecture = model.prefecture;
        let size = size_of(model.industry, model.capital_jpy, model.employees);
        Ok(Self {
            id: model.id,
            name: model.name,
            corporate_number: model.corporate_number,
            prefecture: prefecture.code().to_owned(),
            prefecture_name: prefecture.name_ja().to_owned(),
            industry: model.industry.map(|i| i.code().to_owned()),
            employees: model.employees,
            capital_jpy: model.capital_jpy,
            name_kana: model.name_kana,
            address: AddressView::of(
                prefecture,
                AddressColumns {
                    postal_code: model.postal_code,
                    city: model.city,
                    street: model.street,
                    building: model.building,
                },
            ),
            total_employees: model.total_employees,
            is_sme: size.is_sme,
            is_small: size.is_small,
            version: model.version,
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }
}

/// A head-office address as Japanese forms ask for it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"postal_code": "100-0001", "prefecture": "13", "city": "千代田区",
    "street": "千代田1-1", "building": "サンプルビル3階"}))]
pub struct AddressInput {
    /// 郵便番号: `NNN-NNNN`; also accepted as 7 digits, in full width, or after `〒`, and
    /// answered as `NNN-NNNN`.
    #[schema(example = "100-0001")]
    pub postal_code: Option<String>,
    /// 都道府県 (code or name): when given, it must be the company's prefecture.
    #[schema(example = "13")]
    pub prefecture: Option<String>,
    /// 市区町村 (required; up to 50 characters, ending in 市, 区, 町 or 村).
    #[schema(example = "千代田区", max_length = 50)]
    pub city: Option<String>,
    /// 町域・番地 (up to 100 characters).
    #[schema(example = "千代田1-1", max_length = 100)]
    pub street: Option<String>,
    /// 建物名 (up to 100 characters).
    #[schema(example = "サンプルビル3階", max_length = 100)]
    pub building: Option<String>,
}

impl AddressInput {
    /// The checked address and the prefecture it states; every bad part is added to
    /// `errors` under `prefix` (`company.address.city`).
    pub(crate) fn parse(
        self,
        errors: &mut FieldErrors,
        prefix: &str,
    ) -> Option<(Address, Option<Prefecture>)> {
        let field = |name: &str| format!("{prefix}.{name}");
        let postal_code = errors.check_optional(field("postal_code"), self.postal_code, |raw| {
            PostalCode::parse(&raw)
        });
        let prefecture = errors.check_optional(field("prefecture"), self.prefecture, |raw| {
            Prefecture::parse(&raw)
        });
        let city = match self.city {
            Some(raw) => errors.check(field("city"), parse_city(&raw)),
            None => {
                errors.add(field("city"), "is required");
                None
            }
        };
        let street = errors.check_optional(field("street"), self.street, |raw| parse_line(&raw));
        let building =
            errors.check_optional(field("building"), self.building, |raw| parse_line(&raw));
        Some((
            Address {
                postal_code: postal_code?,
                city: city?,
                street: street?,
                building: building?,
            },
            prefecture?,
        ))
    }
}

/// A head-office address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    /// 郵便番号, `NNN-NNNN`.
    #[schema(example = "100-0001")]
    pub postal_code: Option<String>,
    /// 都道府県 code (the company's).
    #[schema(example = "13")]
    pub prefecture: String,
    /// 都道府県 name.
    #[schema(example = "東京都")]
    pub prefecture_name: String,
    /// 市区町村.
    #[schema(example = "千代田区")]
    pub city: String,
    /// 町域・番地.
    #[schema(example = "千代田1-1")]
    pub street: Option<String>,
    /// 建物名.
    #[schema(example = "サンプルビル3階")]
    pub building: Option<String>,
}

impl AddressView {
    /// The address stored in `columns` (none when it has no city), in `prefecture`.
    pub fn of(prefecture: Prefecture, columns: AddressColumns) -> Option<Self> {
        Some(Self {
            prefecture: prefecture.code().to_owned(),
            prefecture_name: prefecture.name_ja().to_owned(),
            city: columns.city?,
            postal_code: columns.postal_code,
            street: columns.street,
            building: columns.building,
        })
    }
}

/// Changes to company details; send only what changes. `null` clears `industry`,
/// `employees`, `capital_jpy`, `name_kana`, `address` or `total_employees`. The corporate number is the company's identity and is not
/// changed here.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyChangesInput {
    /// Company name (1–200 characters).
    #[schema(example = "株式会社サンプル製作所")]
    pub name: Option<String>,
    /// Prefecture: JIS X 0401 code or Japanese name.
    #[schema(example = "13")]
    pub prefecture: Option<String>,
    /// JSIC major division, `A`–`T` (`null` clears it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, example = "E")]
    pub industry: Option<Option<String>>,
    /// Regular employees, 0 or more (`null` clears them).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, example = 45)]
    pub employees: Option<Option<i64>>,
    /// Capital in yen, 0 or more (`null` clears it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, example = 10000000)]
    pub capital_jpy: Option<Option<i64>>,
    /// The name's reading (フリガナ): full-width katakana, ー and spaces; half-width katakana
    /// are converted (`null` clears it).
    #[serde(default, deserialize_with = "present")]
    #[schema(
        value_type = Option<String>,
        example = "カブシキガイシャ サンプルセイサクショ",
        max_length = 200
    )]
    pub name_kana: Option<Option<String>>,
    /// The whole head-office address, replacing the old one (`null` clears it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<AddressInput>)]
    pub address: Option<Option<AddressInput>>,
    /// Total head count, at least `employees` (`null` clears it).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, example = 60)]
    pub total_employees: Option<Option<i64>>,
}

impl CompanyChangesInput {
    /// The checked changes; every bad field is added to `errors` under `prefix`
    /// (`company.employees` in a case's edit, `employees` for the record).
    pub(crate) fn parse(self, errors: &mut FieldErrors, prefix: &str) -> CompanyChanges {
        let field = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let name = self
            .name
            .map(|raw| check_text(errors, &field("name"), &raw, NAME_MAX_CHARS));
        let prefecture = self
            .prefecture
            .and_then(|raw| errors.check(field("prefecture"), Prefecture::parse(&raw)));
        // A bad value leaves the field out (`None`); `finish` refuses the whole request.
        let industry = errors.check_nullable(field("industry"), self.industry, |raw| {
            Industry::parse(&raw)
        });
        let employees = errors.check_nullable(field("employees"), self.employees, Employees::parse);
        let capital_jpy =
            errors.check_nullable(field("capital_jpy"), self.capital_jpy, CapitalJpy::parse);
        let name_kana = errors.check_nullable(field("name_kana"), self.name_kana, |raw| {
            NameKana::parse(&raw)
        });
        let address = self.address.and_then(|raw| match raw {
            None => Some(None),
            Some(input) => input.parse(errors, &field("address")).map(Some),
        });
        let total_employees = errors.check_nullable(
            field("total_employees"),
            self.total_employees,
            Employees::parse,
        );
        CompanyChanges {
            name,
            prefecture,
            industry,
            employees,
            capital_jpy,
            name_kana,
            address,
            total_employees,
        }
    }
}

fn record_response(model: company::Model) -> Result<HttpResponse, ApiError> {
    let view = CompanyRecordView::from_model(model)?;
    Ok(ok_with_etag(view.version, view))
}

/// The shared record of a company, with its `ETag` (coordinator, admin). Find its id as
/// `company_record.id` on any case about the company.
#[utoipa::path(
    tag = "companies",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Company id")),
    responses(
        (status = 200, body = CompanyRecordView, headers(("ETag" = String))),
    )
)]
#[get("/v1/companies/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_company(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadCompanies)?;
    record_response(services::companies::get(&state.db, id.into_inner()).await?)
}

/// Changes the shared record of a company (coordinator, admin), writing `company.updated`.
/// The cases about the company keep the details their filers gave. `If-Match` is required:
/// 428 without it, 412 when the record changed since it was read; 409 when a company without
/// a corporate number would take the name another one has in the prefecture.
#[utoipa::path(
    tag = "companies",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Company id"),
        ("If-Match" = String, Header, description = "The ETag of the record as read"),
    ),
    request_body = CompanyChangesInput,
    responses(
        (status = 200, body = CompanyRecordView, headers(("ETag" = String))),
        (status = 409, description = "Another company record without a corporate number has this name in this prefecture", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/companies/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn update_company(
    state: web::Data<AppState>,
    client: Actor,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<CompanyChangesInput>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::EditCompanies)?;
    let id = id.into_inner();
    // Existence first, so an unknown id is 404 whatever the headers.
    services::companies::get(&state.db, id).await?;
    let expected =
        if_match.required("send If-Match with the ETag of the company record you read")?;
    let mut errors = FieldErrors::new();
    let changes = body.read(&allowed)?.parse(&mut errors, "");
    errors.finish()?;
    if changes.is_empty() {
        return Err(ApiError::invalid_field(
            "body",
            "send at least one field to change",
        ));
    }
    let updated = services::companies::update(&state.db, &client, id, &expected, changes).await?;
    record_response(updated)
}
