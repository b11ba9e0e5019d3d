//! Without the public data the reproduction stops with a message that says what is
//! missing, where it looked, the expected layout and the public sources.

use cascadelab_reproduce::{Error, Options, reproduce};

#[test]
fn missing_data_stops_with_the_public_sources() {
    let empty = tempfile::tempdir().unwrap();
    let out = empty.path().join("out");
    let mut options = Options::new(&cascadelab_reproduce::repo_root(), &out);
    options.data_dir = Some(empty.path().to_path_buf());
    let e = reproduce(&options).unwrap_err();
    assert!(matches!(e, Error::MissingData(_)), "{e:?}");
    let message = e.to_string().replace(&empty.path().display().to_string(), "<DIR>");
    insta::assert_snapshot!(message);
    assert!(!out.exists(), "nothing is written");

    // Only the released curves: the same sources, and what is missing is named.
    options.curves_only = true;
    let e = reproduce(&options).unwrap_err();
    let m = e.to_string();
    assert!(m.starts_with("the paper's released curves are missing (paper_curves/)\n"), "{m}");
    assert!(m.contains("github.com/dylanbouchard/llm-cascade-frontiers"), "{m}");
}

#[test]
fn an_existing_output_is_kept_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("REPORT.md"), "earlier").unwrap();
    let mut options = Options::new(&cascadelab_reproduce::repo_root(), &out);
    // Only the Table 1 check, with its data wherever it is; refused before anything runs.
    options.curves_only = true;
    options.data_dir = Some(cascadelab_reproduce::repo_root().join("../shared/data"));
    match reproduce(&options) {
        Err(Error::OutputExists(p)) => assert_eq!(p, out),
        Err(Error::MissingData(_)) => println!("skipped the overwrite check: no paper_curves"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(std::fs::read_to_string(out.join("REPORT.md")).unwrap(), "earlier");
}

#[test]
fn bad_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::new(&cascadelab_reproduce::repo_root(), &dir.path().join("out"));
    options.splits = Some(0);
    assert_eq!(reproduce(&options).unwrap_err().to_string(), "--splits must be at least 1");
    options.splits = None;
    options.resamples = 0;
    assert_eq!(reproduce(&options).unwrap_err().to_string(), "the bootstrap needs at least one resample");
}
