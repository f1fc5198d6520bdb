"""Adds lock entries for optional platform packages the npm registry mirror does not serve.

Our registry mirror only has the Linux builds of packages such as @next/swc-*, so `npm install` writes a
package-lock.json without the macOS / Windows variants and `npm ci` then refuses the lock as out of sync.
The entries added here carry the version and os/cpu/libc only; npm ci skips them on other platforms and
fetches them by name and version where they apply.

Usage: python3 scripts/complete-lockfile.py   (after any `npm install` that changed package-lock.json)
"""
import json, re, subprocess, sys
import os, shutil, tempfile
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
lock_path = os.path.join(root, 'package-lock.json')
probe = tempfile.mkdtemp()
shutil.copy(os.path.join(root, 'package.json'), probe)
shutil.copy(lock_path, probe)
# --dry-run stops after the lock validation that reports what is missing.
log = subprocess.run(['npm', 'ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], cwd=probe, capture_output=True, text=True).stderr
shutil.rmtree(probe)
missing = sorted(set(re.findall(r'Missing: (\S+?)@\S* from lock file', log)))
lock = json.load(open(lock_path))
pk = lock['packages']
# find version spec from any package's optionalDependencies
spec = {}
for path, meta in pk.items():
    for name, v in (meta.get('optionalDependencies') or {}).items():
        spec.setdefault(name, v)
def platform(name):
    base = name.split('/')[-1]
    os_ = next((o for o in ['darwin','win32','linux','android','freebsd','openharmony','sunos','aix','netbsd','openbsd'] if o in base), None)
    cpu = next((c for c in ['arm64','x64','ia32','loong64','ppc64','riscv64','s390x','wasm32','arm'] if re.search(r'(^|-)'+c+r'($|-|eabi|gnu|musl|msvc)', base)), None)
    libc = 'musl' if 'musl' in base else ('glibc' if 'gnu' in base and os_=='linux' else None)
    return os_, cpu, libc
added = 0
for name in missing:
    v = spec.get(name)
    if not v: print('no spec for', name); continue
    os_, cpu, libc = platform(name)
    entry = {'version': re.sub(r'^[\^~=]', '', v), 'optional': True}
    if os_: entry['os'] = [os_]
    if cpu: entry['cpu'] = [cpu]
    if libc: entry['libc'] = [libc]
    pk['node_modules/' + name] = entry
    added += 1
lock['packages'] = dict(sorted(pk.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(lock_path, 'w'), indent=2)
open(lock_path, 'a').write('\n')
print('added', added)
