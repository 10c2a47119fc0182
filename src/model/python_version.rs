//! Whether a Python version meets a `requires-python` specifier: PEP 440's comparison clauses
//! on release numbers, enough to say in one line that a tool asks for a Python this machine
//! does not have, before anything is resolved for it.

/// The operators of a clause, longest first so `<=` is never read as `<`.
const OPERATORS: &[&str] = &["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

/// Whether `version` (as `python3 --version` prints it: `3.11.2`) meets every clause of `spec`
/// (`>=3.10, <4`); `Err` names the clause that is not a specifier.
pub(crate) fn satisfies(spec: &str, version: &str) -> Result<bool, String> {
    let have = release(version).ok_or_else(|| format!("{version:?} is not a version"))?;
    for clause in spec.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if !clause_holds(clause, version, &have)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn clause_holds(clause: &str, version: &str, have: &[u64]) -> Result<bool, String> {
    let bad = || format!("{clause:?} is not a version specifier such as \">=3.10\"");
    let op = OPERATORS
        .iter()
        .find(|op| clause.starts_with(**op))
        .ok_or_else(bad)?;
    let wanted = clause[op.len()..].trim();
    if *op == "===" {
        return Ok(wanted == version.trim());
    }
    let (wanted, wildcard) = match wanted.strip_suffix(".*") {
        Some(prefix) if matches!(*op, "==" | "!=") => (prefix, true),
        Some(_) => return Err(bad()),
        None => (wanted, false),
    };
    let want = release(wanted).ok_or_else(bad)?;
    let order = compare(have, &want);
    let equal = if wildcard {
        starts_with(have, &want)
    } else {
        order == std::cmp::Ordering::Equal
    };
    Ok(match *op {
        "==" => equal,
        "!=" => !equal,
        "<=" => order.is_le(),
        ">=" => order.is_ge(),
        "<" => order.is_lt(),
        ">" => order.is_gt(),
        // `~=3.10` is `>=3.10, ==3.*`: at least two numbers, the last one free.
        _ if want.len() < 2 => return Err(bad()),
        _ => order.is_ge() && starts_with(have, &want[..want.len() - 1]),
    })
}

/// The release numbers of `text` (`3.11.2rc1` → 3, 11, 2), `None` when it starts with none.
fn release(text: &str) -> Option<Vec<u64>> {
    let text = text.trim().trim_start_matches(['v', 'V']);
    let mut numbers = Vec::new();
    for part in text.split('.') {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        numbers.push(digits.parse().ok()?);
        if digits.len() != part.len() {
            break;
        }
    }
    (!numbers.is_empty()).then_some(numbers)
}

/// Whether `have` begins with `prefix`, missing numbers read as zeros.
fn starts_with(have: &[u64], prefix: &[u64]) -> bool {
    prefix
        .iter()
        .enumerate()
        .all(|(i, n)| have.get(i).copied().unwrap_or(0) == *n)
}

/// Release numbers compared as PEP 440 does, the shorter padded with zeros.
fn compare(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let len = a.len().max(b.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| at(a, i).cmp(&at(b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_compare_release_numbers_as_pep_440_does() {
        let yes = |spec| assert_eq!(satisfies(spec, "3.11.2"), Ok(true), "{spec}");
        let no = |spec| assert_eq!(satisfies(spec, "3.11.2"), Ok(false), "{spec}");
        yes(">=3.10");
        yes(">=3.10, <4");
        yes("==3.11.*");
        yes("==3.11.2");
        yes("!=3.10.*");
        yes("~=3.11");
        yes("~=3.11.0");
        yes("<=3.11.2");
        yes(">3.11");
        yes("===3.11.2");
        no(">=3.12");
        no("<3.11");
        no("==3.10.*");
        no("~=3.12");
        no("~=3.10.5");
        no(">=3.10, <3.11");
        assert_eq!(satisfies("==3.11", "3.11.0"), Ok(true));
        assert_eq!(satisfies(">=3.10", "3.11.2rc1"), Ok(true));
    }

    #[test]
    fn what_is_not_a_specifier_is_said_in_one_line() {
        for bad in ["3.10", "=>3.10", ">=x", "~=3", ">=3.*"] {
            let err = satisfies(bad, "3.11.2").expect_err(bad);
            assert!(err.contains("is not a version specifier"), "{err}");
        }
        assert!(satisfies(">=3", "Python").is_err());
    }
}
