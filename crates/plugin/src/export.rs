//! The plugin side: turning an ordinary [`Solver`] into a shared library
//! ([`crate::export_solver!`], built on [`ffi`]) or a command plugin
//! ([`serve_stdio`]).
//!
//! Both go through [`handle`]: request bytes in, proposal JSON out, the solver
//! built afresh from the request's `params` on every call (so calls from several
//! host threads share nothing).

use std::any::Any;
use std::fmt::Display;
use std::io::{Read, Write};
use std::process::ExitCode;

use cascadelab_core::{Context, NullObserver, Solver, SolverError};
use serde_json::Value;

use crate::protocol::{ErrorReply, Request};

/// Answers one request with `build`'s solver: the proposal's JSON, or the error to
/// report.
pub fn handle<S, E, F>(request: &[u8], build: F) -> Result<Vec<u8>, ErrorReply>
where
    S: Solver,
    E: Display,
    F: FnOnce(Value) -> Result<S, E>,
{
    let failed = |error: String| ErrorReply { error, unsupported: false };
    let request: Request =
        serde_json::from_slice(request).map_err(|e| failed(format!("cannot read the request: {e}")))?;
    let owned = request.problem().map_err(failed)?;
    let solver =
        build(Value::Object(request.params.clone())).map_err(|e| failed(format!("invalid parameters: {e}")))?;
    let mut observer = NullObserver;
    let mut ctx = Context { seed: request.seed, split: request.split, observer: &mut observer };
    let proposal = solver.propose(&owned.problem(), &mut ctx).map_err(|e| match e {
        SolverError::Unsupported(error) => ErrorReply { error, unsupported: true },
        SolverError::Failed(error) => failed(error),
    })?;
    serde_json::to_vec(&proposal).map_err(|e| failed(format!("cannot write the proposal: {e}")))
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".into()
    }
}

/// Runs a command plugin: reads one request from standard input, writes the
/// proposal to standard output and exits 0; on error writes the message to standard
/// error and exits 1. The whole `main` of a Rust command plugin:
///
/// ```no_run
/// # use cascadelab_core::{Context, Problem, Proposal, Solver, SolverError};
/// # struct MySolver;
/// # impl Solver for MySolver {
/// #     fn propose(&self, _: &Problem<'_>, _: &mut Context<'_>) -> Result<Proposal, SolverError> { Ok(Proposal::default()) }
/// # }
/// fn main() -> std::process::ExitCode {
///     cascadelab_plugin::serve_stdio(|_params| Ok::<_, String>(MySolver))
/// }
/// ```
pub fn serve_stdio<S, E, F>(build: F) -> ExitCode
where
    S: Solver,
    E: Display,
    F: FnOnce(Value) -> Result<S, E>,
{
    let mut request = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut request) {
        eprintln!("cannot read the request from standard input: {e}");
        return ExitCode::FAILURE;
    }
    match handle(&request, build) {
        Ok(reply) => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&reply).and_then(|()| out.flush()) {
                eprintln!("cannot write the proposal to standard output: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.error);
            ExitCode::FAILURE
        }
    }
}

/// What [`crate::export_solver!`] expands to, for plugin authors who write the four
/// C functions by hand (see the crate documentation for the ABI).
pub mod ffi {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;

    /// Return value of `cascadelab_plugin_propose` on success.
    pub const OK: i32 = 0;
    /// Return value when the solver or the request failed; the response is an
    /// [`ErrorReply`].
    pub const FAILED: i32 = 1;
    /// Return value when the solver panicked; the response is an [`ErrorReply`]
    /// saying `plugin panicked: <message>`.
    pub const PANICKED: i32 = 2;

    /// The body of `cascadelab_plugin_propose`: answers the request with `build`'s
    /// solver, catching any panic so that it never unwinds into the host (which
    /// would abort it), and hands the response over as a buffer that [`free`]
    /// releases. Returns [`OK`], [`FAILED`] or [`PANICKED`]; a null `response` or
    /// `response_len` gives [`FAILED`] with nothing written.
    ///
    /// # Safety
    /// `request` must point to `request_len` readable bytes (or be null with length
    /// 0); `response` and `response_len` must be valid for writes.
    pub unsafe fn propose<S, E, F>(
        request: *const u8,
        request_len: usize,
        response: *mut *mut u8,
        response_len: *mut usize,
        build: F,
    ) -> i32
    where
        S: Solver,
        E: Display,
        F: FnOnce(Value) -> Result<S, E>,
    {
        if response.is_null() || response_len.is_null() {
            return FAILED;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let bytes: &[u8] = if request.is_null() || request_len == 0 {
                &[]
            } else {
                // SAFETY: the caller promises `request_len` readable bytes.
                unsafe { std::slice::from_raw_parts(request, request_len) }
            };
            handle(bytes, build)
        }));
        let (code, body) = match outcome {
            Ok(Ok(json)) => (OK, json),
            Ok(Err(reply)) => (FAILED, error_json(&reply)),
            Err(payload) => {
                // Formatting the payload cannot unwind past here either.
                let error = catch_unwind(AssertUnwindSafe(|| panic_message(&*payload)))
                    .unwrap_or_else(|_| "(a panic whose message panicked)".into());
                (PANICKED, error_json(&ErrorReply { error: format!("plugin panicked: {error}"), unsupported: false }))
            }
        };
        let body: Box<[u8]> = body.into_boxed_slice();
        // SAFETY: the caller promises both pointers are valid for writes.
        unsafe {
            *response_len = body.len();
            *response = Box::into_raw(body).cast::<u8>();
        }
        code
    }

    /// The body of `cascadelab_plugin_free`: releases a response of [`propose`].
    ///
    /// # Safety
    /// `response` and `response_len` must be exactly what one call of [`propose`]
    /// wrote (or `response` null), and each response is freed once.
    pub unsafe fn free(response: *mut u8, response_len: usize) {
        if response.is_null() {
            return;
        }
        // SAFETY: `propose` made this pointer from a boxed slice of this length.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(response, response_len)) });
    }

    fn error_json(reply: &ErrorReply) -> Vec<u8> {
        serde_json::to_vec(reply).unwrap_or_else(|_| reply.error.clone().into_bytes())
    }
}

/// Exports a [`Solver`] as a cascadelab plugin: generates the four C functions of
/// the ABI (`cascadelab_plugin_abi_version`, `cascadelab_plugin_name`,
/// `cascadelab_plugin_propose`, `cascadelab_plugin_free`) in a crate built as a
/// `cdylib`.
///
/// `name` is the plugin's name (used in messages); `build` takes the `params` table
/// of the experiment's `[[solvers]]` entry as JSON and returns the solver or an
/// error that implements `Display`. A panic in `build` or in the solver is caught
/// and reported, provided the plugin is not built with `panic = "abort"`.
///
/// ```ignore
/// cascadelab_plugin::export_solver!(name = "frugalgpt", build = frugalgpt_plugin::FrugalGpt::from_params);
/// ```
#[macro_export]
macro_rules! export_solver {
    (name = $name:literal, build = $build:expr $(,)?) => {
        const _: () = {
            /// The plugin ABI version this library speaks.
            #[unsafe(no_mangle)]
            pub extern "C" fn cascadelab_plugin_abi_version() -> u32 {
                $crate::CASCADELAB_PLUGIN_ABI_VERSION
            }

            /// The plugin's name, static and NUL-terminated.
            #[unsafe(no_mangle)]
            pub extern "C" fn cascadelab_plugin_name() -> *const ::std::ffi::c_char {
                const NAME: &::std::ffi::CStr =
                    match ::std::ffi::CStr::from_bytes_with_nul(concat!($name, "\0").as_bytes()) {
                        Ok(name) => name,
                        Err(_) => panic!("a plugin name may not contain a NUL byte"),
                    };
                NAME.as_ptr()
            }

            /// Answers one request; see `cascadelab_plugin::ffi::propose`.
            ///
            /// # Safety
            /// As `cascadelab_plugin::ffi::propose`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn cascadelab_plugin_propose(
                request: *const u8,
                request_len: usize,
                response: *mut *mut u8,
                response_len: *mut usize,
            ) -> i32 {
                // SAFETY: the host keeps the ABI's contract, which is `propose`'s.
                unsafe { $crate::ffi::propose(request, request_len, response, response_len, $build) }
            }

            /// Frees a response of `cascadelab_plugin_propose`.
            ///
            /// # Safety
            /// As `cascadelab_plugin::ffi::free`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn cascadelab_plugin_free(response: *mut u8, response_len: usize) {
                // SAFETY: the host passes back exactly what `propose` wrote, once.
                unsafe { $crate::ffi::free(response, response_len) }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use cascadelab_core::{Dataset, ModelColumns, Policy, Pool, Problem, Proposal};
    use serde_json::Map;

    use super::*;
    use crate::protocol::{Reply, parse_response};

    struct Echo(Value);

    impl Solver for Echo {
        fn propose(&self, problem: &Problem<'_>, ctx: &mut Context<'_>) -> Result<Proposal, SolverError> {
            match self.0.get("mode").and_then(Value::as_str) {
                Some("panic") => panic!("deliberate {}", 42),
                Some("unsupported") => Err(SolverError::Unsupported("needs features".into())),
                _ => {
                    let m = &problem.data.models[problem.pool.members[0]].name;
                    assert_eq!(ctx.seed, 9);
                    Ok(Proposal::single(vec![Policy::Single { model: m.clone() }]))
                }
            }
        }
    }

    fn request(mode: &str) -> Vec<u8> {
        let data = Dataset::new(
            vec!["q".into()],
            None,
            vec![ModelColumns { name: "m".into(), quality: vec![1.0], confidence: None, cost: vec![0.5] }],
            None,
        )
        .unwrap();
        let pool = Pool::new(&data, &[0]);
        let mut params = Map::new();
        params.insert("mode".into(), Value::from(mode));
        let r = Request::new(&Problem { data: &data, calibration: &[0], pool: &pool }, 9, 0, params, false);
        serde_json::to_vec(&r).unwrap()
    }

    fn call(request: &[u8]) -> (i32, Vec<u8>) {
        let (mut ptr, mut len) = (std::ptr::null_mut(), 0usize);
        let code =
            unsafe { ffi::propose(request.as_ptr(), request.len(), &mut ptr, &mut len, |p| Ok::<_, String>(Echo(p))) };
        let body = unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec();
        unsafe { ffi::free(ptr, len) };
        (code, body)
    }

    #[test]
    fn a_request_is_answered_with_the_solvers_proposal() {
        let (code, body) = call(&request("ok"));
        assert_eq!(code, ffi::OK);
        assert_eq!(
            parse_response(&body).unwrap(),
            Reply::Proposal(Proposal::single(vec![Policy::Single { model: "m".into() }]))
        );
    }

    #[test]
    fn a_panic_becomes_an_error_reply_instead_of_unwinding() {
        let (code, body) = call(&request("panic"));
        assert_eq!(code, ffi::PANICKED);
        assert_eq!(
            parse_response(&body).unwrap(),
            Reply::Error(ErrorReply { error: "plugin panicked: deliberate 42".into(), unsupported: false })
        );
    }

    #[test]
    fn failures_say_what_failed() {
        let (code, body) = call(&request("unsupported"));
        assert_eq!(code, ffi::FAILED);
        assert_eq!(
            parse_response(&body).unwrap(),
            Reply::Error(ErrorReply { error: "needs features".into(), unsupported: true })
        );
        let (code, body) = call(b"{not json");
        assert_eq!(code, ffi::FAILED);
        let Reply::Error(e) = parse_response(&body).unwrap() else { panic!("not an error") };
        assert!(e.error.starts_with("cannot read the request: "), "{}", e.error);
        let err = handle(&request("ok"), |_| Err::<Echo, _>("grid must be at least 1")).unwrap_err();
        assert_eq!(err.error, "invalid parameters: grid must be at least 1");
    }

    #[test]
    fn null_out_pointers_are_refused() {
        let r = request("ok");
        let code = unsafe {
            ffi::propose(r.as_ptr(), r.len(), std::ptr::null_mut(), std::ptr::null_mut(), |p| Ok::<_, String>(Echo(p)))
        };
        assert_eq!(code, ffi::FAILED);
        unsafe { ffi::free(std::ptr::null_mut(), 0) };
    }
}
