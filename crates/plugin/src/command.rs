//! The host side of command plugins: a program that reads one request on standard
//! input and writes its reply on standard output.
//!
//! One process per request. Standard input, output and error are piped and served
//! by threads (so a plugin that writes a lot before reading, or never reads, cannot
//! deadlock the host); the host waits up to the timeout, then kills the plugin's
//! whole process group (on Unix), so that a shell script's children die with it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::PluginError;
use crate::protocol::{Reply, parse_response};

/// How many lines of a failed plugin's standard error a message shows.
const STDERR_LINES: usize = 20;

/// A program speaking the plugin protocol over standard input and output.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandPlugin {
    program: PathBuf,
    args: Vec<String>,
    dir: Option<PathBuf>,
    timeout: Duration,
    label: String,
}

impl CommandPlugin {
    /// A command plugin running `argv` in `dir`. A program written with a path
    /// separator resolves against `dir` (when relative) and must exist; a bare
    /// program name is looked up on `PATH`. The plugin runs with `dir` as its
    /// working directory, so its own relative arguments resolve there too.
    pub fn new(argv: &[String], dir: &Path, timeout: Duration) -> Result<Self, PluginError> {
        let Some((program, args)) = argv.split_first() else {
            return Err(PluginError::CommandMissing {
                program: String::new(),
                detail: ": the command is empty".into(),
            });
        };
        let dir = (!dir.as_os_str().is_empty()).then(|| dir.to_path_buf());
        let written = Path::new(program);
        let resolved = if written.components().count() > 1 || written.is_absolute() {
            let path = match &dir {
                Some(d) if written.is_relative() => d.join(written),
                _ => written.to_path_buf(),
            };
            if !path.is_file() {
                return Err(PluginError::CommandMissing {
                    program: program.clone(),
                    detail: format!(" (looked for `{}`)", path.display()),
                });
            }
            path
        } else {
            find_on_path(program)
                .ok_or_else(|| PluginError::CommandMissing { program: program.clone(), detail: " on PATH".into() })?
        };
        Ok(Self { program: resolved, args: args.to_vec(), dir, timeout, label: argv.join(" ") })
    }

    /// The command line as written, for messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Runs the program on one request and reads its reply.
    pub fn call(&self, request: &[u8]) -> Result<Reply, PluginError> {
        let (status, stdout, stderr) = self.run(request)?;
        if !status.success() {
            return Err(PluginError::Exit {
                command: self.label.clone(),
                status: describe(status),
                stderr: stderr_tail(&stderr),
            });
        }
        match parse_response(&stdout) {
            Ok(Reply::Error(e)) => {
                Err(PluginError::Reported { plugin: self.label.clone(), message: e.error, unsupported: e.unsupported })
            }
            Ok(reply) => Ok(reply),
            Err(source) => Err(PluginError::Output { plugin: self.label.clone(), source }),
        }
    }

    fn run(&self, request: &[u8]) -> Result<(ExitStatus, Vec<u8>, Vec<u8>), PluginError> {
        let spawn_error = |reason: String| PluginError::Spawn { command: self.label.clone(), reason };
        let mut command = Command::new(&self.program);
        command.args(&self.args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(d) = &self.dir {
            command.current_dir(d);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Its own process group, so that a timeout kills its children too.
            command.process_group(0);
        }
        let mut child = command.spawn().map_err(|e| spawn_error(format!("cannot start it: {e}")))?;
        let deadline = Instant::now() + self.timeout;

        let (tx, rx) = mpsc::channel::<(usize, std::io::Result<Vec<u8>>)>();
        let streams: [Option<Box<dyn Read + Send>>; 2] = [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ];
        for (i, stream) in streams.into_iter().enumerate() {
            let Some(mut stream) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let result = stream.read_to_end(&mut buf).map(|_| buf);
                let _ = tx.send((i, result));
            });
        }
        drop(tx);
        if let Some(mut stdin) = child.stdin.take() {
            let request = request.to_vec();
            // A plugin may exit without reading everything: a broken pipe is its choice.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&request);
            });
        }

        let status = match wait_until(&mut child, deadline) {
            Ok(Some(status)) => status,
            Ok(None) => {
                kill(&mut child);
                return Err(PluginError::Timeout { command: self.label.clone(), seconds: self.timeout.as_secs_f64() });
            }
            Err(e) => {
                kill(&mut child);
                return Err(spawn_error(format!("cannot wait for it: {e}")));
            }
        };
        // Its output closes when it exits, unless a child of its own holds it open.
        let mut outputs: [Option<Vec<u8>>; 2] = [None, None];
        while outputs.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((i, Ok(bytes))) => outputs[i] = Some(bytes),
                Ok((_, Err(e))) => return Err(spawn_error(format!("cannot read its output: {e}"))),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    kill(&mut child);
                    return Err(PluginError::Timeout {
                        command: self.label.clone(),
                        seconds: self.timeout.as_secs_f64(),
                    });
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let [stdout, stderr] = outputs;
        Ok((status, stdout.unwrap_or_default(), stderr.unwrap_or_default()))
    }
}

/// Polls `child` until it exits or `deadline` passes (`None`).
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Kills the child's process group (Unix) or the child, and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: plain syscall; the group was created for this child at spawn.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    format!("failed ({status})")
}

/// The last lines of a failed plugin's standard error, as the end of a message.
fn stderr_tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return " and wrote nothing on standard error".into();
    }
    let start = lines.len().saturating_sub(STDERR_LINES);
    let what = if start > 0 {
        format!("the last {STDERR_LINES} lines of its standard error")
    } else {
        "its standard error".into()
    };
    let mut out = format!("; {what}:");
    for line in &lines[start..] {
        out.push_str("\n  | ");
        out.push_str(line);
    }
    out
}

/// The first `name` on `PATH` that is a file.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let suffixes: &[&str] = if cfg!(windows) { &["", ".exe", ".cmd", ".bat"] } else { &[""] };
    std::env::split_paths(&path)
        .flat_map(|dir| suffixes.iter().map(move |s| dir.join(format!("{name}{s}"))))
        .find(|p| p.is_file())
}

/// Splits a command written as one string on whitespace (no quoting: write an
/// array when an argument contains spaces).
pub fn split_command_line(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_tails_keep_the_last_lines() {
        assert_eq!(stderr_tail(b""), " and wrote nothing on standard error");
        assert_eq!(stderr_tail(b"one\n\ntwo\n"), "; its standard error:\n  | one\n  | two");
        let many: String = (1..=25).map(|i| format!("line {i}\n")).collect();
        let tail = stderr_tail(many.as_bytes());
        assert!(tail.starts_with("; the last 20 lines of its standard error:\n  | line 6\n"), "{tail}");
        assert!(tail.ends_with("  | line 25"));
    }

    #[test]
    fn programs_are_resolved_before_anything_runs() {
        let argv = |s: &str| split_command_line(s);
        let err = CommandPlugin::new(&argv("no-such-program-cascadelab --x"), Path::new("."), Duration::from_secs(1));
        assert_eq!(
            err.unwrap_err().to_string(),
            "command plugin program `no-such-program-cascadelab` not found on PATH"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = CommandPlugin::new(&argv("./missing.sh"), dir.path(), Duration::from_secs(1)).unwrap_err();
        assert!(err.to_string().starts_with("command plugin program `./missing.sh` not found (looked for `"), "{err}");
        assert!(CommandPlugin::new(&[], dir.path(), Duration::from_secs(1)).is_err());
        assert_eq!(argv("  python3   a.py  "), vec!["python3", "a.py"]);
    }
}
