//! The FrugalGPT solver as a command plugin: one request on standard input, the
//! proposal on standard output (`command = ["frugalgpt-stdio"]`).

fn main() -> std::process::ExitCode {
    cascadelab_plugin::serve_stdio(frugalgpt_plugin::FrugalGpt::from_params)
}
