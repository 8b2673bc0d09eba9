//! The routing rule set as stored data, and the router built from the current version.
use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, SqlErr,
    sea_query::OnConflict,
};

use crate::{
    classifier::{NgramModel, Router, RouterError, RoutingDecision, RoutingInput, RuleSet},
    entities::routing_rule_set,
    error::ApiError,
};

/// Builds routers for rule-set versions as they change, training the model only once.
pub struct RoutingEngine {
    model: NgramModel,
    current: RwLock<Arc<Router>>,
    /// When this instance last confirmed that `current` is the stored version.
    confirmed_at: Mutex<Option<Instant>>,
}

/// How long an instance trusts its router without asking the database for the version: a
/// rule change reaches other instances within this time (the writing instance at once).
pub const RULES_RECHECK: Duration = Duration::from_secs(1);

impl RoutingEngine {
    /// Trains the model on the shipped examples and compiles the default rules.
    pub fn new() -> anyhow::Result<Self> {
        let model = NgramModel::shipped()?;
        let router = Router::with_model(RuleSet::default_rules()?, model.clone())
            .map_err(|error| anyhow::anyhow!("the shipped routing rules are invalid: {error}"))?;
        Ok(Self {
            model,
            current: RwLock::new(Arc::new(router)),
            confirmed_at: Mutex::new(None),
        })
    }

    /// The router for the current stored rule set. Every instance checks the stored version
    /// (one indexed read), so a rule change made on one instance applies on all at once.
    pub async fn router(&self, db: &impl ConnectionTrait) -> Result<Arc<Router>, ApiError> {
        if let Some(router) = self.recently_confirmed() {
            return Ok(router);
        }
        // Only the version is read on the hot path; the rules (tens of kilobytes of JSON)
        // are loaded and compiled when the version changes.
        if let Some(router) = self.cached(current_version(db).await?) {
            self.confirm();
            return Ok(router);
        }
        let stored = current(db).await?;
        let router = Arc::new(
            Router::with_model(stored, self.model.clone()).map_err(|error| {
                ApiError::Internal(anyhow::anyhow!(
                    "a stored rule set does not compile: {error}"
                ))
            })?,
        );
        if let Ok(mut current) = self.current.write() {
            *current = router.clone();
        }
        self.confirm();
        Ok(router)
    }

    /// Classifies `input` with the current rule set.
    pub async fn classify(
        &self,
        db: &impl ConnectionTrait,
        input: &RoutingInput,
    ) -> Result<(RoutingDecision, bool), ApiError> {
        let router = self.router(db).await?;
        let decision = router.classify(input);
        let apply = router.should_apply(&decision);
        Ok((decision, apply))
    }

    fn recently_confirmed(&self) -> Option<Arc<Router>> {
        let confirmed = (*self.confirmed_at.lock().ok()?)?;
        if confirmed.elapsed() >= RULES_RECHECK {
            return None;
        }
        self.current.read().ok().map(|current| current.clone())
    }

    fn confirm(&self) {
        if let Ok(mut confirmed) = self.confirmed_at.lock() {
            *confirmed = Some(Instant::now());
        }
    }

    /// Makes the next decision read the stored version (after this instance changed it).
    pub fn invalidate(&self) {
        if let Ok(mut confirmed) = self.confirmed_at.lock() {
            *confirmed = None;
        }
    }

    fn cached(&self, version: i64) -> Option<Arc<Router>> {
        let current = self.current.read().ok()?;
        (current.rules().version == version).then(|| current.clone())
    }

    /// Checks a rule set the way storing it would, compiling it with the trained model.
    pub fn check(&self, rules: &RuleSet) -> Result<(), ApiError> {
        match Router::with_model(rules.clone(), self.model.clone()) {
            Ok(_) => Ok(()),
            Err(RouterError::InvalidRules(errors)) => Err(ApiError::Validation { errors }),
            Err(other) => Err(ApiError::invalid_field("phrases", other.to_string())),
        }
    }
}

/// Stores the shipped default rules as the first version when no rule set is stored yet.
pub async fn ensure_default_rules(db: &impl ConnectionTrait) -> anyhow::Result<()> {
    let rules = RuleSet::default_rules()?;
    routing_rule_set::Entity::insert(routing_rule_set::ActiveModel {
        version: Set(rules.version),
        rules: Set(serde_json::to_string(&rules)?),
        created_by: Set(None),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(routing_rule_set::Column::Version)
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await?;
    Ok(())
}

/// The version of the current rule set.
pub async fn current_version(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    routing_rule_set::Entity::find()
        .select_only()
        .column(routing_rule_set::Column::Version)
        .order_by_desc(routing_rule_set::Column::Version)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no routing rule set is stored")))
}

/// The current (highest) stored rule set.
pub async fn current(db: &impl ConnectionTrait) -> Result<RuleSet, ApiError> {
    let stored = routing_rule_set::Entity::find()
        .order_by_desc(routing_rule_set::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no routing rule set is stored")))?;
    serde_json::from_str(&stored.rules).map_err(|error| {
        ApiError::Internal(anyhow::anyhow!(
            "stored rule set {} is corrupt: {error}",
            stored.version
        ))
    })
}

/// Replaces the rule set. `rules.version` must be the version the caller read (so two
/// coordinators editing at once cannot silently overwrite each other); the stored version is
/// the next number.
pub async fn replace(
    db: &impl ConnectionTrait,
    engine: &RoutingEngine,
    mut rules: RuleSet,
    actor: &str,
) -> Result<RuleSet, ApiError> {
    engine.check(&rules)?;
    let current = current(db).await?;
    if rules.version != current.version {
        return Err(stale(current.version));
    }
    rules.version = current.version + 1;
    let inserted = routing_rule_set::Entity::insert(routing_rule_set::ActiveModel {
        version: Set(rules.version),
        rules: Set(serde_json::to_string(&rules).map_err(anyhow::Error::from)?),
        created_by: Set(Some(actor.to_owned())),
        created_at: Set(Utc::now()),
    })
    .exec(db)
    .await;
    match inserted {
        Ok(_) => {
            engine.invalidate();
            Ok(rules)
        }
        // Another writer stored the same next version first: the primary key decides.
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(stale(current.version + 1))
        }
        Err(error) => Err(error.into()),
    }
}

fn stale(current_version: i64) -> ApiError {
    let mut extensions = serde_json::Map::new();
    extensions.insert("current_version".into(), current_version.into());
    ApiError::Conflict {
        slug: "stale-rule-set",
        detail: format!(
            "the rule set changed since you read it (current version {current_version}); \
             GET it again, reapply your edit and PUT it with that version"
        ),
        extensions,
    }
}
