//! One way to change a versioned row: the change, the version bump and the change time in one
//! conditional `UPDATE`, kept to the row as its writer read it, with the answer for a write
//! that came first. Optimistic concurrency is this one statement, never a read-then-write.
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany,
    sea_query::{Expr, ExprTrait, IntoCondition, SimpleExpr},
};
use uuid::Uuid;

use crate::{
    entities::{company, manager, ticket},
    error::ApiError,
};

/// An entity whose rows carry an id, an optimistic-concurrency version and a change time.
pub trait Versioned: EntityTrait {
    /// The id column.
    const ID: Self::Column;
    /// The version column (bumped by every change).
    const VERSION: Self::Column;
    /// The change time column.
    const UPDATED_AT: Self::Column;
}

impl Versioned for ticket::Entity {
    const ID: Self::Column = ticket::Column::Id;
    const VERSION: Self::Column = ticket::Column::Version;
    const UPDATED_AT: Self::Column = ticket::Column::UpdatedAt;
}

impl Versioned for company::Entity {
    const ID: Self::Column = company::Column::Id;
    const VERSION: Self::Column = company::Column::Version;
    const UPDATED_AT: Self::Column = company::Column::UpdatedAt;
}

impl Versioned for manager::Entity {
    const ID: Self::Column = manager::Column::Id;
    const VERSION: Self::Column = manager::Column::Version;
    const UPDATED_AT: Self::Column = manager::Column::UpdatedAt;
}

/// A change of one versioned row, built up column by column and applied once.
#[derive(Debug)]
#[must_use = "a versioned update changes nothing until it is applied"]
pub struct VersionedUpdate<E: Versioned> {
    update: UpdateMany<E>,
}

impl<E: Versioned> VersionedUpdate<E> {
    /// A change of the row `id` as it was read at `read_version`: if another write committed
    /// in between, the change matches no row and [`VersionedUpdate::apply`] refuses it.
    pub fn of(id: Uuid, read_version: i32) -> Self {
        Self::guarded(id, E::VERSION.eq(read_version))
    }

    /// A change of the row `id` while `guard` holds (a state the change depends on, when the
    /// writer did not read a version).
    pub fn guarded(id: Uuid, guard: impl IntoCondition) -> Self {
        let update = E::update_many()
            .col_expr(E::VERSION, Expr::col(E::VERSION).add(1))
            .col_expr(E::UPDATED_AT, Expr::value(Utc::now()))
            .filter(E::ID.eq(id))
            .filter(guard);
        Self { update }
    }

    /// Sets `column` to `value` as part of the change.
    pub fn set(self, column: E::Column, value: impl Into<SimpleExpr>) -> Self {
        Self {
            update: self.update.col_expr(column, value.into()),
        }
    }

    /// Sets `column` when `value` is given; leaves it as it is otherwise.
    pub fn set_if<V: Into<SimpleExpr>>(self, column: E::Column, value: Option<V>) -> Self {
        match value {
            Some(value) => self.set(column, value),
            None => self,
        }
    }

    /// Makes the change if the row is still as read; whether it was.
    pub async fn try_apply(self, db: &impl ConnectionTrait) -> Result<bool, ApiError> {
        Ok(self.update.exec(db).await?.rows_affected == 1)
    }

    /// Makes the change; `lost` is the answer when the row moved on (or is gone) since it was
    /// read, so the caller says what that means (412 after an `If-Match`, 409 otherwise).
    pub async fn apply(
        self,
        db: &impl ConnectionTrait,
        lost: impl FnOnce() -> ApiError,
    ) -> Result<(), ApiError> {
        if self.try_apply(db).await? {
            Ok(())
        } else {
            Err(lost())
        }
    }
}
