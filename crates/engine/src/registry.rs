//! THE list of solvers. Every registered solver is one line of [`SOLVERS`]; that
//! list drives `[[solvers]]` parsing, `cascadelab solvers`, the experiment schema
//! and the docs (as ripgrep's `FLAGS` and ruff's `codes.rs` do).
//!
//! Adding a solver: implement `cascadelab_core::Solver` in a crate, expose
//! `pub static ENTRY: cascadelab_core::Entry<Params>`, add the crate to this crate's
//! Cargo.toml and one line below, then run `cargo xtask schema`.

use cascadelab_core::{ParamDoc, SolverEntry};
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// Every registered solver, in the order `cascadelab solvers` lists them.
pub static SOLVERS: &[&dyn SolverEntry] = &[
    &cascadelab_pairwise::ENTRY,
    &cascadelab_kstage::ENTRY,
    &cascadelab_kstage::FIXED_CHAIN_ENTRY,
    &cascadelab_randomized::ENTRY,
    &cascadelab_router::ENTRY,
    &cascadelab_plugin::ENTRY,
];

/// The entry of solver `kind` in `registry`.
pub fn find<'r>(registry: &'r [&'r dyn SolverEntry], kind: &str) -> Option<&'r dyn SolverEntry> {
    registry.iter().copied().find(|e| e.kind() == kind)
}

/// Registered kinds as `` `a`, `b` ``, for messages.
pub fn kinds(registry: &[&dyn SolverEntry]) -> String {
    registry.iter().map(|e| format!("`{}`", e.kind())).collect::<Vec<_>>().join(", ")
}

/// JSON schema of the `solvers` array: one alternative per registered kind, each
/// with `kind` fixed, an optional `name` and the solver's own parameters, nothing
/// else. Built by hand because solver tables are parsed dynamically.
pub fn solvers_schema(generator: &mut SchemaGenerator) -> Schema {
    registry_schema(SOLVERS, generator)
}

/// [`solvers_schema`] for any registry.
pub fn registry_schema(registry: &[&dyn SolverEntry], generator: &mut SchemaGenerator) -> Schema {
    let alternatives: Vec<Value> = registry.iter().map(|e| entry_schema(*e, generator)).collect();
    let schema = json!({
        "description": "The solvers to run.",
        "type": "array",
        "minItems": 1,
        "items": { "oneOf": alternatives },
    });
    Schema::try_from(schema).expect("an object is a schema")
}

fn entry_schema(entry: &dyn SolverEntry, generator: &mut SchemaGenerator) -> Value {
    let params = entry.params_schema(generator);
    let params = params.as_object().cloned().unwrap_or_default();
    let mut properties = Map::new();
    properties
        .insert("kind".into(), json!({ "description": entry.summary(), "type": "string", "const": entry.kind() }));
    properties.insert(
        "name".into(),
        json!({
            "description": "Label of this solver's curves and files; unique; letters, digits, `-`, `_`, `.`; default: the kind.",
            "type": "string",
            "pattern": NAME_PATTERN,
        }),
    );
    if let Some(Value::Object(p)) = params.get("properties") {
        for (k, v) in p {
            properties.insert(k.clone(), v.clone());
        }
    }
    let mut required = vec![Value::from("kind")];
    if let Some(Value::Array(r)) = params.get("required") {
        required.extend(r.iter().cloned());
    }
    json!({
        "title": entry.kind(),
        "description": entry.summary(),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// What a solver name may contain (it labels curves and appears in CSV files).
pub const NAME_PATTERN: &str = "^[A-Za-z0-9._-]+$";

/// Whether `name` is a valid solver name.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The parameters of `entry` for help text: name, type, default and description,
/// with enumerations shown by their values (`"exact" | "grid"`).
pub fn params(entry: &dyn SolverEntry) -> Vec<ParamDoc> {
    let schema = entry.params_schema(&mut schemars::generate::SchemaSettings::draft07().into_generator());
    let root = schema.as_value().clone();
    let mut docs = entry.params_doc();
    if let Some(Value::Object(props)) = root.get("properties") {
        for d in &mut docs {
            if let Some(p) = props.get(&d.name) {
                d.kind = type_of(p, &root, 0);
            }
        }
    }
    docs
}

fn type_of(p: &Value, root: &Value, depth: usize) -> String {
    if depth > 8 {
        return "any".into();
    }
    if let Some(c) = p.get("const") {
        return c.to_string();
    }
    if let Some(Value::Array(values)) = p.get("enum") {
        return values.iter().map(Value::to_string).collect::<Vec<_>>().join(" | ");
    }
    if let Some(r) = p.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        let def = root.get("definitions").or_else(|| root.get("$defs")).and_then(|d| d.get(name));
        return def.map_or_else(|| name.to_string(), |d| type_of(d, root, depth + 1));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(alts)) = p.get(key) {
            let mut kinds: Vec<String> = Vec::new();
            for a in alts {
                let k = type_of(a, root, depth + 1);
                if !kinds.contains(&k) {
                    kinds.push(k);
                }
            }
            return kinds.join(" | ");
        }
    }
    match p.get("type") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        Some(Value::String(t)) if t == "array" => {
            format!("array of {}", p.get("items").map_or_else(|| "any".into(), |i| type_of(i, root, depth + 1)))
        }
        Some(Value::String(t)) => t.clone(),
        _ => "any".into(),
    }
}

/// A Markdown table of every registered solver and its parameters.
pub fn markdown(registry: &[&dyn SolverEntry]) -> String {
    let mut out = String::new();
    for e in registry {
        out.push_str(&format!("### `{}`\n\n{}\n\n", e.kind(), e.summary()));
        let params = params(*e);
        if params.is_empty() {
            out.push_str("No parameters.\n\n");
            continue;
        }
        out.push_str("| parameter | type | default | description |\n|---|---|---|---|\n");
        for p in params {
            let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                p.name,
                cell(&p.kind),
                p.default.as_deref().map_or(String::from("(required)"), |d| format!("`{}`", cell(d))),
                cell(&p.description)
            ));
        }
        out.push('\n');
    }
    out
}

/// Plain text of every registered solver and its parameters.
pub fn text(registry: &[&dyn SolverEntry]) -> String {
    let mut out = String::new();
    for (i, e) in registry.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{}\n    {}\n", e.kind(), e.summary()));
        for p in params(*e) {
            let default = p.default.as_deref().map_or(String::from("required"), |d| format!("default {d}"));
            out.push_str(&format!("  {} ({}, {})\n", p.name, p.kind, default));
            let desc = p.description.split_whitespace().collect::<Vec<_>>().join(" ");
            for line in wrap(&desc, 72) {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kinds that need a parameter to build (a plugin names its library or program).
    const NEED_PARAMETERS: &[&str] = &["plugin"];

    #[test]
    fn every_registered_solver_is_documented() {
        assert!(!SOLVERS.is_empty(), "the registry lists no solver");
        let mut seen = std::collections::BTreeSet::new();
        for e in SOLVERS {
            assert!(seen.insert(e.kind()), "kind `{}` is registered twice", e.kind());
            assert!(valid_name(e.kind()), "kind `{}` is not a valid name", e.kind());
            assert!(!e.summary().trim().is_empty(), "solver `{}` has no summary", e.kind());
            for p in params(*e) {
                assert!(!p.kind.contains("any"), "solver `{}`: parameter `{}` has no type", e.kind(), p.name);
                assert!(!p.description.is_empty(), "solver `{}`: parameter `{}` has no description", e.kind(), p.name);
                assert!(p.default.is_some(), "solver `{}`: parameter `{}` has no default", e.kind(), p.name);
                assert!(
                    p.name != "kind" && p.name != "name",
                    "solver `{}` has a parameter named `{}`",
                    e.kind(),
                    p.name
                );
            }
            // Defaults build: `[[solvers]] kind = "..."` alone must work, except for
            // solvers that cannot exist without naming something (a plugin's file);
            // those must say which parameter is missing.
            match e.build(json!({})) {
                Ok(_) => assert!(!NEED_PARAMETERS.contains(&e.kind()), "`{}` builds with defaults", e.kind()),
                Err(message) => {
                    assert!(
                        NEED_PARAMETERS.contains(&e.kind()),
                        "solver `{}` does not build with default parameters: {message}",
                        e.kind()
                    );
                    let names = params(*e);
                    assert!(
                        names.iter().any(|p| message.contains(&format!("`{}`", p.name))),
                        "solver `{}`: the message for missing parameters names none: {message}",
                        e.kind()
                    );
                }
            }
            assert!(markdown(SOLVERS).contains(&format!("### `{}`", e.kind())));
            assert!(text(SOLVERS).contains(e.kind()));
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(valid_name("pairwise-grid"));
        assert!(valid_name("k_stage.2"));
        assert!(!valid_name(""));
        assert!(!valid_name("a/b"));
        assert!(!valid_name("a b"));
        assert!(!valid_name("a,b"));
    }
}
