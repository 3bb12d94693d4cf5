import json, os, sys, subprocess, errno, hashlib
path = sys.argv[1]
out = {}
def err(e): return errno.errorcode.get(e.errno, str(e.errno)) if isinstance(e, OSError) else repr(e)
def attempt(name, fn):
    try:
        r = fn(); out[name] = {'ok': True, 'result': r}
    except Exception as e:
        out[name] = {'ok': False, 'error': err(e)}
st = os.stat(path)
out['owner'] = st.st_uid
out['me'] = os.getuid()
out['mountinfo'] = [l.strip() for l in open('/proc/self/mountinfo') if ' /data/' in l]
attempt('chmod', lambda: os.chmod(path, 0o666))
attempt('openWrite', lambda: os.close(os.open(path, os.O_WRONLY)))
attempt('setxattr', lambda: os.setxattr(path, 'user.vre', b'x'))
def falloc():
    fd = os.open(path, os.O_RDONLY)
    try: os.posix_fallocate(fd, 0, 1 << 20)
    finally: os.close(fd)
attempt('fallocate', falloc)
def opath_reopen():
    fd = os.open(path, os.O_PATH)
    try: os.close(os.open(f'/proc/self/fd/{fd}', os.O_RDWR))
    finally: os.close(fd)
attempt('opathReopenRW', opath_reopen)
attempt('procRootWrite', lambda: os.close(os.open(f'/proc/self/root{path}', os.O_WRONLY)))
def userns(script):
    r = subprocess.run(['unshare', '-Urm', 'sh', '-c', script], capture_output=True, text=True, timeout=20)
    if r.returncode != 0: raise RuntimeError((r.stderr or r.stdout).strip()[:300])
    return r.stdout.strip()[:300]
attempt('usernsRemountRW', lambda: userns(f'mount -o remount,bind,rw {path} && echo PWNED > {path} && echo written'))
attempt('usernsUmount', lambda: userns(f'umount {path} && ls -la /data'))
attempt('usernsBindParent', lambda: userns(f'mount --bind /proc/self/root/data /mnt && ls /mnt'))
def sha():
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for b in iter(lambda: f.read(1 << 20), b''): h.update(b)
    return h.hexdigest()
attempt('sha256', sha)
print(json.dumps(out))
