//! `onestop seed-demo`: a small, realistic data set to try the API with: partner bodies,
//! telework managers, cases filed through the same service code as the API, and one client
//! per role.
use anyhow::Context;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    auth::{Actor, Role},
    db::begin_write,
    domain::{
        company_size::{CapitalJpy, Employees},
        corporate_number::CorporateNumber,
        industry::Industry,
        partner_kind::PartnerKind,
        prefecture::Prefecture,
        ticket_fields::{Channel, PreferredMode},
        topic::Topic,
        track::Track,
    },
    entities::partner,
    services::{
        Workflow,
        clients::{self, NewClient},
        managers::{self, NewManager},
        partners::{self, NewPartner},
        routing::RoutingEngine,
        tickets::{self, Contact, NewCompany, NewTicket},
    },
};

const FIRST_PARTNER: &str = "東京商工会議所（デモ）";

fn prefecture(code: &str) -> anyhow::Result<Prefecture> {
    Prefecture::parse(code).map_err(|e| anyhow::anyhow!("{e}"))
}

fn topics(codes: &[&str]) -> anyhow::Result<Vec<Topic>> {
    codes
        .iter()
        .map(|code| Topic::parse(code).map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

fn api_error(error: crate::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

/// Seeds the demo data and returns what was made, with the clients' secrets.
pub async fn seed(db: &DatabaseConnection) -> anyhow::Result<Value> {
    let already = partner::Entity::find()
        .filter(partner::Column::Name.eq(FIRST_PARTNER))
        .one(db)
        .await?;
    if already.is_some() {
        anyhow::bail!("the demo data is already in this database (partner {FIRST_PARTNER} exists)");
    }
    let partner_ids = seed_partners(db).await?;
    let manager_ids = seed_managers(db).await?;
    let credentials = seed_clients(db, &partner_ids, &manager_ids).await?;
    let references = seed_tickets(db, &partner_ids).await?;
    Ok(json!({
        "partners": partner_ids,
        "managers": manager_ids,
        "cases": references,
        "clients": credentials,
    }))
}

async fn seed_partners(db: &DatabaseConnection) -> anyhow::Result<Vec<Uuid>> {
    let mut partner_ids = Vec::new();
    for (name, kind, code) in [
        (FIRST_PARTNER, PartnerKind::ChamberOfCommerce, "13"),
        (
            "大阪府社会保険労務士会（デモ）",
            PartnerKind::SharoushiAssociation,
            "27",
        ),
        (
            "福岡県商工会連合会（デモ）",
            PartnerKind::SocietyOfCommerce,
            "40",
        ),
    ] {
        let created = partners::create(
            db,
            NewPartner {
                name: name.to_owned(),
                kind,
                prefecture: prefecture(code)?,
            },
        )
        .await
        .map_err(api_error)?;
        partner_ids.push(created.id);
    }
    Ok(partner_ids)
}

async fn seed_managers(db: &DatabaseConnection) -> anyhow::Result<Vec<Uuid>> {
    let mut manager_ids = Vec::new();
    for (name, tracks, topic_codes, prefectures, onsite, capacity) in [
        (
            "佐藤 花子",
            vec![Track::Labor],
            vec!["labor.work_rules", "labor.working_hours"],
            vec!["13", "14"],
            true,
            5,
        ),
        (
            "鈴木 一郎",
            vec![Track::Ict],
            vec!["ict.remote_access", "ict.security"],
            vec!["13"],
            true,
            4,
        ),
        (
            "高橋 美咲",
            vec![Track::Labor],
            vec!["labor.subsidies", "labor.evaluation"],
            vec!["27", "26"],
            true,
            3,
        ),
        (
            "田中 健",
            vec![Track::Ict, Track::Labor],
            vec!["ict.cloud_tools", "general.getting_started"],
            vec![],
            false,
            6,
        ),
        (
            "伊藤 直子",
            vec![Track::Ict],
            vec!["ict.paperless", "ict.devices"],
            vec!["40"],
            true,
            3,
        ),
    ] {
        let created = managers::create(
            db,
            NewManager {
                name: name.to_owned(),
                email: format!("manager{}@demo.onestop.example", manager_ids.len() + 1),
                tracks,
                topics: topics(&topic_codes)?,
                prefectures: prefectures
                    .iter()
                    .map(|c| prefecture(c))
                    .collect::<Result<_, _>>()?,
                online: true,
                onsite,
                capacity,
                active: true,
            },
        )
        .await
        .map_err(api_error)?;
        manager_ids.push(created.id);
    }
    Ok(manager_ids)
}

/// One client per role, bound to the first partner and manager.
async fn seed_clients(
    db: &DatabaseConnection,
    partner_ids: &[Uuid],
    manager_ids: &[Uuid],
) -> anyhow::Result<Vec<Value>> {
    let mut credentials = Vec::new();
    for (role, partner_id, manager_id) in [
        (Role::Admin, None, None),
        (Role::Coordinator, None, None),
        (Role::Partner, partner_ids.first().copied(), None),
        (Role::Manager, None, manager_ids.first().copied()),
        (Role::Analyst, None, None),
    ] {
        let created = clients::create(
            db,
            NewClient {
                name: format!("demo {role}"),
                role,
                partner_id,
                manager_id,
            },
        )
        .await
        .map_err(api_error)?;
        credentials.push(json!({
            "role": role.as_str(),
            "client_id": created.client.client_id,
            "client_secret": created.client_secret,
            "partner_id": partner_id,
            "manager_id": manager_id,
        }));
    }
    Ok(credentials)
}

/// Cases filed through the same service code as `POST /v1/tickets`, spread over the partners.
async fn seed_tickets(db: &DatabaseConnection, partner_ids: &[Uuid]) -> anyhow::Result<Vec<Value>> {
    let routing = RoutingEngine::new()?;
    let workflow = Workflow::default();
    let tickets = [
        (
            "株式会社サンプル製作所",
            Some("7000012050002"),
            "13",
            "E",
            45,
            "在宅勤務の労働時間管理について",
            "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
            vec!["labor.working_hours", "labor.work_rules"],
        ),
        (
            "有限会社みなと商店",
            None,
            "14",
            "I",
            12,
            "社外から社内システムに安全に接続したい",
            "VPNかリモートデスクトップか、セキュリティ対策と費用感を相談したい。",
            vec!["ict.remote_access", "ict.security"],
        ),
        (
            "株式会社なにわ物流",
            None,
            "27",
            "H",
            180,
            "テレワーク手当と評価制度",
            "在宅勤務者の通信費補助や人事評価の見直しについて助言がほしい。",
            vec!["labor.allowances", "labor.evaluation"],
        ),
        (
            "合同会社はかた設計",
            None,
            "40",
            "L",
            8,
            "紙の書類と押印をなくしたい",
            "請求書や稟議の電子化、クラウドストレージの選び方を知りたい。",
            vec!["ict.paperless", "ict.cloud_tools"],
        ),
    ];
    let mut references = Vec::new();
    for (index, (name, corporate, code, industry, employees, subject, description, topic_codes)) in
        tickets.into_iter().enumerate()
    {
        let partner_id = partner_ids.get(index % partner_ids.len()).copied();
        let actor = Actor::new("seed-demo".to_owned(), Role::Partner, partner_id, None);
        let new = NewTicket {
            company: NewCompany {
                name: name.to_owned(),
                corporate_number: corporate
                    .map(|c| CorporateNumber::parse(c).map_err(|e| anyhow::anyhow!("{e}")))
                    .transpose()?,
                prefecture: prefecture(code)?,
                industry: Some(Industry::parse(industry).map_err(|e| anyhow::anyhow!("{e}"))?),
                employees: Some(Employees::parse(employees).map_err(|e| anyhow::anyhow!("{e}"))?),
                capital_jpy: Some(
                    CapitalJpy::parse(10_000_000).map_err(|e| anyhow::anyhow!("{e}"))?,
                ),
                name_kana: None,
                address: None,
                total_employees: None,
            },
            contact: Contact {
                name: "山田 太郎".to_owned(),
                email: format!("contact{}@demo-company.example.jp", index + 1),
                phone: Some("03-1234-5678".to_owned()),
            },
            subject: subject.to_owned(),
            description: description.to_owned(),
            topics: topics(&topic_codes)?,
            preferred_mode: PreferredMode::Either,
            channel: Channel::Partner,
            data_source: None,
        };
        let tx = begin_write(db).await?;
        let start = tickets::FilingStart::new(tx.get_database_backend(), &new);
        let started = start.run(&tx).await.map_err(api_error)?;
        let filing = tickets::create(&tx, &routing, &workflow, &actor, new, &start, &started)
            .await
            .map_err(api_error)
            .context("filing a demo case")?;
        filing.writes.run(&tx).await?;
        tx.commit().await?;
        let ticket = filing.made;
        references.push(json!({"id": ticket.row.id, "reference": ticket.row.reference, "status": ticket.row.status}));
    }
    Ok(references)
}
