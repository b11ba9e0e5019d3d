//! Loading speed: a 10^6-row long CSV (10^5 queries x 10 models), plain and gzip.

use std::io::Write;

use criterion::{Criterion, criterion_group, criterion_main};

fn long_csv(queries: usize, models: usize) -> String {
    let mut s = String::with_capacity(queries * models * 48);
    s.push_str("query_id,split,model,correct,confidence,cost,tokens_in,tokens_out,latency_ms\n");
    for q in 0..queries {
        for m in 0..models {
            let conf = -(((q * 31 + m * 17) % 1000) as f64) / 250.0;
            let correct = (q + m) % 3 != 0;
            s.push_str(&format!(
                "test-{q},test,model-{m},{},{conf},{:.8},{},{},{}\n",
                u8::from(correct),
                1e-5 * (m + 1) as f64,
                100 + q % 50,
                1 + m,
                300 + q % 70
            ));
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let text = long_csv(100_000, 10);
    let plain = dir.path().join("long.csv");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("long.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&gz).unwrap(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("long_csv_1e6_rows", |b| {
        b.iter(|| cascadelab_data::load_path(&plain).unwrap().dataset.n_queries())
    });
    group.bench_function("long_csv_gz_1e6_rows", |b| {
        b.iter(|| cascadelab_data::load_path(&gz).unwrap().dataset.n_queries())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
