//! Small text normalizations shared by the parsers.

/// Folds a full-width ASCII character (`０`–`９`, `Ａ`–`Ｚ`, `ａ`–`ｚ`, as Japanese input
/// methods type them) to its ASCII form; every other character comes back unchanged.
pub(crate) fn fold_full_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            // The full-width forms sit at a fixed distance from ASCII (U+FF01 ↔ U+0021).
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::fold_full_width;

    #[test]
    fn full_width_digits_and_letters_fold_to_ascii_and_other_characters_stay() {
        #[rustfmt::skip]
        let cases = [
            ('０', '0'),
            ('５', '5'),
            ('９', '9'),
            ('Ａ', 'A'),
            ('Ｅ', 'E'),
            ('ｔ', 't'),
            ('7', '7'),
            ('e', 'e'),
            ('東', '東'),
            ('－', '－'),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_full_width(input), expected, "input {input:?}");
        }
    }
}
