//! The security rules over a tool's lock: what its packages may do when they are installed
//! and where they come from. Read from the lock alone; nothing is fetched or run.

use crate::model::deps::{LOCK_FILE, Lock, url_host};
use crate::model::settings::DependencySettings;
use crate::runner::packages::Sources;

use super::super::{CheckKind, Finding, FindingSeverity};

/// A source distribution: installing it runs its build code.
pub(crate) const SDIST_BUILD: &str = "sdist-build";
/// A distribution from a host the user's config does not name.
pub(crate) const UNNAMED_INDEX: &str = "unnamed-index";
/// A name one edit away from a popular package's.
pub(crate) const LOOKALIKE_NAME: &str = "lookalike-name";

/// Packages agents import most, whose names are worth imitating.
const POPULAR: &[&str] = &[
    "requests",
    "numpy",
    "pandas",
    "pyyaml",
    "rich",
    "click",
    "urllib3",
    "certifi",
    "idna",
    "setuptools",
    "six",
    "boto3",
    "botocore",
    "django",
    "flask",
    "fastapi",
    "pydantic",
    "jinja2",
    "httpx",
    "aiohttp",
    "scipy",
    "matplotlib",
    "pillow",
    "cryptography",
    "pytest",
    "typer",
    "tqdm",
    "beautifulsoup4",
    "lxml",
    "sqlalchemy",
    "psycopg2",
    "redis",
    "openai",
    "anthropic",
    "colorama",
    "packaging",
    "attrs",
    "markupsafe",
    "charset-normalizer",
    "python-dateutil",
    "pytz",
    "toml",
    "tomli",
    "protobuf",
    "grpcio",
    "selenium",
    "scrapy",
    "paramiko",
    "jsonschema",
    "pyjwt",
    "docker",
    "kubernetes",
    "torch",
    "tensorflow",
];

/// The findings of `lock` (whose text is `text`), judged against the user's `settings` and
/// the tool's `sources`.
pub(crate) fn scan_lock(
    lock: &Lock,
    text: &str,
    settings: &DependencySettings,
    sources: &Sources,
) -> Vec<Finding> {
    let configured = Sources::configured_hosts(settings);
    let mut findings = Vec::new();
    for package in &lock.packages {
        let line = line_of(text, &package.name);
        let mut finding = |rule: &str, message: String| {
            findings.push(Finding {
                rule: rule.to_string(),
                file: LOCK_FILE.to_string(),
                line,
                severity: FindingSeverity::Warning,
                message,
                check: CheckKind::Security,
            });
        };
        if package.sdist {
            finding(
                SDIST_BUILD,
                format!(
                    "{} {} is a source distribution: installing it runs its build code \
                     (only in the sandbox)",
                    package.name, package.version
                ),
            );
        }
        match url_host(&package.url) {
            Some(host) if !configured.contains(&host) => finding(
                UNNAMED_INDEX,
                format!(
                    "{} comes from {host}, which your config's [dependencies] does not name",
                    package.name
                ),
            ),
            Some(_) => {}
            None => {
                let path = package.url.trim_start_matches("file://");
                let named = settings
                    .find_links
                    .iter()
                    .filter(|l| !l.contains("://"))
                    .any(|l| path.starts_with(l.as_str()));
                if !named {
                    finding(
                        UNNAMED_INDEX,
                        format!(
                            "{} comes from {}, which your config's [dependencies] does not name",
                            package.name, package.url
                        ),
                    );
                }
            }
        }
        if let Some(popular) = lookalike(&package.name) {
            finding(
                LOOKALIKE_NAME,
                format!(
                    "{} is one edit away from the popular {popular}: is it the one meant?",
                    package.name
                ),
            );
        }
    }
    let _ = sources;
    findings
}

/// The line of `name = "<package>"` in the lock.
fn line_of(text: &str, package: &str) -> Option<usize> {
    let wanted = format!("name = \"{package}\"");
    text.lines().position(|l| l.trim() == wanted).map(|i| i + 1)
}

/// The popular name `name` is one edit (insert, delete, substitute, swap) away from.
pub(crate) fn lookalike(name: &str) -> Option<&'static str> {
    let name = normalize(name);
    POPULAR
        .iter()
        .find(|popular| {
            let popular = normalize(popular);
            popular != name && one_edit(&name, &popular)
        })
        .copied()
}

/// PEP 503's normal form: lower case, runs of `-_.` as one `-`.
fn normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    match a.len() as i64 - b.len() as i64 {
        0 => {
            let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match differ.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => deletes_to(&a, &b),
        -1 => deletes_to(&b, &a),
        _ => false,
    }
}

/// `long` with one character removed is `short`.
fn deletes_to(long: &[char], short: &[char]) -> bool {
    (0..long.len()).any(|skip| {
        long.iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, c)| c)
            .eq(short.iter())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_one_edit_from_a_popular_one_are_told() {
        assert_eq!(lookalike("reqeusts"), Some("requests"));
        assert_eq!(lookalike("requets"), Some("requests"));
        assert_eq!(lookalike("numpyy"), Some("numpy"));
        assert_eq!(lookalike("Requests"), None, "the same name in another case");
        assert_eq!(
            lookalike("python_dateutil"),
            None,
            "the same name normalized"
        );
        assert_eq!(lookalike("tinydep"), None);
    }
}
