//! The shape of the house, checked from the code itself: no module of the service imports,
//! through any chain of `use` declarations, a module that imports it back (STYLE.md, "no import
//! circle between modules"). Re-exports (`pub use`) are a module's face, not a dependency, and
//! are not followed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests state their expectations by panicking
use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

use syn::{Item, UseTree, Visibility};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module path of a source file: `src/services/tickets/mod.rs` is `services::tickets`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The paths a use tree names, each from its root (`crate`, `super`, `self` or a crate name).
fn flatten(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten(&path.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(name) => {
            let mut full = prefix.clone();
            full.push(name.ident.to_string());
            out.push(full);
        }
        UseTree::Rename(rename) => {
            let mut full = prefix.clone();
            full.push(rename.ident.to_string());
            out.push(full);
        }
        UseTree::Glob(_) => out.push(prefix.clone()),
        UseTree::Group(group) => {
            for item in &group.items {
                flatten(item, prefix, out);
            }
        }
    }
}

/// The module a `use` path reaches: the longest prefix that is a module of the crate.
fn target_module(
    from: &[String],
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let mut absolute: Vec<String> = Vec::new();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => rest = &path[1..],
        Some("super") => {
            absolute = from.to_vec();
            while rest.first().map(String::as_str) == Some("super") {
                absolute.pop();
                rest = &rest[1..];
            }
        }
        Some("self") => {
            absolute = from.to_vec();
            rest = &path[1..];
        }
        _ => return None, // another crate, or the standard library
    }
    absolute.extend(rest.iter().cloned());
    (0..=absolute.len())
        .rev()
        .map(|len| absolute[..len].to_vec())
        .find(|candidate| modules.contains(candidate))
}

/// Each module of `src/` with the modules it imports.
fn import_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.ends_with("main.rs"));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let parsed = syn::parse_file(&fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut paths = Vec::new();
        for item in &parsed.items {
            if let Item::Use(declaration) = item
                && !matches!(declaration.vis, Visibility::Public(_))
            {
                flatten(&declaration.tree, &mut Vec::new(), &mut paths);
            }
        }
        let imports: BTreeSet<Vec<String>> = paths
            .iter()
            .filter_map(|path| target_module(&module, path, &modules))
            .filter(|target| *target != module && !target.is_empty())
            .collect();
        graph.insert(module, imports);
    }
    graph
}

/// A chain of imports from `start` back to itself, if there is one.
fn circle_through(
    graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    start: &Vec<String>,
) -> Option<Vec<Vec<String>>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((module, chain)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                let mut circle = chain.clone();
                circle.push(next.clone());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = chain.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = import_graph();
    assert!(graph.len() > 50, "the walk found the service's modules");
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|module| circle_through(&graph, module))
        .map(|circle| {
            circle
                .iter()
                .map(|m| m.join("::"))
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_walk_sees_a_circle_when_there_is_one() {
    let module = |name: &str| vec![name.to_owned()];
    let graph = BTreeMap::from([
        (module("a"), BTreeSet::from([module("b")])),
        (module("b"), BTreeSet::from([module("c")])),
        (module("c"), BTreeSet::from([module("a")])),
        (module("d"), BTreeSet::from([module("a")])),
    ]);
    assert!(circle_through(&graph, &module("a")).is_some());
    assert!(circle_through(&graph, &module("d")).is_none());
}

#[test]
fn nothing_under_routes_names_the_database_layer() {
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files = Vec::new();
    rust_files(&routes, &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|file| fs::read_to_string(file).unwrap().contains("sea_orm"))
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "route modules that name sea_orm: {offenders:?}"
    );
}

/// Declarative tables that are long because the world is: every message's Japanese template.
const LONG_TABLES: [&str; 1] = ["src/i18n/ja.rs"];

/// The most lines of production code (what comes before a file's `#[cfg(test)]`) one file may
/// hold: past it, a file does more than one job and wants splitting by job (issue #14).
const MAX_PRODUCTION_LINES: usize = 600;

#[test]
fn no_file_of_production_code_is_over_six_hundred_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let offenders: Vec<String> = files
        .iter()
        .filter(|file| {
            let relative = file
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            !LONG_TABLES.contains(&relative.as_str())
        })
        .filter_map(|file| {
            let text = fs::read_to_string(file).unwrap();
            let production = text.split("#[cfg(test)]").next().unwrap_or_default();
            let lines = production.lines().count();
            (lines > MAX_PRODUCTION_LINES).then(|| format!("{} ({lines})", file.display()))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "files over {MAX_PRODUCTION_LINES} lines of production code: {offenders:?}"
    );
}
