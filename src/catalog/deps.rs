//! What a tool's files declare it needs: PEP 723 inline metadata (`# /// script`) in its entry
//! script, or a `requirements.txt` beside its manifest. Reads those two files and nothing else;
//! every problem is one line naming the file, the line and the field.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Manifest;
use crate::model::deps::{
    DECLARED_PREFIX, Declared, LOCK_FILE, Lock, LockedPackage, REQUIREMENTS_FILE,
};

/// The most a declaring file may hold: a script or a list of packages, never this big.
const MAX_DECLARING_BYTES: u64 = 1024 * 1024;
/// The most requirements one tool may declare.
const MAX_REQUIREMENTS: usize = 500;

/// A problem in what a tool declares, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeclaredError {
    pub(crate) file: PathBuf,
    pub(crate) line: Option<usize>,
    pub(crate) field: &'static str,
    pub(crate) message: String,
}

impl fmt::Display for DeclaredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": field `{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for DeclaredError {}

/// The entry script of a Python tool: the first argument of its command that names a `.py`
/// file inside its folder (`["python3", "main.py"]`, `["./main.py"]`).
pub(crate) fn entry_script(manifest: &Manifest) -> Option<String> {
    manifest
        .run
        .command
        .iter()
        .map(|arg| arg.trim_start_matches("./"))
        .find(|arg| arg.ends_with(".py") && super::manifest::is_relative_inside(arg))
        .map(str::to_string)
}

/// What the tool in `tool_dir` declares, or `None` when it declares no packages.
pub(crate) fn read_declared(
    tool_dir: &Path,
    manifest: &Manifest,
) -> Result<Option<Declared>, DeclaredError> {
    let inline = match entry_script(manifest) {
        Some(script) => {
            let path = tool_dir.join(&script);
            match read(&path)? {
                Some(text) => parse_inline(&text, &script, &path)?,
                None => None,
            }
        }
        None => None,
    };
    let requirements_path = tool_dir.join(REQUIREMENTS_FILE);
    let listed = match read(&requirements_path)? {
        Some(text) => Some(parse_requirements(&text, &requirements_path)?),
        None => None,
    };
    match (inline, listed) {
        (Some(inline), Some(_)) => Err(DeclaredError {
            file: requirements_path,
            line: None,
            field: "dependencies",
            message: format!(
                "{} already declares dependencies in its `# /// script` block: keep one of them",
                inline.file
            ),
        }),
        (Some(declared), None) | (None, Some(declared)) => Ok(Some(declared)),
        (None, None) => Ok(None),
    }
}

/// The file's text, or `None` when there is no such file.
fn read(path: &Path) -> Result<Option<String>, DeclaredError> {
    if path.symlink_metadata().is_err() {
        return Ok(None);
    }
    crate::io_text::read_tool_text(path, MAX_DECLARING_BYTES)
        .map(Some)
        .map_err(|e| DeclaredError {
            file: path.to_path_buf(),
            line: None,
            field: "dependencies",
            message: e.to_string(),
        })
}

/// The `# /// script` block of `text` (PEP 723), when it has one.
pub(crate) fn parse_inline(
    text: &str,
    relative: &str,
    path: &Path,
) -> Result<Option<Declared>, DeclaredError> {
    let error = |line: usize, field: &'static str, message: String| DeclaredError {
        file: path.to_path_buf(),
        line: Some(line),
        field,
        message,
    };
    let mut block: Option<(usize, String)> = None;
    let mut found: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim_end_matches('\r');
        match &mut block {
            None => {
                if line == "# /// script" {
                    if found.is_some() {
                        return Err(error(
                            number,
                            "script",
                            "a second `# /// script` block (PEP 723 allows one)".into(),
                        ));
                    }
                    block = Some((number, String::new()));
                }
            }
            Some((start, content)) => {
                if line == "# ///" {
                    found = Some((*start, std::mem::take(content)));
                    block = None;
                } else if let Some(rest) = line.strip_prefix("# ") {
                    content.push_str(rest);
                    content.push('\n');
                } else if line == "#" {
                    content.push('\n');
                } else {
                    return Err(error(
                        number,
                        "script",
                        "the `# /// script` block ends without its closing `# ///` line".into(),
                    ));
                }
            }
        }
    }
    if let Some((start, _)) = block {
        return Err(error(
            start,
            "script",
            "the `# /// script` block has no closing `# ///` line".into(),
        ));
    }
    let Some((start, content)) = found else {
        return Ok(None);
    };
    let table: toml::Table = toml::from_str(&content).map_err(|e| {
        let line = e
            .span()
            .map(|span| start + 1 + content[..span.start].matches('\n').count())
            .unwrap_or(start);
        error(
            line,
            "script",
            format!("invalid TOML: {}", e.message().trim().replace('\n', " ")),
        )
    })?;
    let line_of = |key: &str| {
        content
            .lines()
            .position(|l| l.trim_start().starts_with(key))
            .map_or(start, |i| start + 1 + i)
    };
    let requirements = match table.get("dependencies") {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => {
            let mut requirements = Vec::new();
            for item in items {
                let Some(text) = item.as_str() else {
                    return Err(error(
                        line_of("dependencies"),
                        "dependencies",
                        "must be an array of strings such as [\"requests>=2\"]".into(),
                    ));
                };
                check_requirement(text)
                    .map_err(|why| error(line_of("dependencies"), "dependencies", why))?;
                requirements.push(text.trim().to_string());
            }
            requirements
        }
        Some(_) => {
            return Err(error(
                line_of("dependencies"),
                "dependencies",
                "must be an array of strings such as [\"requests>=2\"]".into(),
            ));
        }
    };
    let requires_python = match table.get("requires-python") {
        None => None,
        Some(toml::Value::String(spec)) => {
            check_python(spec)
                .map_err(|why| error(line_of("requires-python"), "requires-python", why))?;
            Some(spec.trim().to_string())
        }
        Some(_) => {
            return Err(error(
                line_of("requires-python"),
                "requires-python",
                "must be a string such as \">=3.10\"".into(),
            ));
        }
    };
    if requirements.len() > MAX_REQUIREMENTS {
        return Err(error(
            line_of("dependencies"),
            "dependencies",
            format!("more than {MAX_REQUIREMENTS} requirements"),
        ));
    }
    if requirements.is_empty() {
        return Ok(None);
    }
    Ok(Some(Declared {
        file: relative.to_string(),
        requirements,
        requires_python,
    }))
}

/// A `requirements.txt`: one requirement a line, `#` comments; options (`-r`, `--index-url`,
/// `-e`) are refused, since where packages come from is `[dependencies]`'s to say.
pub(crate) fn parse_requirements(text: &str, path: &Path) -> Result<Declared, DeclaredError> {
    let mut requirements = Vec::new();
    let mut pending = String::new();
    let mut pending_line = 0;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if pending.is_empty() {
            pending_line = number;
        }
        let line = match raw.find(" #") {
            Some(at) => &raw[..at],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        let line = line.trim();
        if let Some(continued) = line.strip_suffix('\\') {
            pending.push_str(continued.trim());
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        let requirement = std::mem::take(&mut pending);
        let requirement = requirement.trim();
        if requirement.is_empty() {
            continue;
        }
        let error = |message: String| DeclaredError {
            file: path.to_path_buf(),
            line: Some(pending_line),
            field: "dependencies",
            message,
        };
        if requirement.starts_with('-') {
            return Err(error(format!(
                "{requirement:?}: options are not read here; name an index or links in \
                 tool.toml's [dependencies]"
            )));
        }
        check_requirement(requirement).map_err(error)?;
        requirements.push(requirement.to_string());
    }
    if requirements.len() > MAX_REQUIREMENTS {
        return Err(DeclaredError {
            file: path.to_path_buf(),
            line: None,
            field: "dependencies",
            message: format!("more than {MAX_REQUIREMENTS} requirements"),
        });
    }
    Ok(Declared {
        file: REQUIREMENTS_FILE.to_string(),
        requirements,
        requires_python: None,
    })
}

/// A requirement is one line of printable text that begins with a package name, a URL or a
/// path; the resolver judges the rest.
fn check_requirement(text: &str) -> Result<(), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("an empty requirement".into());
    }
    if text.len() > 1000 || text.chars().any(char::is_control) {
        return Err(format!(
            "{:?} is not a requirement (too long, or control characters)",
            text.chars().take(60).collect::<String>()
        ));
    }
    if crate::model::deps::is_direct(text) {
        return Ok(());
    }
    let first = text.chars().next().unwrap_or(' ');
    if !first.is_ascii_alphanumeric() {
        return Err(format!(
            "{text:?} is not a requirement: it must start with a package name, like \"requests>=2\""
        ));
    }
    Ok(())
}

fn check_python(spec: &str) -> Result<(), String> {
    let ok = !spec.trim().is_empty()
        && spec
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " <>=!~.,*".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{spec:?} is not a version specifier such as \">=3.10\""
        ))
    }
}

/// The tool's lock, when it has one; `Err` names the file and what is wrong with it.
pub(crate) fn read_lock(tool_dir: &Path) -> Result<Option<Lock>, DeclaredError> {
    let path = tool_dir.join(LOCK_FILE);
    match read(&path)? {
        Some(text) => parse_lock(&text)
            .map(Some)
            .map_err(|message| DeclaredError {
                file: path,
                line: None,
                field: "packages",
                message,
            }),
        None => Ok(None),
    }
}

/// A PEP 751 lock: every package with one distribution (a wheel or an sdist) and its sha256.
pub(crate) fn parse_lock(text: &str) -> Result<Lock, String> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        packages: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: Option<String>,
        #[serde(default)]
        wheels: Vec<Dist>,
        sdist: Option<Dist>,
    }
    #[derive(serde::Deserialize)]
    struct Dist {
        url: Option<String>,
        path: Option<String>,
        #[serde(default)]
        hashes: std::collections::BTreeMap<String, String>,
    }
    let file: File = toml::from_str(text)
        .map_err(|e| format!("invalid TOML: {}", e.message().trim().replace('\n', " ")))?;
    let mut packages = Vec::new();
    for package in file.packages {
        let (dist, sdist) = match (package.wheels.into_iter().next(), package.sdist) {
            (Some(wheel), _) => (wheel, false),
            (None, Some(sdist)) => (sdist, true),
            (None, None) => {
                return Err(format!(
                    "{} has no wheel or sdist (only distributions with a hash are installed)",
                    package.name
                ));
            }
        };
        let Some(sha256) = dist.hashes.get("sha256").cloned() else {
            return Err(format!("{} has no sha256 hash", package.name));
        };
        packages.push(LockedPackage {
            version: package.version.unwrap_or_default(),
            url: dist.url.or(dist.path).unwrap_or_default(),
            name: package.name,
            sdist,
            sha256,
        });
    }
    let declared = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix(DECLARED_PREFIX))
        .map(|d| d.trim().to_string());
    Ok(Lock {
        digest: crate::model::deps::sha256_hex(text.as_bytes()),
        declared,
        packages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inline(text: &str) -> Result<Option<Declared>, DeclaredError> {
        parse_inline(text, "main.py", Path::new("/t/main.py"))
    }

    #[test]
    fn reads_the_script_block_of_pep_723() {
        let text = "#!/usr/bin/env python3\n# /// script\n# requires-python = \">=3.10\"\n\
                    # dependencies = [\n#   \"requests<3\",\n#   \"rich\",\n# ]\n# ///\nimport rich\n";
        let declared = inline(text).expect("parses").expect("declares");
        assert_eq!(declared.requirements, vec!["requests<3", "rich"]);
        assert_eq!(declared.requires_python.as_deref(), Some(">=3.10"));
        assert_eq!(declared.file, "main.py");
    }

    #[test]
    fn a_script_without_a_block_declares_nothing() {
        assert_eq!(inline("print(1)\n# /// other\n# x = 1\n# ///\n"), Ok(None));
    }

    #[test]
    fn bad_blocks_are_one_line_naming_file_line_and_field() {
        let unclosed = inline("# /// script\n# dependencies = []\nprint(1)\n").expect_err("bad");
        assert_eq!(unclosed.line, Some(3));
        let wrong = inline("# /// script\n# dependencies = \"requests\"\n# ///\n").expect_err("x");
        assert_eq!(
            wrong.to_string(),
            "/t/main.py:2: field `dependencies`: must be an array of strings such as [\"requests>=2\"]"
        );
        let toml = inline("# /// script\n# dependencies = [\n# ///\n").expect_err("toml");
        assert!(toml.to_string().contains("invalid TOML"), "{toml}");
        assert!(!toml.to_string().contains('\n'));
        let python = inline("# /// script\n# requires-python = \"$(rm)\"\n# ///\n").expect_err("p");
        assert_eq!(python.field, "requires-python");
    }

    #[test]
    fn requirements_files_refuse_options() {
        let path = Path::new("/t/requirements.txt");
        let declared =
            parse_requirements("# comment\nrequests>=2  # why\n\nrich \\\n  ==13\n", path)
                .expect("parses");
        assert_eq!(declared.requirements, vec!["requests>=2", "rich ==13"]);
        let option =
            parse_requirements("requests\n--index-url https://evil/\n", path).expect_err("refused");
        assert_eq!(option.line, Some(2));
        assert!(option.to_string().contains("[dependencies]"), "{option}");
    }
}
