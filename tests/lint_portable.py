#!/usr/bin/env python3
"""Portability lint (docs/platforms.md): finds POSIX-only calls and headers in batchtune.h's
implementation and in tools/*.c that are not inside a branch Windows never compiles
(#ifndef _WIN32, the #else/#elif of #if defined(_WIN32), #if defined(__linux__) or
defined(__APPLE__)). The MinGW-w64 headers declare several of these (stat, access, strtok_r,
<unistd.h>), so the MinGW build and the clang MSVC-mode check cannot catch them; cl.exe would
fail, or worse, compile: stat() on Windows has no inode numbers, rename() will not replace.
Prints one line per finding (file:line: name: what to use) and exits 1 when there is any.
Usage: python3 tests/lint_portable.py [FILES...]   (default: batchtune.h tools/*.c)"""
import glob
import re
import sys

USE = {
    "pthread_*": "bti_thread_* / bti_mutex_* / bti_cond_*",
    "fsync": "bti_flush_to_disk", "fdatasync": "bti_flush_to_disk",
    "truncate": "bti_truncate_file", "ftruncate": "bti_truncate_file",
    "gmtime_r": "bti_gmtime", "localtime_r": "a bti_ helper (localtime_s on Windows)",
    "strtok_r": "strchr loops (MSVC has strtok_s)", "strcasecmp": "a bti_ helper", "strncasecmp": "a bti_ helper",
    "sysconf": "bti_cpu_count", "sched_getaffinity": "bti_cpu_count_allowed / bti_thread_pin_self",
    "pthread_setaffinity_np": "bti_thread_pin_self",
    "pread": "bti_file_pread", "pwrite": "a bti_ helper", "open": "bti_file_open_read or fopen",
    "close": "bti_file_close", "read": "bti_file_pread or fread",
    "posix_fadvise": "bti_file_drop_cache (ENOSYS where impossible)",
    "opendir": "bti_dir_each", "readdir": "bti_dir_each", "closedir": "bti_dir_each",
    "stat": "bti_file_size / bti_is_regular_file / bti_same_file (Windows stat has no inode)",
    "lstat": "bti_is_regular_file", "fstat": "bti_file_size",
    "access": "bti_file_size or fopen (MSVC: no access/R_OK)",
    "getpid": "bti_getpid", "gethostname": "bti_hostname", "isatty": "bti_isatty / bti_term_color",
    "fileno": "a bti_ helper taking FILE*", "usleep": "bti_sleep_ns", "nanosleep": "bti_sleep_ns",
    "clock_gettime": "bti_monotonic_ns", "clock_getres": "bti_monotonic_res_ns",
    "fork": "bti_spawn_capture", "execv": "bti_spawn_capture", "execvp": "bti_spawn_capture",
    "execl": "bti_spawn_capture", "waitpid": "bti_spawn_capture", "kill": "bti_spawn_capture",
    "posix_spawnp": "bti_spawn_capture", "popen": "bti_spawn_capture",
    "setenv": "a bti_ helper (_putenv_s on Windows)", "unsetenv": "a bti_ helper (_putenv_s on Windows)",
    "mkstemp": "a bti_ helper", "mkdtemp": "a bti_ helper", "dlopen": "a bti_ helper (LoadLibrary)",
    "realpath": "a bti_ helper (GetFullPathName)", "unlink": "remove", "mkdir": "a bti_ helper (_mkdir)",
    "rename": "bti_rename_replace (Windows rename() refuses to replace)",
}
CALL = re.compile(r"(?<![\w.>])(pthread_\w+|" + "|".join(sorted((k for k in USE if "*" not in k), key=len, reverse=True)) + r")\s*\(")
# names <windows.h> defines as macros (minwindef.h: far, near; rpcndr.h: small, hyper;
# objbase.h: interface; pascal, cdecl): as identifiers they break every Windows build
WINMACRO = re.compile(r"(?<![\w.>])(far|near|small|hyper|interface|pascal|cdecl)(?!\w)")
HEADERS = re.compile(r"#\s*include\s*<(unistd\.h|pthread\.h|dirent\.h|spawn\.h|poll\.h|sched\.h|dlfcn\.h|strings\.h|sys/wait\.h|sys/mman\.h|sys/time\.h)>")


def strip(text):
    """comments and string/char literals blanked, newlines kept"""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif c in "\"'" and not (c == "'" and i and text[i - 1].isalnum()):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else "")); i = j + 1
        else:
            out.append(c); i += 1
    return "".join(out)


def nonwin(cond):
    """1: the branch is never compiled on Windows; 0: it may be; 'win': it is the Windows branch"""
    c = cond.replace(" ", "")
    if re.fullmatch(r"defined\(_WIN32\)|_WIN32|defined_WIN32", c):
        return "win"
    if c.startswith("!defined(_WIN32)") or c == "!_WIN32":
        return 1
    if re.search(r"(?<!!)defined\((__linux__|__APPLE__)\)", c) and "||" not in c:
        return 1
    return 0


def lint(path, text, start_pat=None):
    lines = strip(text).split("\n")
    raw = text.split("\n")
    found, stack, active = [], [], start_pat is None
    for no, line in enumerate(lines, 1):
        if not active:
            active = re.match(start_pat, raw[no - 1]) is not None
            continue
        m = re.match(r"\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b\s*(.*)", line)
        if m:
            kw, cond = m.group(1), m.group(2).strip()
            if kw in ("if", "ifdef", "ifndef"):
                v = nonwin(cond if kw == "if" else ("defined(%s)" % cond if kw == "ifdef" else "!defined(%s)" % cond))
                stack.append({"first": v, "cur": v == 1})
            elif kw == "elif" and stack:
                stack[-1]["cur"] = stack[-1]["first"] == "win" or nonwin(cond) == 1
            elif kw == "else" and stack:
                stack[-1]["cur"] = stack[-1]["first"] == "win"
            elif kw == "endif" and stack:
                stack.pop()
            hm = HEADERS.search(raw[no - 1])
            if hm and not any(e["cur"] for e in stack):
                found.append("%s:%d: <%s> outside a non-Windows branch" % (path, no, hm.group(1)))
            continue
        if any(e["cur"] for e in stack):
            continue
        for wm in WINMACRO.finditer(line):
            found.append("%s:%d: '%s' is a macro of <windows.h> (rename the identifier)" % (path, no, wm.group(1)))
        for cm in CALL.finditer(line):
            name = cm.group(1)
            key = "pthread_*" if name.startswith("pthread_") and name not in USE else name
            found.append("%s:%d: %s(): use %s" % (path, no, name, USE[key]))
    return found


def main(argv):
    files = argv[1:] or ["batchtune.h"] + sorted(glob.glob("tools/*.c"))
    found = []
    for f in files:
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        found += lint(f, text, r"#ifdef BATCHTUNE_IMPLEMENTATION\s*$" if f.endswith("batchtune.h") else None)
    for line in found:
        print(line)
    print("portability lint: %d finding%s in %s" % (len(found), "" if len(found) == 1 else "s", " ".join(files)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
