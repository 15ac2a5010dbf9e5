# Drives a command in a pseudo-terminal: waits for each expected pattern (ANSI escapes stripped),
# then types the keys given. Prints the whole screen text; exits 1 on a timeout or early exit.
#   python3 pty-drive.py SCRIPT.json -- CMD ARGS...
# SCRIPT.json: [{"expect": "regex", "send": "keys"}, ...]
import json, os, pty, re, select, sys, time

script = json.load(open(sys.argv[1]))
cmd = sys.argv[sys.argv.index('--') + 1:]
ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r')
TIMEOUT = float(os.environ.get('PTY_TIMEOUT', '90'))

pid, fd = pty.fork()
if pid == 0:
    os.environ['COLUMNS'] = '200'
    os.execvp(cmd[0], cmd)

raw = b''
def text():
    return ANSI.sub('', raw.decode('utf-8', 'replace'))

def pump(deadline):
    global raw
    r, _, _ = select.select([fd], [], [], max(0, min(0.2, deadline - time.time())))
    if r:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        raw += chunk
    return True

pos = 0
for step in script:
    deadline = time.time() + TIMEOUT
    pat = re.compile(step['expect'])
    while True:
        m = pat.search(text(), pos)
        if m:
            pos = m.end()
            break
        if time.time() > deadline or not pump(deadline):
            sys.stdout.write(text())
            sys.stderr.write(f'pty-drive: did not see {step["expect"]!r}\n')
            sys.exit(1)
    time.sleep(0.05)
    for ch in step.get('send', ''):
        os.write(fd, ch.encode())
        time.sleep(0.02)

deadline = time.time() + TIMEOUT
while time.time() < deadline and pump(deadline):
    pass
if time.time() >= deadline:
    os.kill(pid, 9)
    sys.stdout.write(text())
    sys.stderr.write('pty-drive: the command did not exit after the last step\n')
    sys.exit(1)
_, status = os.waitpid(pid, 0)
sys.stdout.write(text())
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
