//! The layering rules of STYLE.md, checked on the source tree: `domain/`, `oauth/` and `oidc/`
//! import no framework (actix, diesel, askama); `http/` imports no diesel; only `store/` uses diesel.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn offenders(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for word in forbidden {
                if code.contains(&format!("{word}::")) || code.contains(&format!("use {word}")) {
                    found.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn pure_layers_import_no_framework() {
    for layer in ["domain", "oauth", "oidc"] {
        let bad = offenders(layer, &["actix_web", "diesel", "askama"]);
        assert!(
            bad.is_empty(),
            "{layer}/ must stay framework-free:\n{}",
            bad.join("\n")
        );
    }
}

#[test]
fn only_the_store_uses_diesel() {
    for layer in ["http", "service", "crypto", "domain", "oauth", "oidc"] {
        let bad = offenders(layer, &["diesel"]);
        assert!(
            bad.is_empty(),
            "{layer}/ must not use diesel:\n{}",
            bad.join("\n")
        );
    }
}

#[test]
fn the_service_layer_knows_no_http_framework() {
    let bad = offenders("service", &["actix_web", "askama"]);
    assert!(
        bad.is_empty(),
        "service/ must not use actix or askama:\n{}",
        bad.join("\n")
    );
}

#[test]
fn migrations_come_in_pairs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
}
