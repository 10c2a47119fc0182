//! Inputs made from a tool's input schema: boundary values first (0, -1, empty strings and
//! arrays, the bounds themselves, very long strings, Unicode), then random ones drawn from a
//! seed, and smaller versions of an input for shrinking a failure. Every value offered is
//! checked against the schema by the caller, so what cannot be generated exactly (patterns,
//! `not`, `if`/`then`) is simply filtered out rather than guessed at.

use serde_json::{Map, Value, json};

/// How deep `$ref`s and nesting are followed: a cycle ends here instead of recursing on.
const MAX_DEPTH: usize = 8;
/// A long string where the schema sets no `maxLength`.
const LONG_STRING: usize = 10_000;
/// Items of a long array where the schema sets no `maxItems`.
const LONG_ARRAY: usize = 1_000;
/// Boundary values kept per property, so one wide field does not crowd out the others.
const PER_PROPERTY: usize = 12;
/// The most one generated value takes as JSON text (about): sizes multiply down nested arrays
/// (`minItems` of 10,000 at three levels is 10^12 items), so a value past this is not made at
/// all, never built and then judged.
const MAX_VALUE_BYTES: usize = 1 << 20;

/// A small deterministic generator (splitmix64): the same seed gives the same inputs on every
/// machine, which is what a seed in a report is for.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }

    /// An integer in `low..=high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        let span = (high as i128 - low as i128 + 1) as u128;
        (low as i128 + (self.next() as u128 % span) as i128) as i64
    }
}

/// A schema and the document its `$ref`s point into.
pub(crate) struct Schema<'a> {
    root: &'a Value,
}

impl<'a> Schema<'a> {
    pub(crate) fn new(root: &'a Value) -> Self {
        Schema { root }
    }

    /// Boundary inputs of the whole schema, simplest first, without repeats.
    pub(crate) fn boundaries(&self) -> Vec<Value> {
        let mut values = self.edges(self.root, 0);
        dedup(&mut values);
        values
    }

    /// One random input of the whole schema; `None` when the draw would pass
    /// `MAX_VALUE_BYTES`.
    pub(crate) fn random(&self, rng: &mut Rng) -> Option<Value> {
        let mut left = MAX_VALUE_BYTES;
        self.draw(self.root, rng, 0, &mut left)
    }

    /// `$ref` followed (to a local pointer), `allOf` merged: the schema a value is made from.
    fn resolve(&self, schema: &Value, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Value::Object(map) = schema else {
            // `true` is any value; `false` none.
            return (schema == &Value::Bool(true)).then(|| json!({}));
        };
        if let Some(Value::String(reference)) = map.get("$ref") {
            let target = reference
                .strip_prefix('#')
                .and_then(|pointer| self.root.pointer(pointer))?;
            let mut merged = self.resolve(target, depth + 1)?;
            merge_into(&mut merged, map, &["$ref"]);
            return Some(merged);
        }
        if let Some(Value::Array(parts)) = map.get("allOf") {
            let mut merged = Value::Object(Map::new());
            for part in parts {
                let part = self.resolve(part, depth + 1)?;
                if let Value::Object(part) = &part {
                    merge_into(&mut merged, part, &[]);
                }
            }
            merge_into(&mut merged, map, &["allOf"]);
            return Some(merged);
        }
        Some(schema.clone())
    }

    /// The branches of `anyOf` / `oneOf`, or the schema itself.
    fn branches(&self, schema: &Value) -> Vec<Value> {
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(keyword) {
                let mut base = schema.clone();
                if let Value::Object(map) = &mut base {
                    map.remove(keyword);
                }
                return branches
                    .iter()
                    .map(|branch| {
                        let mut merged = base.clone();
                        if let Value::Object(branch) = branch {
                            merge_into(&mut merged, branch, &[]);
                        }
                        merged
                    })
                    .collect();
            }
        }
        vec![schema.clone()]
    }

    /// The boundary values of `schema`, simplest first.
    fn edges(&self, schema: &Value, depth: usize) -> Vec<Value> {
        let Some(resolved) = self.resolve(schema, depth) else {
            return Vec::new();
        };
        let mut values = Vec::new();
        for branch in self.branches(&resolved) {
            values.extend(self.edges_of(&branch, depth));
        }
        values
    }

    fn edges_of(&self, schema: &Value, depth: usize) -> Vec<Value> {
        if let Some(value) = schema.get("const") {
            return vec![value.clone()];
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            return values.clone();
        }
        let mut values = Vec::new();
        for kind in kinds(schema) {
            match kind {
                "object" => values.extend(self.object_edges(schema, depth)),
                "array" => values.extend(self.array_edges(schema, depth)),
                "string" => values.extend(string_edges(schema)),
                "integer" => values.extend(integer_edges(schema).into_iter().map(Value::from)),
                "number" => values.extend(number_edges(schema)),
                "boolean" => values.extend([json!(false), json!(true)]),
                _ => values.push(Value::Null),
            }
        }
        values
    }

    /// The smallest object (required properties at their simplest), then that object with one
    /// property at a time at each of its boundaries, round robin so every property gets its
    /// first boundary before any gets its second; then every optional property present.
    fn object_edges(&self, schema: &Value, depth: usize) -> Vec<Value> {
        let properties = properties(schema);
        let required = required(schema);
        let Some(base) = self.smallest_object(schema, depth) else {
            return Vec::new();
        };
        let base_size = size(&base);
        // The size of `base` with `name` set to a value of `value_size`.
        let with = |name: &str, value_size: usize| {
            let old = base.get(name).map_or(0, |v| name.len() + 4 + size(v));
            (base_size - old).saturating_add(name.len() + 4 + value_size)
        };
        let per_property: Vec<(String, Vec<Value>)> = properties
            .iter()
            .map(|(name, sub)| {
                let mut edges = self.edges(sub, depth + 1);
                edges.truncate(PER_PROPERTY);
                (name.clone(), edges)
            })
            .collect();
        let mut values = vec![base.clone()];
        let longest = per_property.iter().map(|(_, e)| e.len()).max().unwrap_or(0);
        for round in 0..longest {
            for (name, edges) in &per_property {
                if let Some(edge) = edges.get(round)
                    && with(name, size(edge)) <= MAX_VALUE_BYTES
                {
                    let mut value = base.clone();
                    value[name] = edge.clone();
                    values.push(value);
                }
            }
        }
        let mut full = base;
        let mut full_size = base_size;
        for (name, sub) in &properties {
            if !required.contains(name)
                && let Some(simplest) = self.edges(sub, depth + 1).into_iter().next()
            {
                full_size = full_size.saturating_add(name.len() + 4 + size(&simplest));
                full[name] = simplest;
            }
        }
        if full_size <= MAX_VALUE_BYTES {
            values.push(full);
        }
        values
    }

    /// Required properties at their first boundary value; `None` when one has none, or when
    /// they take more than `MAX_VALUE_BYTES` together.
    fn smallest_object(&self, schema: &Value, depth: usize) -> Option<Value> {
        let properties = properties(schema);
        let mut object = Map::new();
        let mut taken = 2;
        for name in required(schema) {
            let value = match properties.iter().find(|(n, _)| *n == name) {
                Some((_, sub)) => self.edges(sub, depth + 1).into_iter().next()?,
                None => Value::Null,
            };
            taken += name.len() + 4 + size(&value);
            if taken > MAX_VALUE_BYTES {
                return None;
            }
            object.insert(name, value);
        }
        Some(Value::Object(object))
    }

    fn array_edges(&self, schema: &Value, depth: usize) -> Vec<Value> {
        let items = schema.get("items").cloned().unwrap_or(json!({}));
        let mut item_edges = self.edges(&items, depth + 1);
        item_edges.truncate(PER_PROPERTY);
        let (min, max) = (
            count(schema, "minItems").unwrap_or(0),
            count(schema, "maxItems"),
        );
        let Some(simplest) = item_edges.first().cloned() else {
            return if min == 0 {
                vec![json!([])]
            } else {
                Vec::new()
            };
        };
        // Sizes are reckoned before an array is built: `min` copies of the simplest item may
        // already be more than any input should take.
        let item_size = size(&simplest) + 1;
        let fits = |n: usize, last: usize| {
            n.saturating_mul(item_size).saturating_add(last + 2) <= MAX_VALUE_BYTES
        };
        let repeat = |n: usize| Value::Array(vec![simplest.clone(); n]);
        let mut values = Vec::new();
        for n in [min, min.max(1)] {
            if fits(n, 0) {
                values.push(repeat(n));
            }
        }
        let before_last = min.saturating_sub(1);
        for edge in &item_edges {
            if fits(before_last, size(edge)) {
                let mut items = vec![simplest.clone(); before_last];
                items.push(edge.clone());
                values.push(Value::Array(items));
            }
        }
        // A long array: as long as the schema lets it be, within what one input may take.
        let long = max
            .unwrap_or(LONG_ARRAY)
            .min(LONG_ARRAY)
            .min((MAX_VALUE_BYTES - 2) / item_size);
        if long >= min {
            values.push(repeat(long));
        }
        values
    }

    /// A random value of `schema` that takes at most `left` bytes, which it spends; `None`
    /// past them.
    fn draw(&self, schema: &Value, rng: &mut Rng, depth: usize, left: &mut usize) -> Option<Value> {
        let resolved = self.resolve(schema, depth)?;
        let value = self.draw_resolved(&resolved, rng, depth, left)?;
        // Containers spent for their brackets and keys; their items spent for themselves.
        let spent = match &value {
            Value::Array(_) => 2,
            Value::Object(map) => 2 + map.keys().map(|k| k.len() + 4).sum::<usize>(),
            scalar => size(scalar),
        };
        *left = left.checked_sub(spent)?;
        Some(value)
    }

    fn draw_resolved(
        &self,
        schema: &Value,
        rng: &mut Rng,
        depth: usize,
        left: &mut usize,
    ) -> Option<Value> {
        let branches = self.branches(schema);
        let branch = &branches[rng.below(branches.len() as u64) as usize];
        if let Some(value) = branch.get("const") {
            return Some(value.clone());
        }
        if let Some(Value::Array(values)) = branch.get("enum") {
            return values.get(rng.below(values.len() as u64) as usize).cloned();
        }
        let kinds = kinds(branch);
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        match kind {
            "object" => {
                let required = required(branch);
                let mut object = Map::new();
                for (name, sub) in properties(branch) {
                    if required.contains(&name) || rng.chance(2) {
                        object.insert(name, self.draw(&sub, rng, depth + 1, left)?);
                    }
                }
                Some(Value::Object(object))
            }
            "array" => {
                let items = branch.get("items").cloned().unwrap_or(json!({}));
                let min = count(branch, "minItems").unwrap_or(0);
                let max = count(branch, "maxItems").unwrap_or(min + 5).min(min + 20);
                let n = rng.between(min as i64, max as i64) as usize;
                (0..n)
                    .map(|_| self.draw(&items, rng, depth + 1, left))
                    .collect::<Option<Vec<_>>>()
                    .map(Value::Array)
            }
            "string" => Some(Value::String(random_string(branch, rng))),
            "integer" => {
                let (low, high) = integer_range(branch);
                let (low, high) = (low.max(-1_000_000), high.min(1_000_000));
                let mut n = rng.between(low, high.max(low));
                if let Some(step) = branch.get("multipleOf").and_then(Value::as_i64)
                    && step > 0
                {
                    n -= n.rem_euclid(step);
                }
                Some(Value::from(n))
            }
            "number" => {
                let (low, high) = number_range(branch);
                let (low, high) = (low.max(-1e6), high.min(1e6));
                let unit = rng.below(1_000_001) as f64 / 1_000_000.0;
                serde_json::Number::from_f64(low + (high - low).max(0.0) * unit).map(Value::Number)
            }
            "boolean" => Some(Value::Bool(rng.chance(2))),
            _ => Some(Value::Null),
        }
    }
}

/// Smaller versions of `value`, each strictly shorter as JSON text: an optional property
/// dropped, a string or array cut, a number brought towards 0, one part shrunk. Which of them
/// the schema still accepts is the caller's test.
pub(crate) fn smaller(value: &Value) -> Vec<Value> {
    let size = value.to_string().len();
    let mut out = Vec::new();
    match value {
        Value::Object(map) => {
            for key in map.keys() {
                let mut without = map.clone();
                without.remove(key);
                out.push(Value::Object(without));
            }
            for (key, inner) in map {
                for shrunk in smaller(inner) {
                    let mut with = map.clone();
                    with.insert(key.clone(), shrunk);
                    out.push(Value::Object(with));
                }
            }
        }
        Value::Array(items) => {
            out.push(json!([]));
            let half = items.len() / 2;
            if half > 0 {
                out.push(Value::Array(items[..half].to_vec()));
                out.push(Value::Array(items[half..].to_vec()));
            }
            for i in 0..items.len().min(8) {
                let mut without = items.clone();
                without.remove(i);
                out.push(Value::Array(without));
            }
            for (i, inner) in items.iter().enumerate().take(8) {
                for shrunk in smaller(inner) {
                    let mut with = items.clone();
                    with[i] = shrunk;
                    out.push(Value::Array(with));
                }
            }
        }
        Value::String(text) => {
            let chars: Vec<char> = text.chars().collect();
            out.push(json!(""));
            let half = chars.len() / 2;
            if half > 0 {
                out.push(Value::String(chars[..half].iter().collect()));
                out.push(Value::String(chars[half..].iter().collect()));
            }
            if !chars.is_empty() {
                out.push(Value::String(chars[1..].iter().collect()));
                out.push(Value::String(chars[..chars.len() - 1].iter().collect()));
            }
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend([0, i / 2, i - i.signum()].map(Value::from));
            } else if let Some(f) = n.as_f64() {
                out.extend(
                    [0.0, f.trunc(), f / 2.0]
                        .into_iter()
                        .filter_map(|f| serde_json::Number::from_f64(f).map(Value::Number)),
                );
            }
        }
        Value::Bool(true) => out.push(json!(false)),
        Value::Bool(false) | Value::Null => {}
    }
    out.retain(|v| v.to_string().len() < size);
    dedup(&mut out);
    out
}

/// Drops repeats, keeping the first of each.
fn dedup(values: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| seen.insert(v.to_string()));
}

/// Copies the keywords of `from` into `into` (an object), but `skip`; `properties` and
/// `required` are joined rather than replaced.
fn merge_into(into: &mut Value, from: &Map<String, Value>, skip: &[&str]) {
    let Value::Object(target) = into else {
        return;
    };
    for (key, value) in from {
        if skip.contains(&key.as_str()) {
            continue;
        }
        match (key.as_str(), target.get_mut(key), value) {
            ("properties", Some(Value::Object(have)), Value::Object(more)) => {
                for (name, sub) in more {
                    have.insert(name.clone(), sub.clone());
                }
            }
            ("required", Some(Value::Array(have)), Value::Array(more)) => {
                for name in more {
                    if !have.contains(name) {
                        have.push(name.clone());
                    }
                }
            }
            _ => {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The JSON types a schema allows, from `type` or the keywords it uses.
fn kinds(schema: &Value) -> Vec<&'static str> {
    const ALL: [&str; 7] = [
        "object", "array", "string", "integer", "number", "boolean", "null",
    ];
    let named = |name: &str| ALL.iter().copied().find(|k| *k == name);
    match schema.get("type") {
        Some(Value::String(name)) => named(name).into_iter().collect(),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .filter_map(named)
            .collect(),
        _ => {
            let has = |keys: &[&str]| keys.iter().any(|k| schema.get(*k).is_some());
            if has(&["properties", "required", "additionalProperties"]) {
                vec!["object"]
            } else if has(&["items", "minItems", "maxItems"]) {
                vec!["array"]
            } else if has(&["minLength", "maxLength", "pattern", "format"]) {
                vec!["string"]
            } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]) {
                vec!["number"]
            } else {
                vec!["object", "string", "integer", "array", "boolean", "null"]
            }
        }
    }
}

fn properties(schema: &Value) -> Vec<(String, Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|map| map.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// About the bytes `value` takes as JSON text (escapes aside): what `MAX_VALUE_BYTES` bounds.
fn size(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(n) => n.to_string().len(),
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(|v| size(v) + 1).sum::<usize>() + 2,
        Value::Object(map) => {
            map.iter()
                .map(|(k, v)| k.len() + 4 + size(v))
                .sum::<usize>()
                + 2
        }
    }
}

fn count(schema: &Value, keyword: &str) -> Option<usize> {
    schema
        .get(keyword)
        .and_then(Value::as_u64)
        .map(|n| n.min(LONG_STRING as u64) as usize)
}

/// The inclusive range an integer may take (exclusive bounds moved in by one).
fn integer_range(schema: &Value) -> (i64, i64) {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let low = match (bound("minimum"), bound("exclusiveMinimum")) {
        (Some(min), _) => min.ceil() as i64,
        (None, Some(min)) => min.floor() as i64 + 1,
        _ => i64::MIN,
    };
    let high = match (bound("maximum"), bound("exclusiveMaximum")) {
        (Some(max), _) => max.floor() as i64,
        (None, Some(max)) => max.ceil() as i64 - 1,
        _ => i64::MAX,
    };
    (low, high)
}

fn number_range(schema: &Value) -> (f64, f64) {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let low = bound("minimum")
        .or(bound("exclusiveMinimum").map(|m| m + 1e-6))
        .unwrap_or(f64::MIN);
    let high = bound("maximum")
        .or(bound("exclusiveMaximum").map(|m| m - 1e-6))
        .unwrap_or(f64::MAX);
    (low, high)
}

/// 0, -1, 1, the bounds and their neighbours, and the edges of 32- and 53-bit numbers: those
/// inside the range, in that order.
fn integer_edges(schema: &Value) -> Vec<i64> {
    let (low, high) = integer_range(schema);
    let candidates = [
        0,
        -1,
        1,
        low,
        high,
        low.saturating_add(1),
        high.saturating_sub(1),
        i32::MAX as i64,
        i32::MIN as i64,
        (1 << 53) + 1,
    ];
    let step = schema
        .get("multipleOf")
        .and_then(Value::as_i64)
        .filter(|s| *s > 0);
    candidates
        .into_iter()
        .filter(|n| (low..=high).contains(n))
        .filter(|n| step.is_none_or(|s| n % s == 0))
        .collect()
}

fn number_edges(schema: &Value) -> Vec<Value> {
    let (low, high) = number_range(schema);
    let mut values: Vec<Value> = [0.0, -1.0, 0.5, -0.5, 1e-9, 1e15, low, high]
        .into_iter()
        .filter(|n| n.is_finite() && (low..=high).contains(n))
        .filter_map(|n| serde_json::Number::from_f64(n).map(Value::Number))
        .collect();
    values.extend(integer_edges(schema).into_iter().take(3).map(Value::from));
    values
}

/// An example of each format a tool is likely to declare.
fn formatted(format: &str) -> Option<&'static str> {
    Some(match format {
        "date" => "2026-02-28",
        "date-time" => "2026-02-28T23:59:60Z",
        "time" => "23:59:59Z",
        "email" => "a@example.com",
        "uri" | "iri" | "url" => "https://example.com/a?b=c#d",
        "uri-reference" => "../a",
        "uuid" => "00000000-0000-0000-0000-000000000000",
        "ipv4" => "127.0.0.1",
        "ipv6" => "::1",
        "hostname" => "example.com",
        _ => return None,
    })
}

/// Empty, the length bounds, one character, very long, Unicode (combining marks, wide and
/// astral characters, right-to-left), quotes and new lines, and text that looks like a number.
fn string_edges(schema: &Value) -> Vec<Value> {
    let min = count(schema, "minLength").unwrap_or(0);
    let max = count(schema, "maxLength");
    let mut texts: Vec<String> = Vec::new();
    if let Some(example) = schema
        .get("format")
        .and_then(Value::as_str)
        .and_then(formatted)
    {
        texts.push(example.to_string());
    }
    texts.extend([
        String::new(),
        "a".repeat(min.max(1)),
        "x".repeat(max.unwrap_or(LONG_STRING)),
        "é日本🙂\u{301}".to_string(),
        "שלום".to_string(),
        " ".to_string(),
        "line one\nline two".to_string(),
        "\"quoted\" \\ 'single'".to_string(),
        "0".to_string(),
        "-1".to_string(),
    ]);
    texts
        .into_iter()
        .filter(|t| {
            let n = t.chars().count();
            n >= min && max.is_none_or(|max| n <= max)
        })
        .map(Value::String)
        .collect()
}

/// A random string within the length bounds, from an alphabet with Unicode in it.
fn random_string(schema: &Value, rng: &mut Rng) -> String {
    if let Some(example) = schema
        .get("format")
        .and_then(Value::as_str)
        .and_then(formatted)
    {
        return example.to_string();
    }
    const ALPHABET: &[char] = &[
        'a', 'b', 'z', 'A', 'Z', '0', '9', ' ', '-', '_', ',', '.', '"', '\\', '\n', 'é', 'ß',
        '日', '🙂', '\u{301}',
    ];
    let min = count(schema, "minLength").unwrap_or(0);
    let max = count(schema, "maxLength").unwrap_or(min + 24).min(min + 64);
    let n = rng.between(min as i64, max as i64) as usize;
    (0..n)
        .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(schema: &Value, values: &[Value]) -> Vec<Value> {
        let validator = jsonschema::validator_for(schema).expect("a valid schema");
        values
            .iter()
            .filter(|v| validator.is_valid(v))
            .cloned()
            .collect()
    }

    /// Sizes multiply down nested arrays: three levels of `minItems` 10,000 would be 10^12
    /// strings, and an array of 10,000 strings of 10,000 characters 100 MB. Nothing past
    /// `MAX_VALUE_BYTES` is made, by boundaries or draws, and what fits still is.
    #[test]
    fn no_generated_value_passes_the_size_bound() {
        let nested = json!({"type": "array", "minItems": 10000, "items": {
            "type": "array", "minItems": 10000, "items": {
                "type": "array", "minItems": 10000, "items": {"type": "string"}}}});
        let wide = json!({"type": "object", "required": ["rows"], "properties": {
            "rows": {"type": "array", "minItems": 10000,
                     "items": {"type": "string", "minLength": 10000}}}});
        let fits = json!({"type": "array", "minItems": 100, "items": {"type": "string"}});
        for schema in [&nested, &wide, &fits] {
            let generator = Schema::new(schema);
            let mut made = generator.boundaries();
            let mut rng = Rng::new(7);
            made.extend((0..20).filter_map(|_| generator.random(&mut rng)));
            for value in &made {
                let text = value.to_string().len();
                assert!(
                    text <= MAX_VALUE_BYTES + MAX_VALUE_BYTES / 8,
                    "{text} bytes"
                );
            }
            let valid = valid(schema, &made);
            if schema == &fits {
                assert!(valid.len() > 3, "{valid:?}");
            } else {
                assert!(valid.is_empty(), "too large to make: {}", valid.len());
            }
        }
    }

    #[test]
    fn integers_start_at_zero_and_reach_both_bounds() {
        let schema = json!({"type": "integer", "minimum": -3, "maximum": 10});
        let edges = Schema::new(&schema).boundaries();
        assert_eq!(edges[..3], [json!(0), json!(-1), json!(1)]);
        assert!(edges.contains(&json!(-3)) && edges.contains(&json!(10)));
        assert_eq!(valid(&schema, &edges).len(), edges.len());
    }

    #[test]
    fn strings_bring_empty_long_and_unicode_within_their_bounds() {
        let free = json!({"type": "string"});
        let edges = Schema::new(&free).boundaries();
        assert_eq!(edges[0], json!(""));
        assert!(
            edges
                .iter()
                .any(|e| e.as_str().is_some_and(|s| s.len() == LONG_STRING))
        );
        assert!(
            edges
                .iter()
                .any(|e| e.as_str().is_some_and(|s| s.contains('🙂')))
        );
        let bounded = json!({"type": "string", "minLength": 2, "maxLength": 4});
        for edge in Schema::new(&bounded).boundaries() {
            let n = edge.as_str().expect("a string").chars().count();
            assert!((2..=4).contains(&n), "{edge}");
        }
    }

    #[test]
    fn objects_vary_one_property_at_a_time_from_the_required_ones() {
        let schema = json!({
            "type": "object",
            "required": ["a", "b"],
            "properties": {
                "a": {"type": "integer"},
                "b": {"type": "integer"},
                "note": {"type": "string"}
            }
        });
        let edges = Schema::new(&schema).boundaries();
        assert_eq!(edges[0], json!({"a": 0, "b": 0}));
        // b = 0 for a divisor, a = -1, … all reached early, each alone.
        assert!(edges[..8].contains(&json!({"a": -1, "b": 0})));
        assert!(edges.contains(&json!({"a": 0, "b": 0, "note": ""})));
        assert_eq!(valid(&schema, &edges).len(), edges.len());
    }

    #[test]
    fn refs_and_defs_are_followed_and_a_cycle_ends() {
        let schema = json!({
            "$defs": {"node": {"type": "object", "properties": {
                "next": {"$ref": "#/$defs/node"}, "v": {"type": "integer"}}}}
            ,
            "$ref": "#/$defs/node"
        });
        let edges = Schema::new(&schema).boundaries();
        assert!(!edges.is_empty());
        assert!(edges.contains(&json!({})), "{edges:?}");
        let mut rng = Rng::new(7);
        for _ in 0..20 {
            Schema::new(&schema).random(&mut rng);
        }
    }

    #[test]
    fn a_schema_that_accepts_nothing_gives_nothing_valid() {
        let never = json!(false);
        assert!(Schema::new(&never).boundaries().is_empty());
        let no_branch = json!({"oneOf": [{"type": "integer", "minimum": 5, "maximum": 1}]});
        let edges = Schema::new(&no_branch).boundaries();
        assert!(valid(&no_branch, &edges).is_empty(), "{edges:?}");
    }

    #[test]
    fn the_same_seed_draws_the_same_inputs() {
        let schema = json!({"type": "object", "required": ["s", "n", "xs"], "properties": {
            "s": {"type": "string", "maxLength": 8},
            "n": {"type": "number", "minimum": 0},
            "xs": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3}}});
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..10)
                .map(|_| Schema::new(&schema).random(&mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
        let drawn: Vec<Value> = draw(42).into_iter().flatten().collect();
        assert_eq!(valid(&schema, &drawn).len(), drawn.len(), "{drawn:?}");
    }

    #[test]
    fn smaller_values_are_strictly_smaller() {
        let value = json!({"a": 120, "s": "hello world", "xs": [1, 2, 3]});
        let size = value.to_string().len();
        let shrunk = smaller(&value);
        assert!(shrunk.contains(&json!({"a": 120, "s": "hello world"})));
        assert!(shrunk.contains(&json!({"a": 0, "s": "hello world", "xs": [1, 2, 3]})));
        assert!(shrunk.iter().all(|v| v.to_string().len() < size));
        assert!(smaller(&json!(0)).is_empty());
    }
}
