"""Bridge between vre-kernel (Node) and a real IPython kernel (ipykernel via jupyter_client).

Run by vre-kernel as `python3 -I -m vre.kernel_bridge` (isolated: see vre-kernel). Line-delimited JSON on stdin/stdout:

  -> {"op": "execute", "id": "..", "code": ".."}
  <- {"id": "..", "status": "ok"|"error", "outputs": [...], "executionCount": N}
  -> {"op": "interrupt"}                      (no reply; SIGINT to the kernel)
  -> {"op": "restart", "id": ".."}            <- {"id": "..", "status": "ok", "outputs": [], "startMs": N}
  -> {"op": "shutdown"}                       (exits)
  <- {"event": "ready", "startMs": N} | {"event": "failed", "error": ".."}   once, after start

Outputs: {"type": "stream", "name", "text"}, {"type": "table", ...} (pandas objects, see
vre.display), {"type": "image", "mime": "image/png", "data": base64}, {"type": "text", "text"}
(plain-text results), {"type": "error", "ename", "evalue", "traceback": [..]}.
HTML and JavaScript outputs are never passed on (they would run in the gateway's page).
"""

import json
import os
import queue
import re
import sys
import threading
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
STREAM_CAP = int(os.environ.get("VRE_STREAM_CAP", "1000000") or 1000000)
IMAGE_CAP = int(os.environ.get("VRE_IMAGE_CAP", "50") or 50)
IMAGE_MIMES = ("image/png", "image/jpeg")
TABLE_MIME = "application/vnd.vre.table+json"

SETUP = r"""
def __vre_setup():
    import sys
    ip = get_ipython()
    try:
        import vre.display
        vre.display.install(ip)
    except Exception as e:
        print("vre: table display unavailable:", e, file=sys.__stderr__)
    try:
        ip.run_line_magic("colors", "NoColor")
    except Exception:
        pass
__vre_setup()
del __vre_setup
"""

# The protocol goes to a private copy of stdout; fd 1 becomes stderr so that nothing else
# (this process, jupyter_client, the kernel it starts) can write into the protocol stream.
_proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
os.dup2(2, 1)
sys.stdout = sys.stderr
_send_lock = threading.Lock()


def _finite(o):
    if isinstance(o, float) and (o != o or o in (float("inf"), float("-inf"))):
        return None if o != o else ("Infinity" if o > 0 else "-Infinity")
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_finite(v) for v in o]
    return o


def send(obj):
    try:
        text = json.dumps(obj, allow_nan=False, ensure_ascii=False)
    except ValueError:  # NaN/Infinity somewhere: strict JSON for the gateway
        text = json.dumps(_finite(obj), allow_nan=False, ensure_ascii=False)
    with _send_lock:
        _proto.write(text + "\n")
        _proto.flush()


def log(*args):
    print("vre.kernel_bridge:", *args, file=sys.stderr, flush=True)


class Kernel:
    def __init__(self):
        self.km = None
        self.kc = None

    def start(self):
        from jupyter_client import KernelManager

        env = dict(os.environ)
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        env.setdefault("MPLCONFIGDIR", "/tmp/matplotlib")
        env["PYTHONUNBUFFERED"] = "1"
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's frozen-modules warning
        env.pop("JPY_PARENT_PID", None)
        t0 = time.monotonic()
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=env, extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self._connect()
        return int((time.monotonic() - t0) * 1000)

    def _connect(self):
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self._run_silent(SETUP)

    def _run_silent(self, code):
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        self._wait_reply(msg_id, timeout=60)

    def _wait_reply(self, msg_id, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError("no reply from the Python kernel")
                if not self.km.is_alive():
                    return None
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def interrupt(self):
        if self.km is not None and self.km.has_kernel:
            self.km.interrupt_kernel()

    def restart(self):
        t0 = time.monotonic()
        self.km.restart_kernel(now=True)
        self._connect()
        return int((time.monotonic() - t0) * 1000)

    def shutdown(self):
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km is not None and self.km.has_kernel:
                self.km.shutdown_kernel(now=True)
        except Exception as e:
            log("shutdown:", e)

    def execute(self, code, history=True):
        out = Outputs()
        msg_id = self.kc.execute(code, store_history=history, allow_stdin=False, stop_on_error=False)
        idle = False
        while not idle:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.25)
            except queue.Empty:
                if not self.km.is_alive():
                    return self._died(out)
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            t, c = msg["msg_type"], msg["content"]
            if t == "status":
                idle = c.get("execution_state") == "idle"
            elif t == "stream":
                out.stream(c.get("name", "stdout"), c.get("text", ""))
            elif t in ("display_data", "execute_result"):
                out.data(c.get("data", {}))
            elif t == "error":
                out.error(c.get("ename", "Error"), c.get("evalue", ""), c.get("traceback", []))
            elif t == "clear_output":
                out.clear()
        reply = self._wait_reply(msg_id, timeout=30)
        if reply is None:
            return self._died(out)
        content = reply["content"]
        status = "ok" if content.get("status") == "ok" else "error"
        if status == "error" and not any(o["type"] == "error" for o in out.items):
            out.error(content.get("ename", "Error"), content.get("evalue", ""), content.get("traceback", []))
        return {"status": status, "outputs": out.items, "executionCount": content.get("execution_count")}

    def _died(self, out):
        out.error(
            "KernelDied",
            "The Python kernel died (out of memory?) and was restarted: variables and imports are lost.",
            [],
        )
        try:
            self.km.restart_kernel(now=True)
            self._connect()
        except Exception as e:
            log("restart after death failed:", e)
        return {"status": "error", "outputs": out.items}


class Outputs:
    def __init__(self):
        self.items = []
        self.stream_chars = 0
        self.images = 0

    def clear(self):
        self.items = [o for o in self.items if o["type"] == "error"]

    def stream(self, name, text):
        if self.stream_chars >= STREAM_CAP:
            return
        room = STREAM_CAP - self.stream_chars
        if len(text) > room:
            text = text[:room] + "\n[output truncated: more than %d characters]\n" % STREAM_CAP
        self.stream_chars += len(text)
        last = self.items[-1] if self.items else None
        if last and last["type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"type": "stream", "name": name, "text": text})

    def data(self, data):
        if TABLE_MIME in data and isinstance(data[TABLE_MIME], dict):
            self.items.append({"type": "table", **data[TABLE_MIME]})
            return
        for mime in IMAGE_MIMES:
            if mime in data:
                if self.images >= IMAGE_CAP:
                    if self.images == IMAGE_CAP:
                        self.stream("stderr", "[more than %d images in one cell: the rest are not shown]\n" % IMAGE_CAP)
                    self.images += 1
                    return
                self.images += 1
                self.items.append({"type": "image", "mime": mime, "data": "".join(str(data[mime]).split())})
                return
        text = data.get("text/plain")
        if text is not None:
            self.items.append({"type": "text", "text": ANSI.sub("", str(text))})

    def error(self, ename, evalue, traceback):
        self.items.append(
            {
                "type": "error",
                "ename": str(ename),
                "evalue": ANSI.sub("", str(evalue)),
                "traceback": [ANSI.sub("", str(line)) for line in traceback],
            }
        )


def main():
    commands = queue.Queue()
    kernel = Kernel()

    def reader():
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                log("ignoring a line that is not JSON")
                continue
            if msg.get("op") == "interrupt":
                try:
                    kernel.interrupt()
                except Exception as e:
                    log("interrupt failed:", e)
            else:
                commands.put(msg)
        commands.put({"op": "shutdown"})

    threading.Thread(target=reader, name="stdin", daemon=True).start()

    try:
        start_ms = kernel.start()
    except Exception as e:
        send({"event": "failed", "error": "%s: %s" % (type(e).__name__, e)})
        kernel.shutdown()
        return 1
    send({"event": "ready", "startMs": start_ms})

    while True:
        msg = commands.get()
        op = msg.get("op")
        if op == "shutdown":
            kernel.shutdown()
            return 0
        if op == "restart":
            try:
                ms = kernel.restart()
                send({"id": msg.get("id"), "status": "ok", "outputs": [], "startMs": ms})
            except Exception as e:
                send({"id": msg.get("id"), "status": "error", "outputs": [
                    {"type": "error", "ename": type(e).__name__, "evalue": str(e), "traceback": []}]})
            continue
        if op == "execute":
            try:
                reply = kernel.execute(msg.get("code", ""), history=msg.get("history", True) is not False)
            except Exception as e:
                reply = {"status": "error", "outputs": [
                    {"type": "error", "ename": type(e).__name__, "evalue": str(e), "traceback": []}]}
            reply["id"] = msg.get("id")
            send(reply)
            continue
        send({"id": msg.get("id"), "status": "error", "outputs": [
            {"type": "error", "ename": "ProtocolError", "evalue": "unknown op %r" % op, "traceback": []}]})


if __name__ == "__main__":
    sys.exit(main())
