//! Tidiness checks on the source tree: every Rust file opens with a `//!` line, and migrations
//! are append-only (an applied migration's file never changes; see `migration/applied.sha256`).
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && !name.to_string_lossy().starts_with('.') {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "entity", "migration", "benches", "fuzz"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 50, "found {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap_or_default().starts_with("//!"))
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a `//!` first line: {missing:?}");
}

/// A migration is applied to deployed databases once, by name: changing its file later makes
/// the code disagree with those databases. Every schema change is a new migration; its file's
/// checksum is added to `migration/applied.sha256` (`cd migration/src && sha256sum m*.rs`).
#[test]
fn applied_migrations_never_change_and_every_migration_is_registered() {
    let listed = std::fs::read_to_string(root().join("migration/applied.sha256")).unwrap();
    let listed: Vec<(&str, &str)> = listed.lines().filter_map(|l| l.split_once("  ")).collect();
    let dir = root().join("migration/src");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('m') && n.ends_with(".rs"))
        .collect();
    files.sort();
    let names: Vec<&str> = listed.iter().map(|(_, name)| *name).collect();
    assert_eq!(
        files, names,
        "migration/applied.sha256 must list every migration file, in order (a new migration: add its line)"
    );
    let lib = std::fs::read_to_string(dir.join("lib.rs")).unwrap();
    for (sum, name) in listed {
        let text = std::fs::read(dir.join(name)).unwrap();
        let actual = slomix::store::sha256_hex(&text);
        assert_eq!(
            actual, sum,
            "{name} changed after it was applied: restore it and write the change as a new migration"
        );
        let module = name.trim_end_matches(".rs");
        assert!(
            lib.contains(&format!("Box::new({module}::Migration)")),
            "{module} is not in Migrator"
        );
    }
}

/// `docs/commands.md` lists every command of the table, with its aliases and cooldown, and no
/// other.
#[test]
fn the_command_docs_list_every_registered_command() {
    use slomix::commands::registry::COMMANDS;
    let docs = std::fs::read_to_string(root().join("docs/commands.md")).unwrap();
    // The two tables of "## The commands" (players, then admins), before the details.
    let start = docs.find("## The commands").expect("a commands section");
    let end = docs[start..].find("### Player commands").map_or(docs.len(), |i| start + i);
    let mut documented = Vec::new();
    for line in docs[start..end].lines().filter(|l| l.starts_with("| `")) {
        let line = line.replace("\\|", "/"); // an escaped pipe inside a cell
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`');
        let aliases: Vec<&str> = cells[2]
            .split(',')
            .map(|a| a.trim().trim_matches('`'))
            .filter(|a| !a.is_empty())
            .collect();
        documented.push(name.to_owned());
        let spec = COMMANDS.iter().find(|s| s.name == name);
        let spec = spec
            .unwrap_or_else(|| panic!("docs/commands.md lists `{name}`, which is not registered"));
        assert_eq!(aliases, spec.aliases, "aliases of `{name}` in docs/commands.md");
        if !spec.admin() {
            let cooldown = cells[4].parse::<u64>().unwrap_or(0);
            assert_eq!(cooldown, spec.cooldown_secs, "cooldown of `{name}` in docs/commands.md");
        }
    }
    let registered: Vec<String> = COMMANDS.iter().map(|s| s.name.to_owned()).collect();
    let mut sorted = documented.clone();
    sorted.sort();
    let mut expected = registered.clone();
    expected.sort();
    assert_eq!(sorted, expected, "docs/commands.md must list every registered command once");
}
