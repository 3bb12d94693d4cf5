#!/usr/bin/env python3
"""Isolation probe, run INSIDE a VRE sandbox as the researcher by test/integration/sandbox-security.test.ts.

It is copied in at test time (never baked into the image) and prints ONE JSON object of named
observations on stdout. It reports what it saw and decides nothing: the test asserts each item.

Usage: python3 probe.py '<json config>'
  config: {"tcp": [[host, port], ...], "udp": [[host, port], ...], "icmp": [host, ...], "dns": [name, ...],
           "workAreas": [dir, ...], "ipcAreas": [dir, ...], "writeDirs": [dir, ...], "writeFiles": [path, ...],
           "readOnlyFiles": [path, ...], "foreignNames": [name, ...]}

Every check runs in a forked child with a deadline, so one that succeeds (say, an unshare) cannot change
what the next one sees, and one that hangs cannot hang the probe.

Uses python3 and the os module only for file checks: under gVisor 2022-12 coreutils `ls`/`stat`
fail with EINVAL (no statx), os.stat works.
"""

import ctypes
import errno
import json
import os
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import time

CONFIG = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
PTRACE_ATTACH = 16
PTRACE_DETACH = 17
PR_CAPBSET_READ = 23
PR_GET_NO_NEW_PRIVS = 39
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_IS_SET = 1
AT_SECURE = 23
LAST_CAP = 63


def err_name(code):
    return errno.errorcode.get(code, str(code))


def os_error(e):
    if isinstance(e, socket.gaierror):
        return f'gaierror {e.args[0]}: {e.args[1] if len(e.args) > 1 else ""}'
    if isinstance(e, OSError) and e.errno is not None:
        return f'{err_name(e.errno)}: {e.strerror}'
    return f'{type(e).__name__}: {e}'


def syscall_result(ret):
    """{ok, errno} for a libc call that returns -1 and sets errno on failure."""
    if ret == -1:
        return {'ok': False, 'errno': err_name(ctypes.get_errno())}
    return {'ok': True, 'errno': None, 'ret': ret}


def isolated(fn, timeout=20.0):
    """Runs fn in a forked child; returns its JSON-able result, or {'probeError': ...}."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = {'value': fn()}
        except BaseException as e:  # noqa: BLE001 - everything is reported, nothing raised
            out = {'probeError': f'{type(e).__name__}: {e}'}
        data = json.dumps(out).encode()
        while data:
            n = os.write(w, data)
            data = data[n:]
        os._exit(0)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if not ready:
            continue
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    if timed_out:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    os.waitpid(pid, 0)
    if timed_out:
        return {'probeError': f'timed out after {timeout}s'}
    try:
        out = json.loads(b''.join(chunks) or b'{}')
    except ValueError as e:
        return {'probeError': f'unreadable child output: {e}'}
    return out.get('value', out)


def run(cmd, timeout=10):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        return {'exitCode': p.returncode, 'output': (p.stdout + p.stderr).strip()[:400]}
    except FileNotFoundError as e:
        return {'exitCode': None, 'output': f'not found: {e}'}
    except subprocess.TimeoutExpired:
        return {'exitCode': None, 'output': f'timed out after {timeout}s'}


def status_fields(pid='self'):
    fields = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            fields[key.strip()] = value.strip()
    return fields


# --- identity, capabilities, no_new_privs -------------------------------------------------------


def identity():
    return {
        'uid': os.getuid(),
        'euid': os.geteuid(),
        'gid': os.getgid(),
        'egid': os.getegid(),
        'groups': os.getgroups(),
        'resuid': list(os.getresuid()),
        'resgid': list(os.getresgid()),
    }


class CapHeader(ctypes.Structure):
    _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [('effective', ctypes.c_uint32), ('permitted', ctypes.c_uint32), ('inheritable', ctypes.c_uint32)]


def capabilities():
    st = status_fields()
    header = CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (CapData * 2)()
    ret = libc.capget(ctypes.byref(header), data)
    capget = (
        {
            'effective': data[0].effective | (data[1].effective << 32),
            'permitted': data[0].permitted | (data[1].permitted << 32),
            'inheritable': data[0].inheritable | (data[1].inheritable << 32),
        }
        if ret == 0
        else {'errno': err_name(ctypes.get_errno())}
    )
    bounding = [c for c in range(LAST_CAP + 1) if libc.prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1]
    ambient = [c for c in range(LAST_CAP + 1) if libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1]
    return {
        # a field gVisor does not show (CapAmb) is null; capget/prctl below cover it
        'status': {k: st.get(k) for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')},
        'capget': capget,
        'boundingSet': bounding,
        'ambientSet': ambient,
    }


def no_new_privs():
    st = status_fields()
    return {'prctl': libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 'status': st.get('NoNewPrivs')}


def kernel():
    with open('/proc/version') as f:
        return {'procVersion': f.read().strip(), 'release': os.uname().release}


def seccomp_mode():
    return status_fields().get('Seccomp')


# --- network ------------------------------------------------------------------------------------


def interfaces():
    out = {'ifNameIndex': sorted(name for _, name in socket.if_nameindex())}
    try:
        with open('/proc/net/dev') as f:
            out['procNetDev'] = sorted(line.split(':')[0].strip() for line in f.readlines()[2:] if ':' in line)
    except OSError as e:
        out['procNetDev'] = os_error(e)
    try:
        out['sysClassNet'] = sorted(os.listdir('/sys/class/net'))
    except OSError as e:
        out['sysClassNet'] = os_error(e)
    return out


def tcp(targets):
    out = {}
    for host, port in targets:
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(3)
        try:
            s.connect((host, port))
            out[f'{host}:{port}'] = {'connected': True, 'error': None}
        except OSError as e:
            out[f'{host}:{port}'] = {'connected': False, 'error': os_error(e)}
        finally:
            s.close()
    return out


def udp(targets):
    out = {}
    for host, port in targets:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        entry = {'sent': False, 'reply': False, 'error': None}
        try:
            # a DNS query for example.com, so a resolver that answered would be seen
            query = bytes.fromhex('abcd01000001000000000000076578616d706c6503636f6d0000010001')
            s.sendto(query, (host, port))
            entry['sent'] = True
            s.recvfrom(512)
            entry['reply'] = True
        except OSError as e:
            entry['error'] = os_error(e)
        finally:
            s.close()
        out[f'{host}:{port}'] = entry
    return out


def icmp(hosts):
    echo = b'\x08\x00\xf7\xff\x00\x00\x00\x00'  # type 8, code 0, checksum over the rest
    out = {}
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        out['rawSocket'] = {'created': True, 'error': None}
        s.close()
    except OSError as e:
        out['rawSocket'] = {'created': False, 'error': os_error(e)}
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        out['packetSocket'] = {'created': True, 'error': None}
        s.close()
    except OSError as e:
        out['packetSocket'] = {'created': False, 'error': os_error(e)}
    # an unprivileged "ping socket" may be creatable (net.ipv4.ping_group_range); sending must fail
    echo_results = {}
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
        s.settimeout(2)
        for host in hosts:
            try:
                s.sendto(echo, (host, 0))
                try:
                    s.recvfrom(512)
                    echo_results[host] = {'sent': True, 'reply': True, 'error': None}
                except OSError as e:
                    echo_results[host] = {'sent': True, 'reply': False, 'error': os_error(e)}
            except OSError as e:
                echo_results[host] = {'sent': False, 'reply': False, 'error': os_error(e)}
        s.close()
        out['pingSocket'] = {'created': True, 'error': None}
    except OSError as e:
        out['pingSocket'] = {'created': False, 'error': os_error(e)}
        for host in hosts:
            echo_results[host] = {'sent': False, 'reply': False, 'error': os_error(e)}
    out['echo'] = echo_results
    return out


def dns(names):
    out = {}
    for name in names:
        try:
            infos = socket.getaddrinfo(name, 80, proto=socket.IPPROTO_TCP)
            out[name] = {'resolved': True, 'addresses': sorted({i[4][0] for i in infos}), 'error': None}
        except OSError as e:
            out[name] = {'resolved': False, 'addresses': [], 'error': os_error(e)}
    return out


# --- mount, unshare, ptrace ---------------------------------------------------------------------


def mount_syscall():
    return syscall_result(libc.mount(b'none', b'/mnt', b'tmpfs', 0, None))


def unshare_user_then():
    """unshare(CLONE_NEWUSER); if it works, what the new namespace hands out (evidence, not a verdict)."""
    res = syscall_result(libc.unshare(CLONE_NEWUSER))
    if res['ok']:
        st = status_fields()
        res['capEffInNewNamespace'] = st.get('CapEff')
        try:
            socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()
            res['rawSocketAfterwards'] = True
        except OSError as e:
            res['rawSocketAfterwards'] = os_error(e)
        res['unshareNetAfterwards'] = syscall_result(libc.unshare(CLONE_NEWNET))['ok']
    return res


def unshare_flag(flag):
    return lambda: syscall_result(libc.unshare(flag))


def processes():
    procs = []
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            st = status_fields(d)
            procs.append({'pid': int(d), 'name': st.get('Name'), 'uid': st.get('Uid', '').split()})
        except OSError:
            continue
    return sorted(procs, key=lambda p: p['pid'])


def ptrace_attach(pid):
    def attempt():
        ret = libc.ptrace(PTRACE_ATTACH, pid, None, None)
        res = {'attached': ret == 0, 'errno': None if ret == 0 else err_name(ctypes.get_errno())}
        if ret == 0:
            try:
                os.waitpid(pid, 0x40000000)  # __WALL: wait for the attach stop, then let it go
            except OSError:
                pass
            libc.ptrace(PTRACE_DETACH, pid, None, None)
        return res

    return attempt


def ptrace_checks():
    procs = processes()
    me = os.getpid()
    targets = {'1': 1}
    for p in procs:
        if p['uid'] and p['uid'][0] == '0' and p['pid'] != me:
            targets[f'root:{p["pid"]}:{p["name"]}'] = p['pid']
    return {'attempts': {name: isolated(ptrace_attach(pid), timeout=10) for name, pid in targets.items()}, 'processes': procs}


def io_uring_setup():
    # io_uring_setup(entries, params): x86_64 syscall 425; a descriptor back means io_uring is open
    params = ctypes.create_string_buffer(120)
    fd = libc.syscall(425, 4, params)
    res = {'ok': fd >= 0, 'errno': None if fd >= 0 else err_name(ctypes.get_errno())}
    if fd >= 0:
        os.close(fd)
    return res


# --- filesystem ---------------------------------------------------------------------------------


def under(path, roots):
    return any(path == r or path.startswith(r.rstrip('/') + '/') for r in roots)


def try_create(d):
    p = os.path.join(d, f'.vre-probe-{os.getpid()}')
    try:
        fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        os.unlink(p)
        return {'written': True, 'error': None}
    except OSError as e:
        return {'written': False, 'error': os_error(e)}


def try_open_for_write(p):
    try:
        fd = os.open(p, os.O_WRONLY | os.O_APPEND)
        os.close(fd)
        return {'opened': True, 'error': None}
    except OSError as e:
        return {'opened': False, 'error': os_error(e)}


def walk_filesystem(allowed):
    """Every directory outside /proc, /sys and the allowed areas: can a file be created in it?
    Also every setuid/setgid regular file and every socket file."""
    writable, privileged, sockets = [], [], []
    dirs_seen = 0
    for root, dirs, files in os.walk('/', onerror=lambda e: None):
        if root in ('/proc', '/sys'):
            dirs[:] = []
            continue
        dirs_seen += 1
        if not under(root, allowed) and try_create(root)['written']:
            writable.append(root)
        for name in files:
            p = os.path.join(root, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                privileged.append({'path': p, 'mode': oct(st.st_mode), 'uid': st.st_uid, 'gid': st.st_gid})
            if stat.S_ISSOCK(st.st_mode):
                sockets.append(p)
    return {'directoriesChecked': dirs_seen, 'writableDirs': writable, 'setidFiles': privileged, 'sockets': sockets}


def observe_setid_exec(path, attempts=50):
    """Executes a setuid/setgid binary and stops it at its first instruction (SIGSTOP sent as soon as
    posix_spawn returns, wait for the stop): its credentials and AT_SECURE are what exec gave it.
    The child shares the parent's single CPU at SCHED_IDLE, so the parent's SIGSTOP lands before the
    child runs even on a busy machine; a child that still gets away (exits first) is tried again."""
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (OSError, AttributeError):
        pass
    idle = {'scheduler': (os.SCHED_IDLE, os.sched_param(0))} if hasattr(os, 'SCHED_IDLE') else {}
    last = None
    for attempt in range(1, attempts + 1):
        r, w = os.pipe()
        spawn_args = (
            path,
            [path],
            dict(os.environ),
        )
        actions = [
            (os.POSIX_SPAWN_DUP2, r, 0),
            (os.POSIX_SPAWN_OPEN, 1, '/dev/null', os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, '/dev/null', os.O_WRONLY, 0),
        ]
        try:
            try:
                pid = os.posix_spawn(*spawn_args, file_actions=actions, **idle)
            except OSError:
                if not idle:
                    raise
                idle = {}  # the runtime refuses SCHED_IDLE: spawn at normal priority
                pid = os.posix_spawn(*spawn_args, file_actions=actions)
        except OSError as e:
            os.close(r)
            os.close(w)
            return {'observed': False, 'error': os_error(e)}
        try:
            os.kill(pid, signal.SIGSTOP)
        except OSError:
            pass
        _, status = os.waitpid(pid, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            st = status_fields(pid)
            try:
                with open(f'/proc/{pid}/auxv', 'rb') as f:
                    aux = dict(struct.iter_unpack('QQ', f.read()))
                at_secure = aux.get(AT_SECURE)
            except OSError as e:
                # a process that really became another user cannot be read by the researcher
                at_secure = os_error(e)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(r)
            os.close(w)
            return {
                'observed': True,
                'attempts': attempt,
                'uid': st.get('Uid', '').split(),
                'gid': st.get('Gid', '').split(),
                'atSecure': at_secure,
            }
        last = f'exited before it could be stopped (status {status}), {attempt} attempts'
        os.close(r)
        os.close(w)
    return {'observed': False, 'error': last}


def mountinfo():
    mounts = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            left, _, right = line.strip().partition(' - ')
            l, rr = left.split(), right.split()
            mounts.append(
                {'root': l[3], 'mountPoint': l[4], 'options': l[5], 'fsType': rr[0], 'source': rr[1] if len(rr) > 1 else ''}
            )
    return mounts


def attempt(fn):
    try:
        r = fn()
        return {'ok': True, 'error': None, **({'result': r} if r is not None else {})}
    except OSError as e:
        return {'ok': False, 'error': os_error(e)}


def read_only_file(path):
    """A host file mounted read-only (a dataset): what it is, and every way to change it, run it or
    step out of it that the researcher might try. Each attempt reports ok or the error."""
    import hashlib
    import mmap
    st = os.lstat(path)
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    out = {
        'regular': stat.S_ISREG(st.st_mode),
        'mode': oct(st.st_mode & 0o7777),
        'uid': st.st_uid,
        'sha256': h.hexdigest(),
        'size': st.st_size,
    }
    base = os.path.basename(path)

    def open_close(flags):
        os.close(os.open(path, flags))

    def mmap_shared_write():
        fd = os.open(path, os.O_RDONLY)
        try:
            m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
            m.close()
        finally:
            os.close(fd)

    def reopen_via_proc():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.close(os.open(f'/proc/self/fd/{fd}', os.O_WRONLY))
        finally:
            os.close(fd)

    def parent_through_fd():
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.listdir(os.open('..', os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd))
        finally:
            os.close(fd)

    def run_it():
        subprocess.run([path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)

    out['attempts'] = {
        'openWrite': attempt(lambda: open_close(os.O_WRONLY)),
        'openReadWrite': attempt(lambda: open_close(os.O_RDWR)),
        'openTruncate': attempt(lambda: open_close(os.O_WRONLY | os.O_TRUNC)),
        'truncate': attempt(lambda: os.truncate(path, 0)),
        'chmod': attempt(lambda: os.chmod(path, 0o777)),
        'chown': attempt(lambda: os.chown(path, os.getuid(), os.getgid())),
        'utime': attempt(lambda: os.utime(path, (0, 0))),
        'unlink': attempt(lambda: os.unlink(path)),
        'renameAway': attempt(lambda: os.rename(path, f'/tmp/{base}')),
        'hardlink': attempt(lambda: os.link(path, f'/tmp/{base}.link')),
        'mmapSharedWrite': attempt(mmap_shared_write),
        'reopenWriteViaProc': attempt(reopen_via_proc),
        'execute': attempt(run_it),
        'parentByPath': attempt(lambda: os.listdir(path + '/..')),
        'parentThroughFd': attempt(parent_through_fd),
        'createBeside': attempt(
            lambda: os.close(os.open(os.path.join(os.path.dirname(path), '.probe-beside'), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        ),
    }
    return out


def find_names(names):
    """Paths anywhere outside /proc and /sys whose name contains one of `names`."""
    found = []
    for root, dirs, files in os.walk('/', onerror=lambda e: None):
        if root in ('/proc', '/sys'):
            dirs[:] = []
            continue
        for n in dirs + files:
            if any(x in n for x in names):
                found.append(os.path.join(root, n))
    return found


def docker_socket():
    paths = ['/var/run/docker.sock', '/run/docker.sock', '/var/run/docker', '/run/containerd', '/run/containerd/containerd.sock']
    return {p: os.path.lexists(p) for p in paths}


def main():
    work_areas = CONFIG.get('workAreas', ['/home/researcher', '/tmp'])
    ipc_areas = CONFIG.get('ipcAreas', ['/dev/shm', '/dev/mqueue'])
    result = {}
    result['identity'] = isolated(identity)
    result['capabilities'] = isolated(capabilities)
    result['noNewPrivs'] = isolated(no_new_privs)
    result['seccomp'] = isolated(seccomp_mode)
    result['kernel'] = isolated(kernel)
    result['interfaces'] = isolated(interfaces)
    result['tcp'] = isolated(lambda: tcp(CONFIG.get('tcp', [])), timeout=60)
    result['udp'] = isolated(lambda: udp(CONFIG.get('udp', [])), timeout=30)
    result['icmp'] = isolated(lambda: icmp(CONFIG.get('icmp', [])), timeout=30)
    result['dns'] = isolated(lambda: dns(CONFIG.get('dns', [])), timeout=60)
    result['mount'] = {
        'syscall': isolated(mount_syscall),
        'mountCommand': isolated(lambda: run(['mount', '-t', 'tmpfs', 'none', '/mnt'])),
        'umountCommand': isolated(lambda: run(['umount', '/tmp'])),
    }
    result['unshare'] = {
        'user': isolated(unshare_user_then),
        'mountNamespace': isolated(unshare_flag(CLONE_NEWNS)),
        'netNamespace': isolated(unshare_flag(CLONE_NEWNET)),
        'pidNamespace': isolated(unshare_flag(CLONE_NEWPID)),
        'unshareU': isolated(lambda: run(['unshare', '-U', 'true'])),
        'unshareR': isolated(lambda: run(['unshare', '-r', 'true'])),
    }
    result['ptrace'] = isolated(ptrace_checks, timeout=60)
    result['ioUring'] = isolated(io_uring_setup)
    result['writes'] = {
        'workAreas': {d: isolated(lambda d=d: try_create(d)) for d in work_areas},
        'dirs': {d: isolated(lambda d=d: try_create(d)) for d in CONFIG.get('writeDirs', [])},
        'files': {p: isolated(lambda p=p: try_open_for_write(p)) for p in CONFIG.get('writeFiles', [])},
    }
    walk = isolated(lambda: walk_filesystem(work_areas + ipc_areas), timeout=120)
    result['filesystem'] = walk
    setid = walk.get('setidFiles', []) if isinstance(walk, dict) else []
    result['setidExec'] = {f['path']: isolated(lambda p=f['path']: observe_setid_exec(p), timeout=30) for f in setid}
    result['mounts'] = isolated(mountinfo)
    result['dockerSocket'] = isolated(docker_socket)
    result['readOnlyFiles'] = {p: isolated(lambda p=p: read_only_file(p), timeout=120) for p in CONFIG.get('readOnlyFiles', [])}
    result['foreignNames'] = isolated(lambda: find_names(CONFIG.get('foreignNames', [])), timeout=120) if CONFIG.get('foreignNames') else []
    print(json.dumps(result))


if __name__ == '__main__':
    main()
