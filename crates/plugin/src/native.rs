//! The host side of shared-library plugins: loading, checking the ABI before
//! anything else, and calling `cascadelab_plugin_propose`.
//!
//! The library stays loaded as long as the [`NativePlugin`] lives; the function
//! pointers it holds are valid only that long, which is why they never leave it.

use std::ffi::{CStr, c_char};
use std::path::{Path, PathBuf};

use libloading::Library;

use crate::error::PluginError;
use crate::protocol::{ABI_VERSION, Reply, parse_response};

type AbiVersionFn = unsafe extern "C" fn() -> u32;
type NameFn = unsafe extern "C" fn() -> *const c_char;
type ProposeFn = unsafe extern "C" fn(*const u8, usize, *mut *mut u8, *mut usize) -> i32;
type FreeFn = unsafe extern "C" fn(*mut u8, usize);

/// Symbol names of the ABI, in the order they are looked up.
pub const SYMBOLS: [&str; 4] =
    ["cascadelab_plugin_abi_version", "cascadelab_plugin_name", "cascadelab_plugin_propose", "cascadelab_plugin_free"];

/// A loaded, checked plugin library.
pub struct NativePlugin {
    name: String,
    path: PathBuf,
    propose: ProposeFn,
    free: FreeFn,
    // Dropped last: the function pointers above point into it.
    _library: Library,
}

impl std::fmt::Debug for NativePlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativePlugin").field("name", &self.name).field("path", &self.path).finish_non_exhaustive()
    }
}

impl NativePlugin {
    /// Loads the library at `path` and checks it: it exists, loads, reports ABI
    /// version [`ABI_VERSION`] (checked before any other symbol is touched), and
    /// exports every other function of the ABI and a UTF-8 name.
    ///
    /// Loading runs the library's initializers: load only libraries you trust as
    /// you would trust any program you run.
    pub fn open(path: &Path) -> Result<Self, PluginError> {
        if !path.is_file() {
            return Err(PluginError::Missing { path: path.to_path_buf() });
        }
        let library = load(path)?;
        let missing = |symbol: &'static str| PluginError::MissingSymbol { path: path.to_path_buf(), symbol };
        // SAFETY: the ABI fixes these signatures; a library that exports the names
        // with other signatures breaks the ABI, which no check can detect.
        unsafe {
            let version = *library.get::<AbiVersionFn>(SYMBOLS[0]).map_err(|_| missing(SYMBOLS[0]))?;
            let found = version();
            if found != ABI_VERSION {
                return Err(PluginError::AbiMismatch { path: path.to_path_buf(), found, expected: ABI_VERSION });
            }
            let name = *library.get::<NameFn>(SYMBOLS[1]).map_err(|_| missing(SYMBOLS[1]))?;
            let propose = *library.get::<ProposeFn>(SYMBOLS[2]).map_err(|_| missing(SYMBOLS[2]))?;
            let free = *library.get::<FreeFn>(SYMBOLS[3]).map_err(|_| missing(SYMBOLS[3]))?;
            let bad_name = |problem| PluginError::BadName { path: path.to_path_buf(), problem };
            let name = name();
            if name.is_null() {
                return Err(bad_name("returned a null pointer"));
            }
            let name = CStr::from_ptr(name).to_str().map_err(|_| bad_name("returned a name that is not UTF-8"))?;
            if name.trim().is_empty() {
                return Err(bad_name("returned an empty name"));
            }
            Ok(Self { name: name.to_string(), path: path.to_path_buf(), propose, free, _library: library })
        }
    }

    /// The plugin's own name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The library's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends one request and reads the reply. The response buffer is copied and
    /// handed back to the plugin's `cascadelab_plugin_free` before anything else.
    pub fn call(&self, request: &[u8]) -> Result<Reply, PluginError> {
        let mut response: *mut u8 = std::ptr::null_mut();
        let mut response_len = 0usize;
        // SAFETY: `request` is a live buffer of its length, and the out-pointers
        // are valid locals; the library checked the ABI version on load.
        let code = unsafe { (self.propose)(request.as_ptr(), request.len(), &mut response, &mut response_len) };
        let bytes = if response.is_null() {
            Vec::new()
        } else {
            // SAFETY: the ABI says `response` holds `response_len` bytes until freed.
            let copy = unsafe { std::slice::from_raw_parts(response, response_len) }.to_vec();
            // SAFETY: exactly what `propose` wrote, freed once.
            unsafe { (self.free)(response, response_len) };
            copy
        };
        let output = |source| PluginError::Output { plugin: self.name.clone(), source };
        if code == 0 {
            return parse_response(&bytes).map_err(output);
        }
        // An error: its message is an error object, or plain text.
        let (message, unsupported) = match parse_response(&bytes) {
            Ok(Reply::Error(e)) => (e.error, e.unsupported),
            _ if bytes.is_empty() => (format!("`cascadelab_plugin_propose` returned {code} without a message"), false),
            _ => (String::from_utf8_lossy(&bytes).trim().to_string(), false),
        };
        Err(PluginError::Reported { plugin: self.name.clone(), message, unsupported })
    }
}

#[cfg(unix)]
fn load(path: &Path) -> Result<Library, PluginError> {
    use libloading::os::unix::{Library as UnixLibrary, RTLD_LOCAL, RTLD_NOW};
    // RTLD_NOW: an unresolved symbol fails here, with a message, rather than
    // killing the process at its first call.
    // SAFETY: see `open`.
    unsafe { UnixLibrary::open(Some(path), RTLD_NOW | RTLD_LOCAL) }
        .map(Library::from)
        .map_err(|e| not_loadable(path, &e))
}

#[cfg(not(unix))]
fn load(path: &Path) -> Result<Library, PluginError> {
    // SAFETY: see `open`.
    unsafe { Library::new(path) }.map_err(|e| not_loadable(path, &e))
}

fn not_loadable(path: &Path, e: &libloading::Error) -> PluginError {
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = format!("{reason}: {s}");
        source = s.source();
    }
    PluginError::NotLoadable { path: path.to_path_buf(), reason }
}
