package posix

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func xattrChecks() []check {
	return []check{
		{"user", xattrUser},
		{"create_replace", xattrCreateReplace},
		{"sizes", xattrSizes},
		{"list", xattrList},
		{"namespaces", xattrNamespaces},
		{"security", xattrSecurity},
		{"special_files", xattrSpecialFiles},
		{"ctime", xattrCtime},
		{"permissions", xattrPermissions},
		{"fd", xattrFd},
	}
}

func getxattr(p, name string) ([]byte, error) {
	buf := make([]byte, 64<<10)
	n, err := unix.Lgetxattr(p, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// listxattr returns the sorted names.
func listxattr(t testing.TB, p string) []string {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(p, buf)
	must(t, err, op("listxattr", p))
	var names []string
	for _, n := range strings.Split(string(buf[:n]), "\x00") {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// wantXattr checks a value.
func wantXattr(t testing.TB, p, name string, want []byte) {
	t.Helper()
	got, err := getxattr(p, name)
	if wantOK(t, err, op("getxattr", p, name)) && !bytes.Equal(got, want) {
		t.Errorf("getxattr(%s, %s) = %q, want %q", short(p), name, got, want)
	}
}

// xattrUser: user.* attributes on files and directories: set, get,
// overwrite, remove; binary values and empty values.
func xattrUser(t *testing.T, d string) {
	create(t, j(d, "f"), 0o644)
	mkdir(t, j(d, "dir"), 0o755)
	for _, p := range []string{j(d, "f"), j(d, "dir")} {
		for _, v := range [][]byte{[]byte("value"), {0, 1, 2, 0, 255}, {}, bytes.Repeat([]byte("v"), 2000)} {
			if wantOK(t, unix.Lsetxattr(p, "user.test", v, 0), op("setxattr", p, "user.test", len(v))) {
				wantXattr(t, p, "user.test", v)
			}
		}
		wantOK(t, unix.Lremovexattr(p, "user.test"), op("removexattr", p, "user.test"))
		_, err := getxattr(p, "user.test")
		wantErr(t, err, op("getxattr", p, "user.test after removexattr"), unix.ENODATA)
	}
	// Names are case-sensitive and may hold dots.
	p := j(d, "f")
	must(t, unix.Lsetxattr(p, "user.A.b.c", []byte("1"), 0), "setxattr")
	must(t, unix.Lsetxattr(p, "user.a.b.c", []byte("2"), 0), "setxattr")
	wantXattr(t, p, "user.A.b.c", []byte("1"))
	wantXattr(t, p, "user.a.b.c", []byte("2"))
	// Survives a rename.
	must(t, unix.Rename(p, j(d, "g")), "rename")
	wantXattr(t, j(d, "g"), "user.A.b.c", []byte("1"))
}

func xattrCreateReplace(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	wantErr(t, unix.Lsetxattr(p, "user.x", []byte("1"), unix.XATTR_REPLACE), op("setxattr", "user.x", "XATTR_REPLACE", "missing"), unix.ENODATA)
	wantOK(t, unix.Lsetxattr(p, "user.x", []byte("1"), unix.XATTR_CREATE), op("setxattr", "user.x", "XATTR_CREATE"))
	wantErr(t, unix.Lsetxattr(p, "user.x", []byte("2"), unix.XATTR_CREATE), op("setxattr", "user.x", "XATTR_CREATE", "existing"), unix.EEXIST)
	wantXattr(t, p, "user.x", []byte("1"))
	wantOK(t, unix.Lsetxattr(p, "user.x", []byte("3"), unix.XATTR_REPLACE), op("setxattr", "user.x", "XATTR_REPLACE"))
	wantXattr(t, p, "user.x", []byte("3"))
	_, err := getxattr(p, "user.missing")
	wantErr(t, err, op("getxattr", "user.missing"), unix.ENODATA)
	wantErr(t, unix.Lremovexattr(p, "user.missing"), op("removexattr", "user.missing"), unix.ENODATA)
	_, err = getxattr(j(d, "nofile"), "user.x")
	wantErr(t, err, op("getxattr", "missing file"), unix.ENOENT)
}

// xattrSizes: a zero-sized buffer asks for the size; too small a buffer is
// ERANGE; names over 255 bytes are ERANGE, values over 64 KiB E2BIG.
func xattrSizes(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	v := []byte("twelve bytes")
	must(t, unix.Lsetxattr(p, "user.v", v, 0), "setxattr")
	n, err := unix.Lgetxattr(p, "user.v", nil)
	if wantOK(t, err, op("getxattr", "user.v", "size 0")) && n != len(v) {
		t.Errorf("getxattr with size 0: %d, want %d", n, len(v))
	}
	_, err = unix.Lgetxattr(p, "user.v", make([]byte, len(v)-1))
	wantErr(t, err, op("getxattr", "user.v", "buffer 1 byte short"), unix.ERANGE)
	n, err = unix.Lgetxattr(p, "user.v", make([]byte, len(v)))
	if wantOK(t, err, op("getxattr", "user.v", "exact buffer")) && n != len(v) {
		t.Errorf("getxattr with an exact buffer: %d bytes", n)
	}
	n, err = unix.Llistxattr(p, nil)
	if wantOK(t, err, op("listxattr", "size 0")) && n != len("user.v\x00") {
		t.Errorf("listxattr with size 0: %d, want %d", n, len("user.v\x00"))
	}
	_, err = unix.Llistxattr(p, make([]byte, 3))
	wantErr(t, err, op("listxattr", "3-byte buffer"), unix.ERANGE)
	long := "user." + strings.Repeat("n", 251)
	wantErr(t, unix.Lsetxattr(p, long, v, 0), op("setxattr", "256-byte name"), unix.ERANGE)
	_, err = getxattr(p, long)
	wantErr(t, err, op("getxattr", "256-byte name"), unix.ERANGE)
	wantErr(t, unix.Lsetxattr(p, "user.big", make([]byte, 65537), 0), op("setxattr", "65537-byte value"), unix.E2BIG)
	ok255 := "user." + strings.Repeat("n", 250)
	if wantOK(t, unix.Lsetxattr(p, ok255, v, 0), op("setxattr", "255-byte name")) {
		wantXattr(t, p, ok255, v)
	}
}

// xattrList: listxattr names each attribute once; a fresh file shows no
// names but those of POSIX ACLs or a security module (never a file
// system's internal ones).
func xattrList(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	mkdir(t, j(d, "dir"), 0o755)
	for _, q := range []string{p, j(d, "dir"), d} {
		for _, name := range listxattr(t, q) {
			if !strings.HasPrefix(name, "security.") && !strings.HasPrefix(name, "system.posix_acl_") {
				t.Errorf("listxattr(%s) shows %q, which nobody set", short(q), name)
			}
		}
	}
	base := len(listxattr(t, p))
	var want []string
	for i := 0; i < 100; i++ {
		name := fmt.Sprintf("user.attr%03d", i)
		must(t, unix.Lsetxattr(p, name, []byte(name), 0), op("setxattr", name))
		want = append(want, name)
	}
	var got []string
	for _, name := range listxattr(t, p) {
		if strings.HasPrefix(name, "user.") {
			got = append(got, name)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listxattr after setting 100 attributes: %d user.* names, want 100 (first: %v)", len(got), got[:min(5, len(got))])
	}
	for i := 0; i < 100; i += 2 {
		must(t, unix.Lremovexattr(p, want[i]), "removexattr")
	}
	if n := len(listxattr(t, p)) - base; n != 50 {
		t.Errorf("listxattr after removing 50 of 100: %d names, want 50", n)
	}
}

// xattrNamespaces: an unknown namespace is EOPNOTSUPP; trusted.* is only
// for root (EPERM to set, ENODATA to read for others).
func xattrNamespaces(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	wantErr(t, unix.Lsetxattr(p, "bogus.name", []byte("x"), 0), op("setxattr", "bogus.name"), unix.EOPNOTSUPP)
	_, err := getxattr(p, "bogus.name")
	wantErr(t, err, op("getxattr", "bogus.name"), unix.EOPNOTSUPP)
	wantErr(t, unix.Lsetxattr(p, "noprefix", []byte("x"), 0), op("setxattr", "noprefix"), unix.EOPNOTSUPP)
	chmod(t, p, 0o666)
	c := asNobody(t)
	wantErr(t, c.do(request{Op: "setxattr", Path: p, Path2: "trusted.x", Data: []byte("x")}).err(),
		op("uid 65534: setxattr", "0666 file", "trusted.x"), unix.EPERM)
	wantErr(t, c.do(request{Op: "getxattr", Path: p, Path2: "trusted.x"}).err(),
		op("uid 65534: getxattr", "0666 file", "trusted.x"), unix.ENODATA)
}

// xattrSecurity: root can store security.* attributes.
func xattrSecurity(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	if wantOK(t, unix.Lsetxattr(p, "security.mortar-test", []byte("label"), 0), op("setxattr", "security.mortar-test")) {
		wantXattr(t, p, "security.mortar-test", []byte("label"))
		found := false
		for _, n := range listxattr(t, p) {
			found = found || n == "security.mortar-test"
		}
		if !found {
			t.Errorf("listxattr does not show security.mortar-test")
		}
		wantOK(t, unix.Lremovexattr(p, "security.mortar-test"), op("removexattr", "security.mortar-test"))
	}
}

// xattrSpecialFiles: user.* attributes exist only on regular files and
// directories: EPERM on symlinks and special files.
func xattrSpecialFiles(t *testing.T, d string) {
	for _, typ := range []string{"symlink", "fifo", "socket", "char"} {
		p := j(d, typ)
		mkType(t, p, typ)
		wantErr(t, unix.Lsetxattr(p, "user.x", []byte("x"), 0), op("lsetxattr", typ, "user.x"), unix.EPERM)
	}
	// On a symlink, the non-l calls reach the target.
	create(t, j(d, "target"), 0o644)
	symlink(t, "target", j(d, "ln"))
	if wantOK(t, unix.Setxattr(j(d, "ln"), "user.x", []byte("via link"), 0), op("setxattr", "symlink", "user.x")) {
		wantXattr(t, j(d, "target"), "user.x", []byte("via link"))
	}
}

func xattrCtime(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	before := lstat(t, p)
	tick(t)
	must(t, unix.Lsetxattr(p, "user.x", []byte("1"), 0), "setxattr")
	mid := lstat(t, p)
	wantNewer(t, "ctime after setxattr", before.Ctim, mid.Ctim)
	wantSame(t, "mtime after setxattr", before.Mtim, mid.Mtim)
	tick(t)
	must(t, unix.Lremovexattr(p, "user.x"), "removexattr")
	wantNewer(t, "ctime after removexattr", mid.Ctim, lstat(t, p).Ctim)
}

// xattrPermissions: user.* needs read permission to get and write
// permission to set.
func xattrPermissions(t *testing.T, d string) {
	for _, c := range []struct {
		name string
		mode uint32
	}{{"r", 0o644}, {"none", 0o600}, {"rw", 0o666}} {
		p := j(d, c.name)
		create(t, p, 0o644)
		chmod(t, p, c.mode)
		must(t, unix.Lsetxattr(p, "user.x", []byte("root"), 0), "setxattr")
	}
	c := asNobody(t)
	get := func(name string) error { return c.do(request{Op: "getxattr", Path: j(d, name), Path2: "user.x"}).err() }
	set := func(name string) error {
		return c.do(request{Op: "setxattr", Path: j(d, name), Path2: "user.x", Data: []byte("nobody")}).err()
	}
	wantOK(t, get("r"), op("uid 65534: getxattr", "0644 file"))
	wantErr(t, set("r"), op("uid 65534: setxattr", "0644 file"), unix.EACCES)
	wantErr(t, get("none"), op("uid 65534: getxattr", "0600 file"), unix.EACCES)
	wantErr(t, set("none"), op("uid 65534: setxattr", "0600 file"), unix.EACCES)
	wantOK(t, set("rw"), op("uid 65534: setxattr", "0666 file"))
	wantXattr(t, j(d, "rw"), "user.x", []byte("nobody"))
	wantXattr(t, j(d, "r"), "user.x", []byte("root"))
}

// xattrFd: the f* calls on an open descriptor, also of an unlinked file.
func xattrFd(t *testing.T, d string) {
	p := j(d, "f")
	create(t, p, 0o644)
	fd := open(t, p, unix.O_RDWR, 0)
	defer closeFd(t, fd)
	must(t, unix.Fsetxattr(fd, "user.fd", []byte("v"), 0), "fsetxattr")
	wantXattr(t, p, "user.fd", []byte("v"))
	must(t, unix.Unlink(p), "unlink")
	buf := make([]byte, 10)
	n, err := unix.Fgetxattr(fd, "user.fd", buf)
	if wantOK(t, err, op("fgetxattr", "unlinked file")) && string(buf[:n]) != "v" {
		t.Errorf("fgetxattr of an unlinked file: %q", buf[:n])
	}
	wantOK(t, unix.Fsetxattr(fd, "user.fd2", []byte("w"), 0), op("fsetxattr", "unlinked file"))
}
