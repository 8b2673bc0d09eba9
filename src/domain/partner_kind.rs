//! The kinds of partner bodies that hand cases to the center.
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What kind of body a partner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// 商工会議所.
    ChamberOfCommerce,
    /// 商工会.
    SocietyOfCommerce,
    /// 社会保険労務士会.
    SharoushiAssociation,
    /// NTTユーザー協会.
    NttUserAssociation,
    /// Any other body.
    Other,
}

impl PartnerKind {
    /// Every kind.
    pub const ALL: [PartnerKind; 5] = [
        PartnerKind::ChamberOfCommerce,
        PartnerKind::SocietyOfCommerce,
        PartnerKind::SharoushiAssociation,
        PartnerKind::NttUserAssociation,
        PartnerKind::Other,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerKind::ChamberOfCommerce => "chamber_of_commerce",
            PartnerKind::SocietyOfCommerce => "society_of_commerce",
            PartnerKind::SharoushiAssociation => "sharoushi_association",
            PartnerKind::NttUserAssociation => "ntt_user_association",
            PartnerKind::Other => "other",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
            .ok_or_else(|| {
                format!(
                    "must be one of chamber_of_commerce, society_of_commerce, \
                     sharoushi_association, ntt_user_association, other (got {raw:?})"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_their_wire_names_only() {
        for kind in PartnerKind::ALL {
            assert_eq!(PartnerKind::parse(kind.as_str()), Ok(kind));
        }
        for bad in ["", "Chamber_of_commerce", "chamber"] {
            assert!(PartnerKind::parse(bad).is_err(), "{bad:?}");
        }
    }
}
