"""A real IMAP + POP3 server for the tests: Debian's dovecot with a generated config, on free
127.0.0.1 ports, a passwd-file of test users, Maildir storage and a self-signed certificate.

Run as root, dovecot drops to its own users (dovecot, dovenull) and stores mail as `nobody`; run
as anyone else, everything runs as that user. `make test` installs the packages when missing.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
READY_SECONDS = 20.0
USERS = 60
USER_PASSWORD = "mail-pass-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certificate(directory: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )


@dataclass
class MailServer:
    directory: Path
    imap: int = field(default_factory=_free_port)
    imaps: int = field(default_factory=_free_port)
    pop3: int = field(default_factory=_free_port)
    pop3s: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=dict)
    _next: int = 0

    @property
    def config(self) -> Path:
        return self.directory / "dovecot.conf"

    def start(self) -> MailServer:
        root = os.geteuid() == 0
        if root:
            mail_user = pwd.getpwnam("nobody")
            internal, login = "dovecot", "dovenull"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            internal = login = mail_user.pw_name
        _certificate(self.directory)
        for sub in ("mail", "home"):
            (self.directory / sub).mkdir()
            os.chown(self.directory / sub, mail_user.pw_uid, mail_user.pw_gid)
        # Every user is written before the server starts: dovecot notices a changed passwd-file by
        # its mtime, which can't tell two changes within one second apart.
        self.users = {f"user{n}": USER_PASSWORD for n in range(1, USERS + 1)}
        (self.directory / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self.users.items())
        )
        d = self.directory
        self.config.write_text(
            f"""
base_dir = {d}/run
state_dir = {d}/state
instance_name = clientele-test-{self.imap}
log_path = {d}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
first_valid_uid = {min(mail_user.pw_uid, 100)}
first_valid_gid = {min(mail_user.pw_gid, 100)}
default_internal_user = {internal}
default_login_user = {login}
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={d}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {self.imap}
  }}
  inet_listener imaps {{
    port = {self.imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {self.pop3}
  }}
  inet_listener pop3s {{
    port = {self.pop3s}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
        )
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and our own config
            [DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot stopped: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.pop3s), timeout=1):
                    pass
                with socket.create_connection(("127.0.0.1", self.imap), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)  # waiting for a server to listen, not for test timing
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    def new_user(self) -> str:
        """A user whose mailbox no test has used yet."""
        self._next += 1
        if self._next > USERS:
            raise RuntimeError("out of test mail users: raise USERS")
        return f"user{self._next}"

    def imap_client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap)
        client.login(user, self.users[user])
        return client

    def deliver(self, user: str, *messages: bytes, mailbox: str = "INBOX") -> None:
        """Put messages in a user's mailbox (IMAP APPEND, as a delivery agent would)."""
        client = self.imap_client(user)
        try:
            if mailbox != "INBOX":
                client.create(mailbox)
            for raw in messages:
                status, detail = client.append(mailbox, None, None, raw)
                assert status == "OK", detail
        finally:
            client.logout()

    def count(self, user: str, mailbox: str = "INBOX") -> int:
        client = self.imap_client(user)
        try:
            status, data = client.select(mailbox, readonly=True)
            assert status == "OK", data
            return int(data[0] or 0)
        finally:
            client.logout()


def start_mail_server() -> MailServer:
    directory = Path(tempfile.mkdtemp(prefix="clientele-dovecot-"))
    directory.chmod(0o755)  # dovecot's own users must reach the mail and socket directories
    return MailServer(directory).start()
