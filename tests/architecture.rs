//! The crate's shape, read from its own source: no two files import each other in a circle, no
//! two modules (each with all its descendants) do, no front end (`cli`, `tui`, `mcp`, `web`)
//! takes a row type from `crate::store`, and front ends reach no further past the workbench's
//! door than they did when that rule came in.
//!
//! A small reader of its own rather than `syn`: it needs only `use` trees, paths in code, `mod`
//! lines and struct/enum names, and it works on the text as it is, with no new dependency. It
//! never guesses: a path it cannot place in this crate (std, another crate, a local variable)
//! is no edge, and an inline module outside the tests stops it with a message.
//!
//! Edges are between FILES. `use crate::a::B` is an edge to the file that defines `B`, found by
//! following the `use` lines of `a` (a re-export leads on to where the item lives). Paths in code
//! (`crate::a::f(`, `super::X`, `store::calls::list`, through the file's own `use` names and
//! `mod` children) are edges too, in every direction: a parent that calls its child
//! (`inner::run(..)`), names its type or imports it privately depends on it as much as the child
//! that takes `super::Own` depends on the parent, and the two of them are a circle. Only owning
//! is no edge: `mod x;` declares a child, and `pub use x::Y;` hands the child's `Y` on to the
//! crate without the parent using it (a name handed on and also used in the parent's code is
//! an edge). Tests are left out: `#[cfg(test)]` items and files of a `tests` module.
//!
//! Circles between MODULES take each child of a module whole, with its descendants: an edge
//! from `tui/overlays/decision/draw.rs` to `tui/app.rs` is an edge from `tui::overlays` to
//! `tui::app`, so a pane whose drawing child takes the `App` that takes the pane's state is a
//! circle, though no two files tie each other. The edges of the module's own file (a parent
//! and its children) are left to the circles between files.
//!
//! Circles that were there when a rule came in are listed below (`KNOWN_FILE_CIRCLES`,
//! `KNOWN_MODULE_CIRCLES`) by the module that holds them and their size: they may shrink, never
//! grow, and a new circle anywhere fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
}

fn ident(tok: Option<&Tok>) -> Option<&str> {
    match tok {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn is_punct(tok: Option<&Tok>, c: char) -> bool {
    tok == Some(&Tok::Punct(c))
}

/// Identifiers, `::` and punctuation; comments, strings, chars, lifetimes and numbers dropped.
fn tokenize(src: &str) -> Vec<Tok> {
    let s: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    while i < s.len() {
        let c = s[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_string(&s, i + 1);
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): both are dropped.
            if at(i + 1) == '\\' {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_ascii_digit() {
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            let word: String = s[start..i].iter().collect();
            let raw = matches!(word.as_str(), "r" | "br" | "cr");
            if raw && (at(i) == '"' || (at(i) == '#' && matches!(at(i + 1), '"' | '#'))) {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                loop {
                    if i >= s.len() {
                        break;
                    }
                    if s[i] == '"' && (0..hashes).all(|k| at(i + 1 + k) == '#') {
                        i += 1 + hashes;
                        break;
                    }
                    i += 1;
                }
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                i = skip_string(&s, i + 1);
            } else if word == "b" && at(i) == '\'' {
                i += 1;
                while i < s.len() && s[i] != '\'' {
                    i += if s[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            } else if word == "r" && at(i) == '#' {
                // A raw identifier: r#type.
                let start = i + 1;
                i += 1;
                while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Ident(s[start..i].iter().collect()));
            } else {
                out.push(Tok::Ident(word));
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push(Tok::Sep);
            i += 2;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// The index just past the closing quote of a string whose body starts at `i`.
fn skip_string(s: &[char], mut i: usize) -> usize {
    while i < s.len() && s[i] != '"' {
        i += if s[i] == '\\' { 2 } else { 1 };
    }
    i + 1
}

/// The index just past the item that starts at `i` (after its attributes).
fn item_end(toks: &[Tok], mut i: usize) -> usize {
    let is_use = toks[i..]
        .iter()
        .find_map(|t| match t {
            Tok::Ident(w) if !matches!(w.as_str(), "pub" | "crate" | "in" | "super" | "self") => {
                Some(w == "use")
            }
            _ => None,
        })
        .unwrap_or(false);
    let mut depth = 0usize;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(c @ (')' | ']' | '}')) => {
                depth = depth.saturating_sub(1);
                if depth == 0 && *c == '}' && !is_use {
                    return i + 1;
                }
            }
            Tok::Punct(';') if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// The index just past the bracket that closes the one at `i`.
fn group_end(toks: &[Tok], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i] {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

/// Whether an attribute `#[cfg(test)]` starts at `i`.
fn cfg_test_at(toks: &[Tok], i: usize) -> bool {
    let want = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    toks.get(i..i + want.len()) == Some(&want[..])
}

/// The tokens without `#[cfg(test)]` items, and the names of `#[cfg(test)] mod x;` lines.
fn strip_tests(toks: Vec<Tok>) -> (Vec<Tok>, Vec<String>) {
    let mut kept = Vec::new();
    let mut test_children = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !cfg_test_at(&toks, i) {
            kept.push(toks[i].clone());
            i += 1;
            continue;
        }
        i += 7;
        // Further attributes of the same item.
        while is_punct(toks.get(i), '#') && is_punct(toks.get(i + 1), '[') {
            i = group_end(&toks, i + 1);
        }
        let end = item_end(&toks, i);
        let words: Vec<&str> = toks[i..end].iter().filter_map(|t| ident(Some(t))).collect();
        if let Some(pos) = words.iter().position(|w| *w == "mod")
            && is_punct(toks.get(end - 1), ';')
            && let Some(name) = words.get(pos + 1)
        {
            test_children.push(name.to_string());
        }
        i = end;
    }
    (kept, test_children)
}

/// One name a `use` line brings in: `use a::b::C as D;` binds `D` to `[a, b, C]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UseItem {
    path: Vec<String>,
    /// `None` for a glob (`a::b::*`, with `path` = `[a, b]`).
    name: Option<String>,
    public: bool,
}

/// Parses the use tree at `i` (just after `use`), with `prefix` already read.
fn use_tree(
    toks: &[Tok],
    mut i: usize,
    prefix: &[String],
    public: bool,
    out: &mut Vec<UseItem>,
) -> usize {
    let mut path = prefix.to_vec();
    if toks.get(i) == Some(&Tok::Sep) {
        // `use ::std::x`: another crate.
        path.push("::".into());
        i += 1;
    }
    loop {
        match toks.get(i) {
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                i += 1;
                if toks.get(i) == Some(&Tok::Sep) {
                    i += 1;
                    continue;
                }
                let mut name = w.clone();
                if ident(toks.get(i)) == Some("as") {
                    name = ident(toks.get(i + 1)).unwrap_or("_").to_string();
                    i += 2;
                }
                if w == "self" {
                    path.pop();
                    if name == "self" {
                        name = path.last().cloned().unwrap_or_default();
                    }
                }
                out.push(UseItem {
                    path,
                    name: Some(name),
                    public,
                });
                return i;
            }
            Some(Tok::Punct('*')) => {
                out.push(UseItem {
                    path,
                    name: None,
                    public,
                });
                return i + 1;
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                while i < toks.len() && !is_punct(toks.get(i), '}') {
                    i = use_tree(toks, i, &path, public, out);
                    if is_punct(toks.get(i), ',') {
                        i += 1;
                    }
                }
                return i + 1;
            }
            _ => return i + 1,
        }
    }
}

/// What one file says, in the words of its own source.
#[derive(Debug, Default)]
struct Parsed {
    uses: Vec<UseItem>,
    /// Paths of two segments or more in code: `crate::a::f`, `super::X`, `store::calls::list`.
    paths: Vec<Vec<String>>,
    /// `mod x;` lines.
    children: Vec<String>,
    test_children: Vec<String>,
    /// Items this file defines, by name.
    defines: BTreeSet<String>,
    /// Of those, the `pub` (or `pub(...)`) structs and enums that derive no `Error`.
    data_types: BTreeSet<String>,
    /// `mod x { ... }` outside the tests, which this reader does not follow.
    inline_modules: Vec<String>,
    /// Every identifier in code, outside `use` and `mod` lines: whether a name a file hands on
    /// with `pub use` is also one it uses itself.
    code_words: BTreeSet<String>,
    /// The methods called without arguments (`.name()`), each as often as it is called.
    method_calls: Vec<String>,
}

fn parse(src: &str) -> Parsed {
    let (toks, test_children) = strip_tests(tokenize(src));
    // A `#[derive(..)]` naming `Error` (thiserror's) makes the next struct or enum an error.
    let mut derives_error = false;
    let mut p = Parsed {
        test_children,
        ..Parsed::default()
    };
    let mut i = 0;
    while i < toks.len() {
        let Some(word) = ident(toks.get(i)) else {
            i += 1;
            continue;
        };
        let prev = if i > 0 { toks.get(i - 1) } else { None };
        let after_path = prev == Some(&Tok::Sep);
        match word {
            "use" if !after_path => {
                let public = visibility_before(&toks, i);
                let mut items = Vec::new();
                i = use_tree(&toks, i + 1, &[], public, &mut items);
                p.uses.extend(items);
                continue;
            }
            "mod" => {
                if let Some(name) = ident(toks.get(i + 1)) {
                    if is_punct(toks.get(i + 2), ';') {
                        p.children.push(name.to_string());
                    } else {
                        p.inline_modules.push(name.to_string());
                    }
                    i += 1;
                }
            }
            "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static" | "union"
            | "macro_rules" => {
                let at = if word == "macro_rules" { i + 2 } else { i + 1 };
                if let Some(name) = ident(toks.get(at)) {
                    p.defines.insert(name.to_string());
                    if matches!(word, "struct" | "enum")
                        && visibility_before(&toks, i)
                        && !derives_error
                    {
                        p.data_types.insert(name.to_string());
                    }
                    // The name defined is no use of a name.
                    i = at;
                }
                derives_error = false;
            }
            // `string_enum! { #[..] Name { .. } }` (model.rs) declares `pub enum Name`.
            "string_enum" if is_punct(toks.get(i + 1), '!') && is_punct(toks.get(i + 2), '{') => {
                let mut at = i + 3;
                while is_punct(toks.get(at), '#') {
                    at = group_end(&toks, at + 1);
                }
                if let Some(name) = ident(toks.get(at)) {
                    p.defines.insert(name.to_string());
                    p.data_types.insert(name.to_string());
                }
            }
            "derive" if is_punct(prev, '[') => {
                let end = group_end(&toks, i + 1);
                derives_error = toks[i..end].contains(&Tok::Ident("Error".into()));
                i = end;
                continue;
            }
            _ if !after_path => {
                let mut path = vec![word.to_string()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::Sep) {
                    match ident(toks.get(j + 1)) {
                        Some(w) => path.push(w.to_string()),
                        None => break,
                    }
                    j += 2;
                }
                if path.len() > 1 {
                    p.paths.push(path);
                    i = j;
                    continue;
                }
                // A field or a method (`.state`, `.draw()`) is no name in scope.
                if !is_punct(prev, '.') {
                    p.code_words.insert(word.to_string());
                } else if is_punct(toks.get(i + 1), '(') && is_punct(toks.get(i + 2), ')') {
                    p.method_calls.push(word.to_string());
                }
            }
            _ => {}
        }
        i += 1;
    }
    p
}

/// Whether the item whose keyword is at `i` is `pub` or `pub(...)`.
fn visibility_before(toks: &[Tok], i: usize) -> bool {
    if ident(i.checked_sub(1).and_then(|k| toks.get(k))) == Some("pub") {
        return true;
    }
    // pub(crate), pub(super), pub(in a::b): look back over the parenthesis.
    let mut k = i;
    if k > 0 && is_punct(toks.get(k - 1), ')') {
        while k > 0 && !is_punct(toks.get(k - 1), '(') {
            k -= 1;
        }
        return k >= 2 && ident(toks.get(k - 2)) == Some("pub");
    }
    false
}

struct SourceFile {
    rel: String,
    module: Vec<String>,
    parsed: Parsed,
}

/// Every file of the library under `src/`, but the binary's `main.rs` and the test files.
fn read_crate(src: &Path) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    collect_rs(src, &mut paths);
    let sources = paths
        .into_iter()
        .filter_map(|path| {
            let rel = path
                .strip_prefix(src)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).ok()?;
            Some((rel, text))
        })
        .filter(|(rel, _)| rel != "main.rs")
        .collect();
    crate_from(sources)
}

/// The files of a crate from `(path under src/, text)` pairs.
fn crate_from(sources: Vec<(String, String)>) -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = sources
        .into_iter()
        .map(|(rel, text)| {
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(String::from)
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            SourceFile {
                rel: format!("src/{rel}"),
                module,
                parsed: parse(&text),
            }
        })
        .collect();
    let test_modules: BTreeSet<Vec<String>> = files
        .iter()
        .flat_map(|f| {
            f.parsed.test_children.iter().map(|c| {
                let mut m = f.module.clone();
                m.push(c.clone());
                m
            })
        })
        .collect();
    files.retain(|f| {
        !f.module.iter().any(|m| m == "tests")
            && !test_modules.iter().any(|t| f.module.starts_with(t))
    });
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    files
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate as a graph of files.
struct Graph<'a> {
    files: &'a [SourceFile],
    by_module: HashMap<Vec<String>, usize>,
}

/// Where a reference lands: the file that defines the item, the item's name, and whether the
/// path went through `crate::store`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    file: usize,
    name: String,
    via_store: bool,
}

impl<'a> Graph<'a> {
    fn new(files: &'a [SourceFile]) -> Self {
        let by_module = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.module.clone(), i))
            .collect();
        Graph { files, by_module }
    }

    /// `path` as written in file `from`, made absolute (without `crate`), or `None` when it is
    /// not a path of this crate.
    fn absolute(&self, from: usize, path: &[String], depth: usize) -> Option<Vec<String>> {
        let file = &self.files[from];
        let (first, rest) = path.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => file.module.clone(),
            "super" => {
                let mut m = file.module.clone();
                m.pop()?;
                let mut rest = rest;
                while rest.first().map(String::as_str) == Some("super") {
                    m.pop()?;
                    rest = &rest[1..];
                }
                m.extend(rest.iter().cloned());
                return Some(m);
            }
            _ if file.parsed.children.contains(first) => {
                let mut m = file.module.clone();
                m.push(first.clone());
                m
            }
            _ => {
                if depth > 8 {
                    return None;
                }
                let bound = file
                    .parsed
                    .uses
                    .iter()
                    .find(|u| u.name.as_ref() == Some(first))?;
                if bound.path.first().map(String::as_str) == Some(first.as_str())
                    && bound.path.len() == 1
                {
                    return None;
                }
                self.absolute(from, &bound.path, depth + 1)?
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what the absolute `path` names, following `use` lines there.
    fn locate(&self, path: &[String], depth: usize) -> Option<Target> {
        let via_store = path.first().map(String::as_str) == Some("store");
        let mut cut = path.len();
        let file = loop {
            if let Some(&f) = self.by_module.get(&path[..cut]) {
                break f;
            }
            cut = cut.checked_sub(1)?;
        };
        // A module itself (`use crate::store;`) is no edge: what is taken from it is.
        let name = path.get(cut)?.clone();
        let parsed = &self.files[file].parsed;
        if depth < 8 && !parsed.defines.contains(&name) {
            if let Some(u) = parsed.uses.iter().find(|u| u.name.as_ref() == Some(&name)) {
                let abs = self.absolute(file, &u.path, 0)?;
                let mut found = self.locate(&abs, depth + 1)?;
                found.via_store |= via_store;
                return Some(found);
            }
            for glob in parsed.uses.iter().filter(|u| u.name.is_none()) {
                let Some(mut abs) = self.absolute(file, &glob.path, 0) else {
                    continue;
                };
                abs.push(name.clone());
                if let Some(mut found) = self.locate(&abs, depth + 1)
                    && self.files[found.file].parsed.defines.contains(&found.name)
                {
                    found.via_store |= via_store;
                    return Some(found);
                }
            }
        }
        Some(Target {
            file,
            name,
            via_store,
        })
    }

    /// What file `from` takes from other files: `target file -> names`.
    fn imports(&self, from: usize) -> (BTreeMap<usize, BTreeSet<String>>, Vec<Target>) {
        let file = &self.files[from];
        let mut edges: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        let mut targets = Vec::new();
        // `handed_on`: a `pub use` whose name the file does not use itself.
        let mut add = |path: &[String], handed_on: bool| {
            let Some(abs) = self.absolute(from, path, 0) else {
                return;
            };
            let Some(t) = self.locate(&abs, 0) else {
                return;
            };
            // A parent presenting its child's item to the crate is no import; a parent using it is.
            let own_child = self.files[t.file].module.starts_with(&file.module);
            if t.file != from && !(own_child && handed_on) {
                edges.entry(t.file).or_default().insert(t.name.clone());
            }
            targets.push(t);
        };
        for u in &file.parsed.uses {
            let Some(name) = &u.name else { continue };
            add(&u.path, u.public && !file.parsed.code_words.contains(name));
        }
        for path in &file.parsed.paths {
            add(path, false);
        }
        (edges, targets)
    }
}

/// Strongly connected components of more than one file (Tarjan).
fn circles(edges: &[BTreeMap<usize, BTreeSet<String>>]) -> Vec<Vec<usize>> {
    struct Walk<'e> {
        edges: &'e [BTreeMap<usize, BTreeSet<String>>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    fn visit(w: &mut Walk, v: usize) {
        w.index[v] = Some(w.next);
        w.low[v] = w.next;
        w.next += 1;
        w.stack.push(v);
        w.on_stack[v] = true;
        for &u in w.edges[v].keys() {
            match w.index[u] {
                None => {
                    visit(w, u);
                    w.low[v] = w.low[v].min(w.low[u]);
                }
                Some(iu) if w.on_stack[u] => w.low[v] = w.low[v].min(iu),
                Some(_) => {}
            }
        }
        if Some(w.low[v]) == w.index[v] {
            let mut scc = Vec::new();
            while let Some(u) = w.stack.pop() {
                w.on_stack[u] = false;
                scc.push(u);
                if u == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                w.found.push(scc);
            }
        }
    }
    let n = edges.len();
    let mut w = Walk {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in 0..n {
        if w.index[v].is_none() {
            visit(&mut w, v);
        }
    }
    w.found.sort();
    w.found
}

/// A shortest loop from the first file of `scc` back to it, inside the circle.
fn one_loop(edges: &[BTreeMap<usize, BTreeSet<String>>], scc: &[usize]) -> Vec<usize> {
    let start = scc[0];
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &u in edges[v].keys().filter(|u| scc.contains(u)) {
            if u == start {
                let mut path = vec![start, v];
                let mut at = v;
                while let Some(&p) = came_from.get(&at) {
                    path.push(p);
                    at = p;
                }
                path.pop();
                path.push(start);
                let last = path.len() - 1;
                path[1..last].reverse();
                return path;
            }
            if !came_from.contains_key(&u) && u != start {
                came_from.insert(u, v);
                queue.push_back(u);
            }
        }
    }
    vec![start]
}

/// The handles and errors of the store, which a front end may hold; every other struct or enum
/// the store defines is one of its rows. `DecisionLog` is the handle on the log file.
fn is_row_type(name: &str) -> bool {
    !name.ends_with("Error")
        && !matches!(
            name,
            "Store" | "SharedStore" | "StoreOnDemand" | "StoreWriter" | "DecisionLog"
        )
}

const FRONT_ENDS: [&str; 4] = ["src/cli/", "src/tui/", "src/mcp/", "src/web/"];

/// One circle: the module that holds all of it (`crate` for the root), how many files or
/// modules it ties, and the report naming them.
#[derive(Debug)]
struct Circle {
    home: String,
    size: usize,
    text: String,
}

/// The module path that every one of `modules` lies in, written `a::b` (`crate` when none).
fn home_of<'m>(mut modules: impl Iterator<Item = &'m [String]>) -> String {
    let mut common: Vec<String> = modules.next().map(<[String]>::to_vec).unwrap_or_default();
    for m in modules {
        let same = common.iter().zip(m).take_while(|(x, y)| x == y).count();
        common.truncate(same);
    }
    if common.is_empty() {
        "crate".into()
    } else {
        common.join("::")
    }
}

struct Findings {
    circles: Vec<Circle>,
    module_circles: Vec<Circle>,
    rows_in_front_ends: Vec<String>,
    /// `(front end, module past the door) -> ["front-end file -> file: names"]`.
    past_the_door: BTreeMap<(String, String), Vec<String>>,
    /// `"front-end file: method"` for each call that takes a handle from behind the door.
    handles_behind_the_door: Vec<String>,
}

/// What a front end may reach (DESIGN §10 rule 3): the workbench, its commands and events, the
/// model's nouns, and leaves (modules that reach nothing else of the crate). Everything else is
/// behind the door.
const DOOR: [&str; 3] = ["workbench", "command", "model"];

/// What the command line may name of the front ends it starts (`toolbench mcp`, the workbench
/// UI, `toolbench web`): their entry points and the options they take. An edge naming only
/// these is no side door; anything else of theirs is.
const FRONT_END_ENTRIES: &[(&str, &str, &[&str])] = &[
    ("cli", "mcp", &["HttpOptions", "serve_http", "serve_stdio"]),
    ("cli", "tui", &["run"]),
    ("cli", "web", &["serve"]),
];

/// Whether the edge from `front` into `reached` naming `names` names only entry points.
fn only_entries(front: &str, reached: &str, names: &BTreeSet<String>) -> bool {
    FRONT_END_ENTRIES
        .iter()
        .find(|(f, m, _)| *f == front && *m == reached)
        .is_some_and(|(_, _, entries)| names.iter().all(|n| entries.contains(&n.as_str())))
}

/// The top-level module of a file under `src/` (`tui` for `src/tui/app.rs`, `lookup` for
/// `src/lookup.rs`).
fn top_module(file: &SourceFile) -> &str {
    file.module.first().map(String::as_str).unwrap_or("crate")
}

/// Each front end's file edges into modules behind the door, grouped by the module reached.
fn past_the_door(
    files: &[SourceFile],
    edges: &[BTreeMap<usize, BTreeSet<String>>],
) -> BTreeMap<(String, String), Vec<String>> {
    // A leaf (text wrapping, error chains, a clock) reaches nothing of the crate, so it can be
    // no side door: front ends may use it.
    let mut not_leaves: BTreeSet<&str> = BTreeSet::new();
    for (a, targets) in edges.iter().enumerate() {
        let from = top_module(&files[a]);
        if targets.keys().any(|&b| top_module(&files[b]) != from) {
            not_leaves.insert(from);
        }
    }
    let mut found: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (a, targets) in edges.iter().enumerate() {
        if !FRONT_ENDS.iter().any(|f| files[a].rel.starts_with(f)) {
            continue;
        }
        let front = top_module(&files[a]);
        for (&b, names) in targets {
            let reached = top_module(&files[b]);
            if reached == front
                || DOOR.contains(&reached)
                || !not_leaves.contains(reached)
                || only_entries(front, reached, names)
            {
                continue;
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            found
                .entry((front.to_string(), reached.to_string()))
                .or_default()
                .push(format!(
                    "{} -> {}: {}",
                    files[a].rel,
                    files[b].rel,
                    names.join(", ")
                ));
        }
    }
    found
}

/// Circles between sibling modules, each taken whole with its descendants: a file edge `a -> b`
/// is an edge between the two children of their nearest common module that hold `a` and `b`.
/// An edge from or to that common module's own file (a parent and its children) is left to the
/// circles between files.
fn module_circles(
    files: &[SourceFile],
    edges: &[BTreeMap<usize, BTreeSet<String>>],
) -> Vec<Circle> {
    let mut units: Vec<Vec<String>> = Vec::new();
    let mut unit_of: HashMap<Vec<String>, usize> = HashMap::new();
    let mut unit_edges: Vec<BTreeMap<usize, BTreeSet<String>>> = Vec::new();
    // Which file edges tie two units: `(unit a, unit b) -> ["a.rs -> b.rs: names"]`.
    let mut ties: BTreeMap<(usize, usize), Vec<String>> = BTreeMap::new();
    let mut unit = |m: Vec<String>, unit_edges: &mut Vec<BTreeMap<usize, BTreeSet<String>>>| {
        *unit_of.entry(m.clone()).or_insert_with(|| {
            units.push(m);
            unit_edges.push(BTreeMap::new());
            units.len() - 1
        })
    };
    for (a, targets) in edges.iter().enumerate() {
        for (&b, names) in targets {
            let (ma, mb) = (&files[a].module, &files[b].module);
            let common = ma.iter().zip(mb).take_while(|(x, y)| x == y).count();
            if common >= ma.len() || common >= mb.len() {
                continue;
            }
            let ua = unit(ma[..=common].to_vec(), &mut unit_edges);
            let ub = unit(mb[..=common].to_vec(), &mut unit_edges);
            unit_edges[ua].entry(ub).or_default();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            ties.entry((ua, ub)).or_default().push(format!(
                "{} -> {}: {}",
                files[a].rel,
                files[b].rel,
                names.join(", ")
            ));
        }
    }
    let mut found = Vec::new();
    for scc in circles(&unit_edges) {
        let ring = one_loop(&unit_edges, &scc);
        let names: Vec<String> = ring.iter().map(|&u| units[u].join("::")).collect();
        let mut text = format!("circle of {} modules: {}\n", scc.len(), names.join(" -> "));
        for (_, tie) in ties
            .iter()
            .filter(|((a, b), _)| scc.contains(a) && scc.contains(b))
        {
            for line in tie {
                text += &format!("  {line}\n");
            }
        }
        let parents = scc.iter().map(|&u| &units[u][..units[u].len() - 1]);
        found.push(Circle {
            home: home_of(parents),
            size: scc.len(),
            text,
        });
    }
    found
}

/// The calls by which a front end would take a handle from behind the door on a type it never
/// names, a side door the names alone do not show: the store's write connection
/// (`Workbench::store`, `existing_store`, `StoreOnDemand::if_opened`), and with it the whole of
/// the store's own API, and the watch of the store's writes (`Workbench::store_written`).
const HANDLES_BEHIND_THE_DOOR: [&str; 4] =
    ["store", "existing_store", "if_opened", "store_written"];

fn handles_behind_the_door(files: &[SourceFile]) -> Vec<String> {
    files
        .iter()
        .filter(|file| FRONT_ENDS.iter().any(|f| file.rel.starts_with(f)))
        .flat_map(|file| {
            file.parsed
                .method_calls
                .iter()
                .filter(|m| HANDLES_BEHIND_THE_DOOR.contains(&m.as_str()))
                .map(|m| format!("{}: {m}", file.rel))
        })
        .collect()
}

fn check(files: &[SourceFile]) -> Findings {
    let graph = Graph::new(files);
    let (edges, targets): (Vec<_>, Vec<_>) = (0..files.len()).map(|i| graph.imports(i)).unzip();
    let mut circle_text = Vec::new();
    for scc in circles(&edges) {
        let ring = one_loop(&edges, &scc);
        let names: Vec<&str> = ring.iter().map(|&f| files[f].rel.as_str()).collect();
        let mut text = format!("circle of {} files: {}\n", scc.len(), names.join(" -> "));
        for &a in &scc {
            for (b, taken) in edges[a].iter().filter(|(b, _)| scc.contains(b)) {
                let taken: Vec<&str> = taken.iter().map(String::as_str).collect();
                text += &format!(
                    "  {} -> {}: {}\n",
                    files[a].rel,
                    files[*b].rel,
                    taken.join(", ")
                );
            }
        }
        circle_text.push(Circle {
            home: home_of(scc.iter().map(|&f| &files[f].module[..])),
            size: scc.len(),
            text,
        });
    }
    let module_circle_text = module_circles(files, &edges);
    let mut rows = BTreeSet::new();
    for (i, file) in files.iter().enumerate() {
        if !FRONT_ENDS.iter().any(|f| file.rel.starts_with(f)) {
            continue;
        }
        for t in &targets[i] {
            let home = &files[t.file];
            let from_store = t.via_store || home.rel.starts_with("src/store/");
            if from_store && home.parsed.data_types.contains(&t.name) && is_row_type(&t.name) {
                rows.insert(format!(
                    "{} takes {} ({}) through crate::store",
                    file.rel, t.name, home.rel
                ));
            }
        }
    }
    Findings {
        circles: circle_text,
        module_circles: module_circle_text,
        rows_in_front_ends: rows.into_iter().collect(),
        past_the_door: past_the_door(files, &edges),
        handles_behind_the_door: handles_behind_the_door(files),
    }
}

#[test]
fn no_import_circle_between_files() {
    let files = read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(files.len() > 100, "read only {} files", files.len());
    let inline: Vec<String> = files
        .iter()
        .flat_map(|f| {
            f.parsed
                .inline_modules
                .iter()
                .map(move |m| format!("{}: mod {m}", f.rel))
        })
        .collect();
    assert!(
        inline.is_empty(),
        "inline modules outside the tests, which this reader does not follow:\n{}",
        inline.join("\n")
    );
    let found = check(&files);
    let unknown = beyond(&found.circles, KNOWN_FILE_CIRCLES);
    assert!(
        unknown.is_empty(),
        "{} import circle(s) between files:\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}

#[test]
fn no_import_circle_between_modules() {
    let files = read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = check(&files);
    let unknown = beyond(&found.module_circles, KNOWN_MODULE_CIRCLES);
    assert!(
        unknown.is_empty(),
        "{} import circle(s) between modules:\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}

/// Circles that were there when the rule came in, by the module that holds each and how many
/// files it ties: they may shrink, not grow, and one that is gone must leave this list.
const KNOWN_FILE_CIRCLES: &[(&str, usize)] = &[];

/// The same for circles between modules: the module whose children they tie, and how many.
const KNOWN_MODULE_CIRCLES: &[(&str, usize)] = &[];

/// The reports of circles the list does not allow, and a line for each listed one that is gone.
fn beyond(found: &[Circle], known: &[(&str, usize)]) -> Vec<String> {
    let mut out: Vec<String> = found
        .iter()
        .filter(|c| !known.iter().any(|&(home, n)| c.home == home && c.size <= n))
        .map(|c| c.text.clone())
        .collect();
    for (home, n) in known {
        if !found.iter().any(|c| c.home == *home) {
            out.push(format!(
                "the circle of {n} in {home} is gone: take it off the list\n"
            ));
        }
    }
    out
}

/// A front end names only the door (`DOOR`), the leaves, its own modules and the entry points
/// of the front ends it starts: what it needs of anything further is a `Workbench` method, a
/// command, one of the workbench's events or handles, or a model noun.
#[test]
fn front_ends_reach_nothing_past_the_door() {
    let files = read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = check(&files);
    let wrong: Vec<String> = found
        .past_the_door
        .iter()
        .map(|((front, module), lines)| {
            format!(
                "{front} -> {module}: {} file edges:\n  {}\n",
                lines.len(),
                lines.join("\n  ")
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "front ends past the door (they may use only {DOOR:?}, leaves and their own modules):\n{}",
        wrong.join("")
    );
}

/// A front end reads the store through the workbench's typed read side
/// (`workbench::reader::Reader`: `Workbench::reader`, or a read-only connection of its own),
/// never through the write connection with the store's own methods, and hears of the store's
/// writes through the workbench's events and handles, never its watch.
#[test]
fn front_ends_take_no_handle_from_behind_the_door() {
    let files = read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = check(&files).handles_behind_the_door;
    assert!(
        found.is_empty(),
        "{} calls take a handle from behind the door in front ends; read through \
         `Workbench::reader`, hear through the workbench's events:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn no_front_end_imports_a_store_row() {
    let files = read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = check(&files);
    assert!(
        found.rows_in_front_ends.is_empty(),
        "front ends take {} row type(s) from the store; take the domain type from crate::model:\n{}",
        found.rows_in_front_ends.len(),
        found.rows_in_front_ends.join("\n")
    );
}

// The reader itself, on small sources.

fn words(src: &str) -> Vec<String> {
    tokenize(src)
        .into_iter()
        .map(|t| match t {
            Tok::Ident(w) => w,
            Tok::Sep => "::".into(),
            Tok::Punct(c) => c.to_string(),
        })
        .collect()
}

#[test]
fn tokenizer_drops_comments_strings_chars_and_lifetimes() {
    let src = r####"
        // crate::a::B in a comment
        /* crate::c /* nested */ crate::d */
        let s1 = "crate::e \" crate::f";
        let s2 = r#"crate::g "quoted" "#;
        let s3 = b"crate::h";
        let c1 = '"'; let c2 = '\''; let l: &'static str = x;
        crate::i::J
    "####;
    let w = words(src);
    assert!(
        !w.iter()
            .any(|t| ["a", "c", "d", "e", "f", "g", "h", "static"].contains(&t.as_str())),
        "{w:?}"
    );
    assert!(
        w.ends_with(&["crate", "::", "i", "::", "J"].map(String::from)),
        "{w:?}"
    );
}

#[test]
fn use_trees_are_expanded_with_aliases_globs_and_self() {
    let p = parse("pub use crate::a::{b::{C, d::E as F}, self as g, h::*};\nuse super::x::Y;");
    let got: Vec<(String, Option<String>, bool)> = p
        .uses
        .iter()
        .map(|u| (u.path.join("::"), u.name.clone(), u.public))
        .collect();
    let want = [
        ("crate::a::b::C", Some("C"), true),
        ("crate::a::b::d::E", Some("F"), true),
        ("crate::a", Some("g"), true),
        ("crate::a::h", None, true),
        ("super::x::Y", Some("Y"), false),
    ]
    .map(|(p, n, v)| (p.to_string(), n.map(String::from), v));
    assert_eq!(got, want);
}

#[test]
fn test_items_are_left_out_and_test_children_named() {
    let p = parse(
        "use crate::a::B;\n#[cfg(test)]\nmod tests { use crate::c::D; fn f() { crate::e::f(); } }\n\
         #[cfg(test)]\n#[path = \"x\"]\nmod more;\nmod kept;\n#[cfg(test)]\nuse crate::g::H;\n\
         pub(crate) struct Row;\nstruct Private;\npub enum State { A }\n\
         string_enum! {\n/// doc\nKind { A => \"a\" }\n}\n\
         #[derive(Debug, thiserror::Error)]\npub enum Broken { A }",
    );
    assert_eq!(p.uses.len(), 1);
    assert!(p.paths.is_empty(), "{:?}", p.paths);
    assert_eq!(p.children, ["kept"]);
    assert_eq!(p.test_children, ["more"]);
    assert_eq!(
        p.data_types,
        BTreeSet::from(["Kind", "Row", "State"].map(String::from))
    );
}

fn toy(files: &[(&str, &str)]) -> (Vec<SourceFile>, Findings) {
    let files = crate_from(
        files
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect(),
    );
    let found = check(&files);
    (files, found)
}

#[test]
fn a_circle_is_found_through_re_exports_with_the_names_that_tie_it() {
    let (_, found) = toy(&[
        ("lib.rs", "pub mod a; pub mod b; pub mod m;"),
        // `m` re-exports its child's item: the parent presenting it is no edge.
        (
            "m/mod.rs",
            "mod inner; pub use inner::Thing; pub struct Own;",
        ),
        (
            "m/inner.rs",
            "pub struct Thing; fn f() -> super::Own { todo!() }",
        ),
        ("a.rs", "use crate::m::Thing; pub fn fa() {}"),
        ("b.rs", "pub fn fb() { crate::a::fa(); }"),
    ]);
    assert!(found.circles.is_empty(), "{:?}", found.circles);

    let (_, found) = toy(&[
        ("lib.rs", "pub mod a; pub mod m;"),
        ("m/mod.rs", "mod inner; pub use inner::Thing;"),
        ("m/inner.rs", "pub struct Thing; fn f() { crate::a::fa(); }"),
        (
            "a.rs",
            "use crate::m::{self, Thing}; pub fn fa() { m::Thing; }",
        ),
    ]);
    assert_eq!(
        texts(&found.circles),
        [
            "circle of 2 files: src/a.rs -> src/m/inner.rs -> src/a.rs\n  \
          src/a.rs -> src/m/inner.rs: Thing\n  src/m/inner.rs -> src/a.rs: fa\n"
        ]
    );
}

fn texts(circles: &[Circle]) -> Vec<&str> {
    circles.iter().map(|c| c.text.as_str()).collect()
}

#[test]
fn a_parent_using_its_child_that_takes_from_it_is_a_circle() {
    let (_, found) = toy(&[
        ("lib.rs", "pub mod m;"),
        (
            "m/mod.rs",
            "mod inner; pub struct Own; pub fn run() { inner::go(); }",
        ),
        ("m/inner.rs", "pub fn go() -> super::Own { todo!() }"),
    ]);
    assert_eq!(
        texts(&found.circles),
        [
            "circle of 2 files: src/m/inner.rs -> src/m/mod.rs -> src/m/inner.rs\n  \
          src/m/inner.rs -> src/m/mod.rs: Own\n  src/m/mod.rs -> src/m/inner.rs: go\n"
        ]
    );
    assert_eq!(found.circles[0].home, "m");

    // Declaring a child, or handing its item on, is owning it; using the name handed on is not.
    let (_, found) = toy(&[
        ("lib.rs", "pub mod m;"),
        ("m/mod.rs", "mod inner; pub use inner::go; pub struct Own;"),
        ("m/inner.rs", "pub fn go() -> super::Own { todo!() }"),
    ]);
    assert!(found.circles.is_empty(), "{:?}", found.circles);
    let (_, found) = toy(&[
        ("lib.rs", "pub mod m;"),
        (
            "m/mod.rs",
            "mod inner; pub use inner::go; pub struct Own; fn f() { go(); }",
        ),
        ("m/inner.rs", "pub fn go() -> super::Own { todo!() }"),
    ]);
    assert_eq!(found.circles.len(), 1, "{:?}", found.circles);
}

#[test]
fn a_pane_whose_child_takes_the_app_that_takes_its_state_is_a_circle_of_modules() {
    let files = [
        ("lib.rs", "pub mod ui;"),
        ("ui/mod.rs", "pub mod app; pub mod pane;"),
        (
            "ui/app.rs",
            "use super::pane::State; pub struct App { s: State }",
        ),
        ("ui/pane.rs", "pub mod draw; pub struct State;"),
        (
            "ui/pane/draw.rs",
            "use crate::ui::pane::State; pub fn draw(s: &State) {}",
        ),
    ];
    let (_, found) = toy(&files);
    assert!(found.circles.is_empty(), "{:?}", found.circles);
    assert!(
        found.module_circles.is_empty(),
        "{:?}",
        found.module_circles
    );

    let mut files = files;
    files[4].1 = "use crate::ui::app::App; pub fn draw(app: &App) {}";
    let (_, found) = toy(&files);
    // No two files tie each other, but the pane and the app do.
    assert!(found.circles.is_empty(), "{:?}", found.circles);
    assert_eq!(
        texts(&found.module_circles),
        ["circle of 2 modules: ui::app -> ui::pane -> ui::app\n  \
          src/ui/app.rs -> src/ui/pane.rs: State\n  src/ui/pane/draw.rs -> src/ui/app.rs: App\n"]
    );
    assert_eq!(found.module_circles[0].home, "ui");
}

#[test]
fn a_front_end_taking_a_store_row_is_named_and_a_handle_is_not() {
    let (_, found) = toy(&[
        ("lib.rs", "pub mod store; pub mod tui; pub mod model;"),
        (
            "store/mod.rs",
            "pub mod calls; pub struct Store; pub enum StoreError {}",
        ),
        (
            "store/calls.rs",
            "pub struct CallRow; pub use crate::model::Tier;",
        ),
        ("model.rs", "pub enum Tier {}"),
        (
            "tui/mod.rs",
            "use crate::store::{Store, StoreError}; fn f(r: crate::store::calls::CallRow) {}",
        ),
        ("tui/pane.rs", "use crate::model::Tier;"),
    ]);
    assert_eq!(
        found.rows_in_front_ends,
        ["src/tui/mod.rs takes CallRow (src/store/calls.rs) through crate::store"]
    );
}

#[test]
fn a_front_end_taking_the_store_is_named_and_an_atomic_store_and_a_test_are_not() {
    let (_, found) = toy(&[
        ("lib.rs", "pub mod tui; pub mod workbench;"),
        (
            "workbench/mod.rs",
            "pub struct Workbench; impl Workbench { pub fn store(&self) {} }",
        ),
        (
            "tui/mod.rs",
            "fn f(ws: &crate::workbench::Workbench, flag: &AtomicBool) { \
             ws.store().lock().calls(); flag.store(true, Relaxed); } \
             #[cfg(test)] mod tests { fn g(ws: &Workbench) { ws.store(); } }",
        ),
        (
            "workbench/serve.rs",
            "fn h(ws: &super::Workbench) { ws.store(); }",
        ),
    ]);
    assert_eq!(found.handles_behind_the_door, ["src/tui/mod.rs: store"]);
}

#[test]
fn a_front_end_reaching_behind_the_door_is_named_and_a_leaf_is_not() {
    let (_, found) = toy(&[
        (
            "lib.rs",
            "pub mod store; pub mod tui; pub mod model; pub mod text; pub mod workbench;",
        ),
        ("store/mod.rs", "pub struct Store; use crate::model::Tier;"),
        ("model.rs", "pub enum Tier {}"),
        ("text.rs", "pub fn wrap() {}"),
        (
            "workbench/mod.rs",
            "pub struct Workbench; use crate::store::Store;",
        ),
        (
            "tui/mod.rs",
            "use crate::workbench::Workbench; use crate::model::Tier; fn f() { crate::text::wrap() }",
        ),
        ("tui/pane.rs", "use crate::store::Store; use super::f;"),
    ]);
    let reached: Vec<(&str, &str, usize)> = found
        .past_the_door
        .iter()
        .map(|((front, module), lines)| (front.as_str(), module.as_str(), lines.len()))
        .collect();
    assert_eq!(reached, [("tui", "store", 1)]);
    assert_eq!(
        found.past_the_door[&("tui".to_string(), "store".to_string())],
        ["src/tui/pane.rs -> src/store/mod.rs: Store"]
    );
}

#[test]
fn the_command_line_may_start_another_front_end_and_nothing_more_of_it() {
    let (_, found) = toy(&[
        ("lib.rs", "pub mod cli; pub mod tui; pub mod store;"),
        ("store/mod.rs", "pub struct Store;"),
        (
            "tui/mod.rs",
            "pub fn run() {} pub struct App; use crate::store::Store;",
        ),
        ("cli/mod.rs", "use crate::tui::run;"),
        ("cli/app.rs", "use crate::tui::{run, App};"),
    ]);
    let reached: Vec<&String> = found.past_the_door[&("cli".to_string(), "tui".to_string())]
        .iter()
        .collect();
    assert_eq!(reached, ["src/cli/app.rs -> src/tui/mod.rs: App, run"]);
}
