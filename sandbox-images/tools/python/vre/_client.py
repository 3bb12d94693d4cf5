"""Transport from Python to the Node-side DuckDB.

- In a notebook kernel, vre-kernel sets VRE_KERNEL_SOCKET to a Unix socket served by the kernel
  itself: queries run on the notebook's DuckDB connection (temp tables shared with SQL cells).
- Elsewhere, one `vre-query --serve` child process per Python process (started on first use).

Both speak line-delimited JSON: request {"sql": "..."} -> one line of result (see
/opt/vre/lib/columnar.mjs) or {"error": {"ename", "message"}}.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import threading

_lock = threading.Lock()
_transport = None


class _SocketTransport:
    def __init__(self, path):
        self.path = path
        self.sock = None
        self.reader = None

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        self.sock = s
        self.reader = s.makefile("rb")

    def close(self):
        for obj in (self.reader, self.sock):
            try:
                if obj is not None:
                    obj.close()
            except OSError:
                pass
        self.sock = self.reader = None

    def request(self, line):
        if self.sock is None:
            self._connect()
        try:
            self.sock.sendall(line)
            reply = self.reader.readline()
        except BaseException:
            # Interrupted (KeyboardInterrupt) or broken: the kernel cancels the query when the
            # connection closes; a fresh connection keeps later replies in step.
            self.close()
            raise
        if not reply:
            self.close()
            raise ConnectionError("the notebook kernel closed the query connection")
        return reply


class _ServeTransport:
    def __init__(self):
        self.proc = None

    def _start(self):
        exe = shutil.which("vre-query") or "/opt/vre/bin/vre-query.mjs"
        self.proc = subprocess.Popen(
            [exe, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=2)
            except Exception:
                self.proc.kill()
            self.proc = None

    def request(self, line):
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.proc.stdin.write(line)
        self.proc.stdin.flush()
        try:
            reply = self.proc.stdout.readline()
        except KeyboardInterrupt:
            # Cancel the query, then read its (error) reply so the next call stays in step.
            try:
                self.proc.send_signal(signal.SIGINT)
                self.proc.stdout.readline()
            except BaseException:
                self.proc.kill()
                self.proc = None
            raise
        if not reply:
            self.proc = None
            raise ConnectionError("vre-query --serve exited (see its error output above)")
        return reply


def _get_transport():
    global _transport
    if _transport is None:
        path = os.environ.get("VRE_KERNEL_SOCKET")
        if path and os.path.exists(path):
            _transport = _SocketTransport(path)
        else:
            _transport = _ServeTransport()
    return _transport


def query(sql_text):
    """Send one query; return the decoded reply (dict)."""
    line = (json.dumps({"sql": sql_text}) + "\n").encode("utf-8")
    with _lock:
        reply = _get_transport().request(line)
    return json.loads(reply)


def close():
    global _transport
    with _lock:
        if _transport is not None:
            _transport.close()
            _transport = None
