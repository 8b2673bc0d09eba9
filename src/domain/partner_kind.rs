//! The kinds of partner bodies that hand cases to the center.
use super::wire::wire_enum;

wire_enum!(
    /// What kind of body a partner is.
    PartnerKind {
        /// 商工会議所.
        ChamberOfCommerce => "chamber_of_commerce",
        /// 商工会.
        SocietyOfCommerce => "society_of_commerce",
        /// 社会保険労務士会.
        SharoushiAssociation => "sharoushi_association",
        /// NTTユーザー協会.
        NttUserAssociation => "ntt_user_association",
        /// Any other body.
        Other => "other",
    }
);

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
