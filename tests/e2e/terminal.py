#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts, as a person
at a terminal would: terminal.py PROMPT=ANSWER ... -- COMMAND ARGS...
Each answer is typed (with Enter) once its prompt has appeared. Prints what
the terminal showed and exits with the command's code."""
import os, pty, select, sys, time

sep = sys.argv.index("--")
pairs = [a.split("=", 1) for a in sys.argv[1:sep]]
cmd = sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
seen, deadline = b"", time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    while pairs and pairs[0][0].encode() in seen:
        prompt, answer = pairs.pop(0)
        seen = seen.replace(prompt.encode(), b"<" + prompt.encode() + b">", 1)
        time.sleep(0.05)
        os.write(fd, answer.encode() + b"\r")
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
