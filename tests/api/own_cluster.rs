//! A PostgreSQL cluster a test owns, to restart, stop and start as it likes: made with
//! `initdb` in a temp directory, listening only on a Unix socket there (so no port can
//! collide with another cluster's), and removed afterwards. The shared server of
//! `TEST_DATABASE_URL` is never restarted by a test.
//!
//! It needs PostgreSQL's server programs: `ONESTOP_PG_BIN`, else the newest
//! `/usr/lib/postgresql/*/bin` (Debian's layout), else `initdb` on the `PATH`. As root they
//! run as the `postgres` user, since PostgreSQL refuses to run as root.
use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The port the cluster's socket is named after (`.s.PGSQL.<port>` in its own directory).
const PORT: u16 = 5433;

/// A running cluster of the test's own, stopped and removed on drop.
pub struct OwnCluster {
    bin: PathBuf,
    data: PathBuf,
    dir: tempfile::TempDir,
    as_postgres: bool,
}

impl OwnCluster {
    /// Creates and starts a cluster, or says why it cannot. A test calls [`Self::required`]
    /// instead unless it has a reason not to.
    pub fn start() -> Result<Self, String> {
        let cluster = Self::unstarted()?;
        cluster.pg(
            "initdb",
            &[
                "-D",
                path_str(&cluster.data)?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        )?;
        cluster.pg_ctl(&["start"])?;
        Ok(cluster)
    }

    /// A streaming replica of `primary`, made as an operator makes one (`pg_basebackup -R`:
    /// a copy of the primary's files and the settings to follow it) and started as a hot
    /// standby. Its socket is in its own directory, so it has the same port number.
    pub fn standby_of(primary: &OwnCluster) -> Result<Self, String> {
        let standby = Self::unstarted()?;
        standby.pg(
            "pg_basebackup",
            &[
                "-D",
                path_str(&standby.data)?,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
                "-h",
                path_str(primary.dir.path())?,
                "-p",
                &PORT.to_string(),
                "-U",
                "postgres",
            ],
        )?;
        standby.pg_ctl(&["start"])?;
        Ok(standby)
    }

    /// A temp directory owned by the user the server programs run as, with no cluster yet.
    fn unstarted() -> Result<Self, String> {
        let bin = server_programs()
            .ok_or("no PostgreSQL server programs (initdb, pg_ctl) found; set ONESTOP_PG_BIN")?;
        let as_postgres = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("onestop-pg-")
            .tempdir()
            .map_err(|error| format!("no temp dir: {error}"))?;
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(dir.path()))?;
        }
        Ok(Self {
            data: dir.path().join("data"),
            bin,
            dir,
            as_postgres,
        })
    }

    /// A started cluster, or `None` with a printed notice when there is none to have and the
    /// run does not require one. A run requires one (and fails without it) when
    /// `ONESTOP_REQUIRE_FAULT_CLUSTER=1` (set by `.ci/run`) or `TEST_DATABASE_URL` is set:
    /// a run that has PostgreSQL is expected to have its programs too.
    pub fn required(test: &str) -> Option<Self> {
        match Self::start() {
            Ok(cluster) => Some(cluster),
            Err(why) => {
                let required = std::env::var("ONESTOP_REQUIRE_FAULT_CLUSTER").as_deref() == Ok("1")
                    || std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty());
                assert!(
                    !required,
                    "{test} needs a PostgreSQL cluster of its own: {why}"
                );
                println!("SKIPPED {test}: needs a PostgreSQL cluster of its own: {why}");
                None
            }
        }
    }

    /// The URL of the cluster's `postgres` database, over its socket.
    pub fn url(&self) -> String {
        format!(
            "postgres://postgres@localhost:{PORT}/postgres?host={}",
            self.dir.path().display()
        )
    }

    /// `pg_ctl restart -m fast`: every session is ended (SQLSTATE 57P01) and the server is
    /// back when this returns. Blocks; call it from `spawn_blocking` under load.
    pub fn restart_fast(&self) -> Result<(), String> {
        self.pg_ctl(&["restart", "-m", "fast"])
    }

    /// `pg_ctl stop -m fast`.
    pub fn stop(&self) -> Result<(), String> {
        self.pg_ctl(&["stop", "-m", "fast"])
    }

    /// Starts the stopped cluster again.
    pub fn start_again(&self) -> Result<(), String> {
        self.pg_ctl(&["start"])
    }

    fn pg_ctl(&self, action: &[&str]) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses='' -k {} -p {PORT} -c fsync=off -c max_connections=50",
            path_str(self.dir.path())?
        );
        let log = self.dir.path().join("server.log");
        let mut args = vec![
            "-D",
            path_str(&self.data)?,
            "-l",
            path_str(&log)?,
            "-o",
            &options,
            "-w",
            "-t",
            "30",
        ];
        args.extend_from_slice(action);
        self.pg("pg_ctl", &args)
    }

    fn pg(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        command.args(args).current_dir(self.dir.path());
        run(&mut command)
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate"]);
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("{command:?} did not run: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{} is not UTF-8", path.display()))
}

fn server_programs() -> Option<PathBuf> {
    let has_programs = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("ONESTOP_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|dir| has_programs(dir));
    }
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_programs(bin))
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin);
    debian.or_else(|| {
        std::env::var_os("PATH")
            .and_then(|path| std::env::split_paths(&path).find(|dir| has_programs(dir)))
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}
