//! Token amounts as people write them: `100`, `0.5`, `12.345678` in units of a 6-decimal
//! stablecoin, parsed exactly (no floats: `0.1` is exactly 100000 of the smallest unit).

use weft_chain::U256;

/// Decimals of the dev chain's `USDToken` and of the stablecoins the market is priced in.
pub(crate) const DECIMALS: usize = 6;

/// `text` in the token's smallest unit; `what` names the flag in the error.
pub(crate) fn parse(what: &str, text: &str) -> anyhow::Result<U256> {
    let error = |why: &str| {
        anyhow::anyhow!(
            "{what} {text:?} is not an amount ({why}); expected a number of tokens like 100 or 0.25, at most {DECIMALS} decimals"
        )
    };
    let trimmed = text.trim();
    let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(error("empty"));
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(error("only digits and one decimal point"));
    }
    if fraction.len() > DECIMALS {
        return Err(error("too many decimals"));
    }
    // At most 78 digits fit a U256; more is nonsense for any token.
    if whole.len() > 60 {
        return Err(error("too large"));
    }
    let padded = format!("{whole}{fraction:0<DECIMALS$}");
    let digits = padded.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(U256::ZERO);
    }
    digits.parse::<U256>().map_err(|_| error("too large"))
}

/// `amount` (smallest unit) as tokens, without trailing zeros: `100`, `0.25`.
pub(crate) fn format(amount: U256) -> String {
    let text = amount.to_string();
    let padded = format!("{text:0>width$}", width = DECIMALS + 1);
    let (whole, fraction) = padded.split_at(padded.len() - DECIMALS);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(n: u64) -> U256 {
        U256::from(n)
    }

    #[test]
    fn whole_and_fractional_amounts_are_exact() {
        assert_eq!(parse("--escrow", "100").unwrap(), units(100_000_000));
        assert_eq!(parse("--escrow", "0.1").unwrap(), units(100_000));
        assert_eq!(parse("--escrow", ".5").unwrap(), units(500_000));
        assert_eq!(parse("--escrow", "7.").unwrap(), units(7_000_000));
        assert_eq!(parse("--escrow", "12.345678").unwrap(), units(12_345_678));
        assert_eq!(parse("--escrow", "0").unwrap(), U256::ZERO);
        assert_eq!(parse("--escrow", " 0.000001 ").unwrap(), units(1));
    }

    #[test]
    fn wrong_amounts_name_the_flag() {
        for bad in [
            "",
            ".",
            "-1",
            "1e6",
            "1.2.3",
            "0.0000001",
            "abc",
            "1,5",
            &"9".repeat(61),
        ] {
            let err = parse("--escrow", bad).unwrap_err().to_string();
            assert!(err.starts_with("--escrow"), "{bad}: {err}");
        }
    }

    #[test]
    fn format_roundtrips() {
        for text in ["0", "1", "0.5", "100", "12.345678", "0.000001"] {
            assert_eq!(format(parse("x", text).unwrap()), text);
        }
    }
}
