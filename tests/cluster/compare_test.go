package cluster_test

import (
	"bytes"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv(cluster.EnvRequireFUSE) == "1" {
			t.Fatalf("needs root (trusted.* xattrs, chown), euid %d", os.Geteuid())
		}
		t.Skipf("needs root (trusted.* xattrs, chown), euid %d", os.Geteuid())
	}
}

var fixedTime = unix.NsecToTimespec(1_600_000_000_123_456_789)

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// acl is a system.posix_acl_access value granting uid granted read.
func acl(granted uint32) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, uint32(2))
	for _, e := range []struct {
		tag, perm uint16
		id        uint32
	}{{0x01, 6, 0xffffffff}, {0x02, 4, granted}, {0x04, 4, 0xffffffff}, {0x10, 4, 0xffffffff}, {0x20, 4, 0xffffffff}} {
		_ = binary.Write(&b, le, e.tag)
		_ = binary.Write(&b, le, e.perm)
		_ = binary.Write(&b, le, e.id)
	}
	return b.Bytes()
}

func gfid(b byte) []byte { return bytes.Repeat([]byte{b}, 16) }

// makeBrick builds a small brick-like tree with every kind of name and
// attribute CompareBricks looks at. pending varies what must be ignored
// (.mortar/ content and the changelog counters).
func makeBrick(t *testing.T, dir string, pending byte) {
	t.Helper()
	j := func(p string) string { return filepath.Join(dir, p) }
	must(t, os.MkdirAll(j(".mortar/index/dirty"), 0o755), "mkdir .mortar")
	must(t, os.WriteFile(j(".mortar/brick.json"), []byte{pending}, 0o644), "brick.json")
	must(t, os.Mkdir(j("d"), 0o750), "mkdir d")
	must(t, os.WriteFile(j("d/f"), []byte("hello"), 0o640), "write d/f")
	must(t, os.Chmod(j("d/f"), 0o640), "chmod d/f")
	must(t, os.Chown(j("d/f"), 1000, 1001), "chown d/f")
	must(t, os.Link(j("d/f"), j("d/h")), "link d/h")
	must(t, os.Symlink("d/f", j("l")), "symlink l")
	must(t, unix.Mkfifo(j("p"), 0o600), "mkfifo p")
	must(t, unix.Mknod(j("c"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))), "mknod c")
	must(t, os.WriteFile(j("sparse"), nil, 0o644), "sparse")
	must(t, os.Truncate(j("sparse"), 1<<20), "truncate sparse")
	for i, p := range []string{".", "d", "d/f", "l", "p", "c", "sparse"} {
		must(t, unix.Lsetxattr(j(p), cluster.XattrGFID, gfid(byte(i+1)), 0), "gfid "+p)
		must(t, unix.Lsetxattr(j(p), cluster.XattrPendingPrefix+"b2", []byte{0, 0, 0, pending, 0, 0, 0, 0, 0, 0, 0, 0}, 0), "pending "+p)
	}
	must(t, unix.Setxattr(j("d/f"), "user.color", []byte("blue"), 0), "user xattr")
	must(t, unix.Setxattr(j("d"), "user.empty", nil, 0), "user xattr on d")
	must(t, unix.Setxattr(j("d/f"), "security.label", []byte("s0"), 0), "security xattr")
	must(t, unix.Setxattr(j("d/f"), "system.posix_acl_access", acl(65534), 0), "acl")
	must(t, unix.Setxattr(j("d"), "system.posix_acl_default", acl(65534), 0), "default acl")
	fixTimes(t, dir)
}

// fixTimes sets atime and mtime of everything under dir to fixedTime.
func fixTimes(t *testing.T, dir string) {
	t.Helper()
	var paths []string
	must(t, filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	}), "walk")
	sort.Sort(sort.Reverse(sort.StringSlice(paths))) // children before parents
	for _, p := range paths {
		must(t, unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{fixedTime, fixedTime}, unix.AT_SYMLINK_NOFOLLOW), "utimes "+p)
	}
}

func TestCompareBricksIdentical(t *testing.T) {
	requireRoot(t)
	a, b := t.TempDir(), t.TempDir()
	makeBrick(t, a, 1)
	makeBrick(t, b, 7) // other counters, other .mortar: not compared
	diffs, err := cluster.DiffBricks(cluster.DiffOptions{}, a, b)
	must(t, err, "DiffBricks")
	if len(diffs) != 0 {
		t.Errorf("identical trees differ: %v", diffs)
	}
	cluster.CompareBricks(t, a, b)
	tr, err := cluster.ReadTree(a)
	must(t, err, "ReadTree")
	if n := tr.Nodes["d/f"]; n == nil || n.Nlink != 2 || n.GFID != "03030303-0303-0303-0303-030303030303" || n.UID != 1000 {
		t.Errorf("d/f read as %+v", n)
	}
	if _, ok := tr.Nodes[".mortar"]; ok {
		t.Errorf(".mortar was read")
	}
}

// TestCompareBricksDetects: every kind of difference is found, on the
// right path.
func TestCompareBricksDetects(t *testing.T) {
	requireRoot(t)
	type mutation struct {
		name   string
		path   string // where the difference must be reported
		kind   string
		mutate func(t *testing.T, dir string)
		// afterTimes: mutate after the times were reset (it sets times).
		afterTimes bool
	}
	rm := func(p string) func(*testing.T, string) {
		return func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, p)), "remove "+p) }
	}
	xattr := func(p, name string, v []byte) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			must(t, unix.Lsetxattr(filepath.Join(dir, p), name, v, 0), "setxattr "+name)
		}
	}
	cases := []mutation{
		{"missing fifo", "p", "missing", rm("p"), false},
		{"extra file", "extra", "missing", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "extra"), nil, 0o644), "create")
		}, false},
		{"type", "p", "type", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, "p")), "rm")
			must(t, os.WriteFile(filepath.Join(dir, "p"), nil, 0o600), "create")
		}, false},
		{"content same size", "d/f", "content", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "d/f"), []byte("hellO"), 0), "write")
		}, false},
		{"sparse content", "sparse", "content", func(t *testing.T, dir string) {
			f, err := os.OpenFile(filepath.Join(dir, "sparse"), os.O_WRONLY, 0)
			must(t, err, "open")
			_, err = f.WriteAt([]byte{1}, 1<<19)
			must(t, err, "write")
			f.Close()
		}, false},
		{"size", "d/f", "size", func(t *testing.T, dir string) {
			must(t, os.Truncate(filepath.Join(dir, "d/f"), 4), "truncate")
		}, false},
		{"mode", "d/f", "mode", func(t *testing.T, dir string) {
			must(t, unix.Chmod(filepath.Join(dir, "d/f"), 0o4640), "chmod")
		}, false},
		{"dir mode", "d", "mode", func(t *testing.T, dir string) {
			must(t, unix.Chmod(filepath.Join(dir, "d"), 0o1750), "chmod")
		}, false},
		{"uid", "d/f", "owner", func(t *testing.T, dir string) {
			must(t, os.Lchown(filepath.Join(dir, "d/f"), 1002, -1), "chown")
		}, false},
		{"gid of a symlink", "l", "owner", func(t *testing.T, dir string) {
			must(t, os.Lchown(filepath.Join(dir, "l"), -1, 1002), "lchown")
		}, false},
		{"mtime", "d/f", "mtime", func(t *testing.T, dir string) {
			ts := unix.NsecToTimespec(fixedTime.Nano() + 3e9 + 1) // past ReplicaMtimeSlack
			must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dir, "d/f"), []unix.Timespec{fixedTime, ts}, 0), "utimes")
		}, true},
		{"dir mtime", "d", "mtime", func(t *testing.T, dir string) {
			ts := unix.NsecToTimespec(fixedTime.Nano() - 3e9)
			must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dir, "d"), []unix.Timespec{fixedTime, ts}, 0), "utimes")
		}, true},
		{"symlink mtime", "l", "mtime", func(t *testing.T, dir string) {
			ts := unix.NsecToTimespec(fixedTime.Nano() + 5e9)
			must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dir, "l"), []unix.Timespec{fixedTime, ts}, unix.AT_SYMLINK_NOFOLLOW), "lutimes")
		}, true},
		{"symlink target", "l", "symlink", func(t *testing.T, dir string) {
			l := filepath.Join(dir, "l")
			must(t, os.Remove(l), "rm")
			must(t, os.Symlink("d/F", l), "symlink")
			must(t, unix.Lsetxattr(l, cluster.XattrGFID, gfid(4), 0), "gfid")
		}, false},
		{"rdev", "c", "rdev", func(t *testing.T, dir string) {
			c := filepath.Join(dir, "c")
			must(t, os.Remove(c), "rm")
			must(t, unix.Mknod(c, unix.S_IFCHR|0o600, int(unix.Mkdev(1, 5))), "mknod")
			must(t, unix.Lsetxattr(c, cluster.XattrGFID, gfid(6), 0), "gfid")
		}, false},
		{"hard link gone", "d/f", "nlink", rm("d/h"), false},
		{"gfid", "d/f", "gfid", xattr("d/f", cluster.XattrGFID, gfid(0x33)), false},
		{"gfid missing", "p", "gfid", func(t *testing.T, dir string) {
			must(t, unix.Removexattr(filepath.Join(dir, "p"), cluster.XattrGFID), "removexattr")
		}, false},
		{"user xattr value", "d/f", "xattr", xattr("d/f", "user.color", []byte("bluE")), false},
		{"user xattr added", "d", "xattr", xattr("d", "user.more", []byte("x")), false},
		{"user xattr removed", "d", "xattr", func(t *testing.T, dir string) {
			must(t, unix.Removexattr(filepath.Join(dir, "d"), "user.empty"), "removexattr")
		}, false},
		{"security xattr", "d/f", "xattr", xattr("d/f", "security.label", []byte("s1")), false},
		{"acl", "d/f", "xattr", xattr("d/f", "system.posix_acl_access", acl(65533)), false},
		{"default acl", "d", "xattr", xattr("d", "system.posix_acl_default", acl(65533)), false},
		{"other trusted xattr", "sparse", "xattr", xattr("sparse", "trusted.other", []byte("v")), false},
	}
	base := t.TempDir()
	makeBrick(t, base, 1)
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			dir := t.TempDir()
			makeBrick(t, dir, 2)
			if !c.afterTimes {
				c.mutate(t, dir)
			}
			fixTimes(t, dir)
			if c.afterTimes {
				c.mutate(t, dir)
			}
			diffs, err := cluster.DiffBricks(cluster.DiffOptions{}, base, dir)
			must(t, err, "DiffBricks")
			found := false
			for _, d := range diffs {
				found = found || (d.Path == c.path && d.Kind == c.kind)
			}
			if !found {
				t.Errorf("want a %s difference at %s, got %v", c.kind, c.path, diffs)
			}
			// CompareBricks itself must fail: run it on a throwaway T.
			ft := &fakeT{TB: t}
			cluster.CompareBricks(ft, base, dir)
			if !ft.failed {
				t.Errorf("CompareBricks did not fail")
			}
		})
	}
}

// TestCompareArbiter: data left out for the arbiter, but not the names.
func TestCompareArbiter(t *testing.T) {
	requireRoot(t)
	a, b, arb := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b, arb} {
		makeBrick(t, d, 0)
	}
	for _, p := range []string{"d/f", "sparse"} {
		must(t, os.Truncate(filepath.Join(arb, p), 0), "truncate")
	}
	fixTimes(t, arb)
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(arb, "sparse"), []unix.Timespec{fixedTime, {Sec: 5}}, 0), "utimes")
	cluster.CompareArbiter(t, arb, a, b)

	ft := &fakeT{TB: t}
	must(t, os.WriteFile(filepath.Join(arb, "d/f"), []byte("data"), 0), "write")
	fixTimes(t, arb)
	cluster.CompareArbiter(ft, arb, a, b)
	if !ft.failed {
		t.Errorf("CompareArbiter accepted an arbiter holding data")
	}
	ft = &fakeT{TB: t}
	must(t, os.Truncate(filepath.Join(arb, "d/f"), 0), "truncate")
	must(t, os.Chmod(filepath.Join(arb, "d/f"), 0o600), "chmod")
	fixTimes(t, arb)
	cluster.CompareArbiter(ft, arb, a, b)
	if !ft.failed {
		t.Errorf("CompareArbiter accepted another mode on the arbiter")
	}
}

// fakeT records failures (Errorf) instead of failing the test; a fatal
// error (the trees could not be read) fails the real test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.failed = true }

// TestCompareBricksMtimeSlack: DiffBricks without slack sees a
// nanosecond; CompareBricks accepts the skew of bricks' own clocks.
func TestCompareBricksMtimeSlack(t *testing.T) {
	requireRoot(t)
	a, b := t.TempDir(), t.TempDir()
	makeBrick(t, a, 1)
	makeBrick(t, b, 1)
	fixTimes(t, a)
	fixTimes(t, b)
	ts := unix.NsecToTimespec(fixedTime.Nano() + 1e6)
	must(t, unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(b, "d/f"), []unix.Timespec{fixedTime, ts}, 0), "utimes")
	diffs, err := cluster.DiffBricks(cluster.DiffOptions{}, a, b)
	must(t, err, "DiffBricks")
	if len(diffs) == 0 {
		t.Error("exact comparison: no difference for 1 ms of mtime")
	}
	for _, d := range diffs {
		if d.Kind != "mtime" {
			t.Errorf("exact comparison: want only mtime differences (d/f and its hard link d/h), got %v", d)
		}
	}
	ft := &fakeT{TB: t}
	cluster.CompareBricks(ft, a, b)
	if ft.failed {
		t.Errorf("CompareBricks failed on 1 ms of mtime skew")
	}
}
