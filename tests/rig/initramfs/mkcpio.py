#!/usr/bin/env python3
"""Write a cpio "newc" archive (what Linux unpacks as an initramfs) from a spec, without root.

Every entry is owned by root (uid/gid 0) whoever runs this. Spec lines (stdin or a file), like the
kernel's gen_init_cpio:
    dir   <guest path> <mode octal>
    file  <guest path> <host path> [<mode octal>]   (mode default: the host file's; a host directory
                                                     is added recursively, modes kept)
    slink <guest path> <target> <mode octal>
    nod   <guest path> <mode octal> <c|b> <major> <minor>
Parent directories missing from the spec are created (0755). Output: the archive on stdout or -o FILE.
"""
import os
import stat
import sys

CHUNK = 1 << 20


class Writer:
    def __init__(self, out):
        self.out = out
        self.ino = 721
        self.pos = 0
        self.seen = set()

    def _w(self, b):
        self.out.write(b)
        self.pos += len(b)

    def _pad(self):
        if self.pos % 4:
            self._w(b"\0" * (4 - self.pos % 4))

    def entry(self, name, mode, size=0, rdev=(0, 0), data=None, path=None, nlink=1):
        name = name.lstrip("/") or "."
        nb = name.encode() + b"\0"
        self.ino += 1
        hdr = "070701" + "".join("%08X" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], len(nb), 0))
        self._w(hdr.encode() + nb)
        self._pad()
        if data is not None:
            self._w(data)
        elif path is not None:
            n = 0
            with open(path, "rb") as f:
                while True:
                    b = f.read(CHUNK)
                    if not b:
                        break
                    self._w(b)
                    n += len(b)
            if n != size:
                sys.exit("mkcpio: %s changed size while archived" % path)
        self._pad()

    def parents(self, gpath):
        parts = gpath.strip("/").split("/")[:-1]
        for i in range(len(parts)):
            d = "/".join(parts[: i + 1])
            if d not in self.seen:
                self.seen.add(d)
                self.entry(d, stat.S_IFDIR | 0o755, nlink=2)

    def dir(self, gpath, mode):
        self.parents(gpath)
        g = gpath.strip("/")
        if g not in self.seen:
            self.seen.add(g)
            self.entry(g, stat.S_IFDIR | mode, nlink=2)

    def file(self, gpath, hpath, mode=None):
        st = os.stat(hpath)
        if stat.S_ISDIR(st.st_mode):
            self.dir(gpath, stat.S_IMODE(st.st_mode) if mode is None else mode)
            for name in sorted(os.listdir(hpath)):
                hp = os.path.join(hpath, name)
                gp = gpath.rstrip("/") + "/" + name
                if os.path.islink(hp):
                    self.slink(gp, os.readlink(hp), 0o777)
                else:
                    self.file(gp, hp)
            return
        if not stat.S_ISREG(st.st_mode):
            sys.exit("mkcpio: %s: not a regular file or directory" % hpath)
        self.parents(gpath)
        m = stat.S_IMODE(st.st_mode) if mode is None else mode
        self.entry(gpath, stat.S_IFREG | m, size=st.st_size, path=hpath)

    def slink(self, gpath, target, mode):
        self.parents(gpath)
        t = target.encode()
        self.entry(gpath, stat.S_IFLNK | mode, size=len(t), data=t)

    def nod(self, gpath, mode, kind, major, minor):
        self.parents(gpath)
        ft = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
        self.entry(gpath, ft | mode, rdev=(major, minor))

    def trailer(self):
        self.entry("TRAILER!!!", 0, nlink=1)
        # pad the archive to 512 bytes like GNU cpio
        if self.pos % 512:
            self._w(b"\0" * (512 - self.pos % 512))


def main():
    args = sys.argv[1:]
    out = sys.stdout.buffer
    if len(args) >= 2 and args[0] == "-o":
        out = open(args[1], "wb")
        args = args[2:]
    spec = open(args[0]) if args and args[0] != "-" else sys.stdin
    w = Writer(out)
    for lineno, line in enumerate(spec, 1):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        try:
            if f[0] == "dir":
                w.dir(f[1], int(f[2], 8))
            elif f[0] == "file":
                w.file(f[1], f[2], int(f[3], 8) if len(f) > 3 else None)
            elif f[0] == "slink":
                w.slink(f[1], f[2], int(f[3], 8))
            elif f[0] == "nod":
                w.nod(f[1], int(f[2], 8), f[3], int(f[4]), int(f[5]))
            else:
                raise ValueError("unknown type " + f[0])
        except (IndexError, ValueError, OSError) as e:
            sys.exit("mkcpio: spec line %d (%s): %s" % (lineno, line.strip(), e))
    w.trailer()
    out.flush()


if __name__ == "__main__":
    main()
