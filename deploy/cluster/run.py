"""Several app replicas on one machine: N cockpit processes behind nginx, on loopback (``make cluster``).

    python deploy/cluster/run.py [--port 8500] [--replicas 2] [--database-url URL] [--[no-]prepare]
                                 [--learners 20000] [--seed 42] [--run-dir DIR] [--state-file PATH]
                                 [-- STREAMLIT OPTIONS FOR EVERY REPLICA, e.g. --secrets.files PATH]

1. The database (``--database-url``, else ``CLUSTER_DATABASE_URL``, else the demo database
   ``postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_cluster``): with ``--prepare`` (the
   default for the demo database only) it is created if missing, migrated to head, seeded if empty
   with the documented seed command (which fills the summary tables), else its summaries are
   brought up to date (``data_access.refresh``, as ``make run``'s bootstrap does); any other
   database is only checked (its owners migrate and refresh it; ``--prepare`` to do it here).
   Every replica gets it as ``DATABASE_URL``.
2. The replicas: ``python -m components.cli serve`` on 127.0.0.1, each on a free port, started
   together and waited for on their own ``/_stcore/health``.
3. nginx from Debian's package, rendered from ``nginx.conf.template`` into a run directory of its
   own (config, pid, logs, temp files; a new temporary one, removed at the end, unless ``--run-dir``
   names one), listening on 127.0.0.1 only. Run as root, it is started as ``www-data`` (or
   ``nobody``), owning the run directory: nginx never runs privileged here.

When the proxy answers ``/_stcore/health`` the URL is printed (and, with ``--state-file``, the
pids, ports and log paths are written there as JSON). A replica that dies is reported and left
to nginx to route around (docs/SCALING.md); if nginx or every replica dies, everything stops.
Ctrl-C or SIGTERM stops nginx, then the replicas, and removes the run directory.
Exit codes: 0 stopped on request, 1 did not start or lost nginx / every replica, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # the project's modules, when run as a script from anywhere
from components.commands.launch import free_port, healthy, tail  # noqa: E402 (stdlib only)

TEMPLATE = HERE / "nginx.conf.template"
DEMO_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cockpit_cluster"
DEFAULT_DATABASE_URL = os.environ.get("CLUSTER_DATABASE_URL", DEMO_DATABASE_URL)
DEFAULT_PORT = 8500
# nginx's passive health check (see the template): one failure takes a replica out this long.
MAX_FAILS, FAIL_TIMEOUT_S = 1, 10
REPLICA_START_S, NGINX_START_S, STOP_WAIT_S = 90, 15, 10
UNPRIVILEGED_USERS = ("www-data", "nobody")  # who runs nginx when the launcher runs as root


class StartError(RuntimeError):
    """The cluster could not start; the message says what failed and where its log is."""


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM if the launcher dies (even by SIGKILL), so no
    replica or nginx outlives it. Linux only; elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


# --- the database --------------------------------------------------------------------------------


def _create_database_if_missing(url: str) -> bool:
    """CREATE DATABASE on the URL's server when it does not exist; True if it was created."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from data_access import config

    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite" or not u.database:
        return False
    if not re.fullmatch(r"[A-Za-z0-9_]+", u.database):
        raise StartError(f"database name {u.database!r}: letters, digits and _ only (it goes into CREATE DATABASE)")
    admin = u.set(database="postgres" if backend == "postgresql" else None)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": config.CONNECT_TIMEOUT_S})
    try:
        with engine.connect() as conn:
            if backend == "postgresql":
                if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}).first():
                    return False
                conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
                return True
            if conn.execute(sa.text("SHOW DATABASES LIKE :d"), {"d": u.database}).first():
                return False
            conn.execute(sa.text(f"CREATE DATABASE `{u.database}` CHARACTER SET utf8mb4"))
            return True
    finally:
        engine.dispose()


def prepare_database(url: str, *, prepare: bool, learners: int, seed: int) -> str:
    """Make the database ready for the replicas (see the module docstring); one line saying what was done."""
    from sqlalchemy.exc import SQLAlchemyError

    from data_access import bootstrap, config, migrate
    from data_access.refresh import refresh
    from data_access.seed import existing_rows

    done: list[str] = []
    try:
        if prepare:
            if _create_database_if_missing(url):
                done.append("created")
            engine = config.make_engine(url)
            try:
                before = migrate.current_revision(engine)
                migrate.upgrade(engine)
                if migrate.current_revision(engine) != before:
                    done.append(f"migrated to {migrate.head_revision()}")
                with engine.connect() as conn:
                    empty = not any(existing_rows(conn).values())
                if not empty:  # as make run's bootstrap: summaries of a database seeded before them, or loaded into since
                    report = refresh(engine)
                    if report.event_months or report.lead_months:
                        done.append(f"summaries {report}")
            finally:
                engine.dispose()
            if empty:
                cmd = [
                    sys.executable,
                    "-m",
                    "data_access.seed",
                    "--database-url",
                    url,
                    "--learners",
                    str(learners),
                    "--seed",
                    str(seed),
                    "--quiet",
                ]
                result = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True)
                if result.returncode != 0:
                    raise StartError(f"the seed failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
                done.append(f"seeded ({learners:,} learners, seed {seed})")
        engine = config.make_engine(url)
        try:
            status = bootstrap.check_schema(engine, url)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise StartError(f"cannot prepare {config.describe(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from exc
    if not status.ok:
        raise StartError(status.message)
    return ", ".join(done) or "ready as it was"


# --- processes -----------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path
    port: int = 0
    reported_exit: bool = field(default=False)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, wait_s: float = STOP_WAIT_S) -> None:
        if self.proc.poll() is not None:
            return
        try:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        except ProcessLookupError:
            pass


def start_replica(port: int, run_dir: Path, env: dict[str, str], streamlit_args: list[str]) -> Child:
    log = run_dir / f"replica-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "components.cli",
        "serve",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        *streamlit_args,
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
    return Child(f"replica {port}", proc, log, port)


def nginx_binary() -> str:
    path = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
    if not path:
        raise StartError("nginx is not installed (Debian/Ubuntu: apt-get install nginx; `make system-deps` does it as root)")
    return path


def signs_in(streamlit_args: list[str], env: dict[str, str]) -> bool:
    """True when the replicas' secrets (``--secrets.files`` or .streamlit/secrets.toml) have a usable [auth]."""
    from components.commands.serve import read_secrets_files
    from components.ui import auth

    secrets, _ = read_secrets_files(streamlit_args)  # an unreadable file adds nothing, as for the app
    return auth.auth_config(secrets, env).mode == "sso"


MEDIA_GUARD = 'if ($cookie__streamlit_user = "") { return 403; }   # signed-in sessions only'
NO_MEDIA_GUARD = "# the open demo: no sign-in, so no session cookie to require"


def render_nginx_conf(run_dir: Path, port: int, replica_ports: list[int], *, sign_in: bool = False) -> Path:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT_S}s;" for p in replica_ports)
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in (
        ("run_dir", str(run_dir)),
        ("port", str(port)),
        ("servers", servers),
        ("replicas", str(len(replica_ports))),
        ("media_guard", MEDIA_GUARD if sign_in else NO_MEDIA_GUARD),
    ):
        text = text.replace("{{ " + key + " }}", value)
    left = re.findall(r"\{\{ \w+ \}\}", text)
    if left:
        raise StartError(f"{TEMPLATE}: placeholders left unfilled: {', '.join(sorted(set(left)))}")
    conf = run_dir / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    return conf


def unprivileged_user() -> pwd.struct_passwd | None:
    """The account nginx runs as when we are root (None: run it as ourselves, already unprivileged)."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise StartError(f"running as root and none of {', '.join(UNPRIVILEGED_USERS)} exists to run nginx as")


def start_nginx(run_dir: Path, conf: Path) -> Child:
    user = unprivileged_user()
    (run_dir / "tmp").mkdir(exist_ok=True)
    if user is not None:
        for path in (run_dir, run_dir / "tmp", conf):
            os.chown(path, user.pw_uid, user.pw_gid)
    log = run_dir / "nginx.stderr.log"
    cmd = [nginx_binary(), "-p", str(run_dir), "-c", str(conf), "-g", "daemon off;"]
    kwargs: dict[str, Any] = {}
    if user is not None:
        kwargs.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=run_dir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, **kwargs
        )
    return Child("nginx", proc, log)


# --- the launcher --------------------------------------------------------------------------------


class Cluster:
    def __init__(self, args: argparse.Namespace, streamlit_args: list[str]):
        self.args = args
        self.streamlit_args = streamlit_args
        self.stopping = False
        self.replicas: list[Child] = []
        self.nginx: Child | None = None
        self.keep_run_dir = args.run_dir is not None
        if args.run_dir is not None:
            args.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = (args.run_dir or Path(tempfile.mkdtemp(prefix="cockpit-cluster-"))).resolve()
        self.url = f"http://localhost:{args.port}"

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if not self.stopping:
            print(f"\n{signal.Signals(signum).name}: stopping the cluster", flush=True)
        self.stopping = True

    def _wait_until(self, what: str, check, seconds: float, watch: list[Child]) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if self.stopping:
                raise StartError("stopped while starting")
            for child in watch:
                if child.proc.poll() is not None:
                    raise StartError(
                        f"{child.name} exited with code {child.proc.returncode} while starting; {child.log}:\n{tail(child.log)}"
                    )
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {c.log}\n{tail(c.log, 1500)}" for c in watch)
                raise StartError(f"{what} did not become healthy in {seconds:.0f} s\n{logs}")
            time.sleep(0.2)

    def start(self) -> dict[str, Any]:
        t0 = time.monotonic()
        args = self.args
        from data_access import config

        print(f"database {config.describe(args.database_url)}: ", end="", flush=True)
        prepared = prepare_database(args.database_url, prepare=args.prepare, learners=args.learners, seed=args.seed)
        t_db = time.monotonic()
        print(f"{prepared} ({t_db - t0:.1f} s)", flush=True)

        ports = list(args.replica_ports or [])
        while len(ports) < args.replicas:
            port = free_port()
            if port != args.port and port not in ports:
                ports.append(port)
        env = {**os.environ, "DATABASE_URL": args.database_url}
        # Every replica must accept the cookies another one signed (a browser moved by a failover
        # stays signed in): one secret per cluster unless the operator set one. With [auth] in
        # secrets.toml, its cookie_secret is used instead: give every replica the same file.
        env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))
        sign_in = signs_in(self.streamlit_args, env)
        if sign_in:  # a deployment with sign-in is production: the replicas refuse to fall back to the open demo
            env.setdefault("COCKPIT_ENV", "production")
        for port in ports:
            self.replicas.append(start_replica(port, self.run_dir, env, self.streamlit_args))
        for r in self.replicas:
            self._wait_until(r.name, lambda r=r: healthy(f"http://{r.address}/_stcore/health"), REPLICA_START_S, [r])
        t_rep = time.monotonic()
        print(f"{len(ports)} replicas healthy: {', '.join(r.address for r in self.replicas)} ({t_rep - t_db:.1f} s)", flush=True)

        conf = render_nginx_conf(self.run_dir, args.port, ports, sign_in=sign_in)
        self.nginx = start_nginx(self.run_dir, conf)
        proxy_health = f"http://127.0.0.1:{args.port}/_stcore/health"
        self._wait_until("nginx", lambda: healthy(proxy_health), NGINX_START_S, [self.nginx])
        t_up = time.monotonic()
        state = {
            "url": self.url,
            "port": args.port,
            "database_url": config.describe(args.database_url),
            "run_dir": str(self.run_dir),
            "nginx_conf": str(conf),
            "nginx_pid": self.nginx.proc.pid,
            "access_log": str(self.run_dir / "access.log"),
            "error_log": str(self.run_dir / "error.log"),
            "replicas": [{"address": r.address, "port": r.port, "pid": r.proc.pid, "log": str(r.log)} for r in self.replicas],
            "seconds": {
                "database": round(t_db - t0, 2),
                "replicas": round(t_rep - t_db, 2),
                "nginx": round(t_up - t_rep, 2),
                "total": round(t_up - t0, 2),
            },
        }
        if args.state_file:
            tmp = Path(f"{args.state_file}.tmp")
            tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
            os.replace(tmp, args.state_file)
        print(f"nginx on 127.0.0.1:{args.port} ({t_up - t_rep:.1f} s); logs in {self.run_dir}", flush=True)
        print(f"\ncockpit cluster ready in {t_up - t0:.1f} s: {self.url}   (Ctrl-C stops it)", flush=True)
        return state

    def watch(self) -> int:
        """Until asked to stop: report a replica that dies; give up when nginx or every replica is gone."""
        assert self.nginx is not None
        while True:
            time.sleep(0.3)
            if self.stopping:  # a Ctrl-C in a terminal reaches the children too: their exits are expected
                return 0
            for r in self.replicas:
                if r.proc.poll() is not None and not r.reported_exit:
                    r.reported_exit = True
                    alive = [x.address for x in self.replicas if x.proc.poll() is None]
                    print(
                        f"{r.name} exited with code {r.proc.returncode}; nginx sends its browsers to "
                        f"{', '.join(alive) or 'nobody'} (log: {r.log})",
                        flush=True,
                    )
            if self.nginx.proc.poll() is not None:
                print(
                    f"nginx exited with code {self.nginx.proc.returncode}:\n{tail(self.nginx.log)}\n{tail(self.run_dir / 'error.log')}",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            if all(r.proc.poll() is not None for r in self.replicas):
                print("every replica has exited: stopping", file=sys.stderr, flush=True)
                return 1

    def stop(self) -> None:
        """nginx first (fast shutdown: open websockets are closed), then every replica at once."""
        if self.nginx is not None:
            self.nginx.stop(signal.SIGTERM, 5)
        for r in self.replicas:
            if r.proc.poll() is None:
                r.proc.terminate()
        for r in self.replicas:
            r.stop()
        if not self.keep_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        try:
            self.start()
            return self.watch()
        except StartError as exc:
            if not self.stopping:
                print(f"\ncluster: {exc}", file=sys.stderr, flush=True)
                return 1
            return 0
        finally:
            self.stop()
            print("cluster stopped", flush=True)


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ours, streamlit_args = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(
        prog="deploy/cluster/run.py",
        description=__doc__.split("\n\n")[0],
        epilog="Options after -- go to every replica's Streamlit (e.g. --secrets.files PATH).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"nginx's port on 127.0.0.1 (default {DEFAULT_PORT})")
    parser.add_argument("--replicas", type=int, default=2, help="app processes (default 2)")
    parser.add_argument(
        "--replica-ports",
        type=lambda s: [int(p) for p in s.split(",")],
        default=None,
        help="their ports, comma-separated (default: free ports)",
    )
    parser.add_argument("--database-url", default=None, help=f"the shared database (default {DEFAULT_DATABASE_URL})")
    parser.add_argument(
        "--prepare",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="create if missing, migrate and seed if empty (default: only for the demo database)",
    )
    parser.add_argument("--learners", type=int, default=20_000, help="learners to seed into an empty database (default 20000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the demo data (default 42)")
    parser.add_argument("--state-file", type=Path, default=None, help="write the URL, pids, ports and log paths here as JSON when ready")
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=None,
        help="nginx's directory (config, logs) and the replicas' logs; kept after stopping "
        "(default: a temporary one, removed). Run as root, it is given to www-data.",
    )
    args = parser.parse_args(ours)
    if args.replica_ports:
        args.replicas = len(args.replica_ports)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    args.database_url = args.database_url or DEFAULT_DATABASE_URL
    if args.prepare is None:
        args.prepare = args.database_url == DEMO_DATABASE_URL
    return args, streamlit_args


def main(argv: list[str] | None = None) -> int:
    args, streamlit_args = parse_args(sys.argv[1:] if argv is None else argv)
    return Cluster(args, streamlit_args).run()


if __name__ == "__main__":
    sys.exit(main())
