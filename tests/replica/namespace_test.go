package replica

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

// TestBrickDownDuringNamespaceOps takes one brick of a replica-3 set down
// (the first, then in another run the last), makes every kind of entry and
// metadata change through the mount, brings the brick back and heals: the
// replicas must be identical and hold every change (heal must not undo one
// by taking the returning brick for a source).
func TestBrickDownDuringNamespaceOps(t *testing.T) {
	for _, victim := range []int{0, 2} {
		t.Run("down_b"+string(rune('1'+victim)), func(t *testing.T) {
			testNamespaceOps(t, victim)
		})
	}
}

var (
	t1 = time.Date(2001, 2, 3, 4, 5, 6, 7, time.UTC)
	t2 = time.Date(2010, 1, 1, 0, 0, 0, 999999999, time.UTC)
	t3 = time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func testNamespaceOps(t *testing.T, victimIdx int) {
	v := startVolume(t, 3, 3, 0)
	mnt := v.Mount(t)
	p := func(rel string) string { return mnt + "/ns/" + rel }
	prepare := []op{
		opMkdir(mnt+"/ns", 0o755),
		opMkdir(p("keep"), 0o755), opWrite(p("keep/x"), []byte("xxxxxxxx")),
		opMkdir(p("rmme"), 0o755),
		opMkdir(p("mvdir"), 0o755), opWrite(p("mvdir/a"), []byte("a")),
		opMkdir(p("mvdir/sub"), 0o755), opWrite(p("mvdir/sub/b"), []byte("b")),
		opSymlink("f1", p("oldlink")), opMkfifo(p("fifo"), 0o644),
	}
	for _, n := range []string{"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"} {
		prepare = append(prepare, opWrite(p(n), []byte(n)))
	}
	prepare = append(prepare, opSetxattr(p("f5"), "user.old", []byte("old")), opSetxattr(p("f6"), "user.gone", []byte("replaced")))
	mustDo(t, "preparing /ns", prepare...)

	victim := v.Bricks[victimIdx]
	victim.Kill()
	mustDo(t, "changes with brick "+victim.Name+" down",
		opMkdir(p("newdir"), 0o750), opMkdir(p("newdir/sub"), 0o700),
		opWrite(p("newdir/sub/file"), []byte("new file")),
		opCreate(p("newdir/empty"), 0o640),
		opRmdir(p("rmme")),
		opUnlink(p("f2")),
		opRename(p("f3"), p("f3-renamed")),
		opRename(p("f4"), p("keep/f4")),
		opRename(p("mvdir"), p("keep/mvdir")),
		opRename(p("f5"), p("f6")),
		opLink(p("f1"), p("keep/f1-link")),
		opSymlink("keep/x", p("newlink")),
		opUnlink(p("oldlink")), opSymlink("f7", p("oldlink")),
		opUnlink(p("f8")), opMkdir(p("f8"), 0o755),
		opUnlink(p("fifo")), opMkfifo(p("newfifo"), 0o640),
		opLchown(p("f7"), 1234, 5678), opLchown(p("newlink"), 42, 43),
		opSetxattr(p("f7"), "system.posix_acl_access", aclValue(65534)),
		opSetxattr(p("newdir"), "system.posix_acl_default", aclValue(65534)),
		opChmod(p("f1"), 0o600), opChmod(p("keep"), 0o700), opChmod(p("f7"), 0o4755),
		opTruncate(p("keep/x"), 3), opTruncate(p("f7"), 100000),
		opSetxattr(p("f1"), "user.a", []byte("va")), opSetxattr(p("keep"), "user.dir", []byte("vd")),
		opRemovexattr(p("f6"), "user.old"),
		opUtimes(p("f3-renamed"), t1), opUtimes(p("keep/x"), t2), opUtimes(p("newdir"), t3),
	)
	victim.Restart()
	settle(t, v, mnt)

	// Every change is on the brick that missed it.
	b := func(rel string) string { return onBrick(victim, "ns/"+rel) }
	for _, gone := range []string{"rmme", "f2", "f3", "f4", "mvdir", "f5", "fifo"} {
		if _, err := os.Lstat(b(gone)); !os.IsNotExist(err) {
			t.Errorf("brick %s: ns/%s still there after heal (%v): a removal was undone", victim.Name, gone, err)
		}
	}
	for rel, want := range map[string]string{
		"f3-renamed": "f3", "keep/f4": "f4", "f6": "f5", "keep/mvdir/a": "a", "keep/mvdir/sub/b": "b",
		"newdir/sub/file": "new file", "keep/x": "xxx", "keep/f1-link": "f1",
	} {
		if got, err := os.ReadFile(b(rel)); err != nil || string(got) != want {
			t.Errorf("brick %s: ns/%s holds %q (%v), want %q", victim.Name, rel, got, err, want)
		}
	}
	checkStat(t, victim, "ns/newdir", unix.S_IFDIR|0o750, 0, 0, t3)
	checkStat(t, victim, "ns/newdir/sub", unix.S_IFDIR|0o700, 0, 0, time.Time{})
	checkStat(t, victim, "ns/keep", unix.S_IFDIR|0o700, 0, 0, time.Time{})
	checkStat(t, victim, "ns/f8", unix.S_IFDIR|0o755, 0, 0, time.Time{})
	checkStat(t, victim, "ns/f1", unix.S_IFREG|0o600, 0, 0, time.Time{})
	checkStat(t, victim, "ns/f7", unix.S_IFREG|0o4755, 1234, 5678, time.Time{})
	checkStat(t, victim, "ns/newlink", unix.S_IFLNK|0o777, 42, 43, time.Time{})
	checkStat(t, victim, "ns/newfifo", unix.S_IFIFO|0o640, 0, 0, time.Time{})
	checkStat(t, victim, "ns/newdir/empty", unix.S_IFREG|0o640, 0, 0, time.Time{})
	checkStat(t, victim, "ns/f3-renamed", unix.S_IFREG|0o644, 0, 0, t1)
	checkStat(t, victim, "ns/keep/x", unix.S_IFREG|0o644, 0, 0, t2)
	for link, target := range map[string]string{"newlink": "keep/x", "oldlink": "f7"} {
		if got, err := os.Readlink(b(link)); err != nil || got != target {
			t.Errorf("brick %s: ns/%s points to %q (%v), want %q", victim.Name, link, got, err, target)
		}
	}
	if g1, g2 := gfidOf(t, b("f1")), gfidOf(t, b("keep/f1-link")); g1 != g2 {
		t.Errorf("brick %s: ns/f1 (%s) and its hard link keep/f1-link (%s) are different inodes", victim.Name, g1, g2)
	}
	checkXattr(t, victim, "ns/f1", "user.a", "va")
	checkXattr(t, victim, "ns/keep", "user.dir", "vd")
	checkXattr(t, victim, "ns/f6", "user.old", "")
	checkXattr(t, victim, "ns/f6", "user.gone", "")
	if got, _ := xattr(b("f7"), "system.posix_acl_access"); !bytes.Contains(got, []byte{0x02, 0x00, 0x04, 0x00, 0xfe, 0xff, 0x00, 0x00}) {
		t.Errorf("brick %s: ns/f7 lacks the ACL entry for uid 65534: %x", victim.Name, got)
	}
	if got, _ := xattr(b("newdir"), "system.posix_acl_default"); len(got) == 0 {
		t.Errorf("brick %s: ns/newdir lacks its default ACL", victim.Name)
	}
}

// aclValue is a system.posix_acl_* value: owner rw, uid read, group r,
// mask r, other r.
func aclValue(uid uint32) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, uint32(2))
	for _, e := range []struct {
		tag, perm uint16
		id        uint32
	}{{0x01, 6, 0xffffffff}, {0x02, 4, uid}, {0x04, 4, 0xffffffff}, {0x10, 4, 0xffffffff}, {0x20, 4, 0xffffffff}} {
		_ = binary.Write(&b, binary.LittleEndian, e)
	}
	return b.Bytes()
}

// checkStat checks type and mode, owner, and mtime (unless zero) of the
// volume path rel on brick b.
func checkStat(t *testing.T, b *cluster.Brick, rel string, mode, uid, gid uint32, mtime time.Time) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(onBrick(b, rel), &st); err != nil {
		t.Errorf("brick %s: %s: %v", b.Name, rel, err)
		return
	}
	if st.Mode != mode || st.Uid != uid || st.Gid != gid {
		t.Errorf("brick %s: %s has mode %o owner %d:%d, want mode %o owner %d:%d", b.Name, rel, st.Mode, st.Uid, st.Gid, mode, uid, gid)
	}
	if !mtime.IsZero() && st.Mtim.Nano() != mtime.UnixNano() {
		t.Errorf("brick %s: %s has mtime %v, want %v", b.Name, rel, time.Unix(0, st.Mtim.Nano()).UTC(), mtime)
	}
}

func xattr(path, name string) ([]byte, error) {
	buf := make([]byte, 64<<10)
	n, err := unix.Lgetxattr(path, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// checkXattr: want "" means the attribute must be absent.
func checkXattr(t *testing.T, b *cluster.Brick, rel, name, want string) {
	t.Helper()
	got, err := xattr(onBrick(b, rel), name)
	switch {
	case want == "" && err != unix.ENODATA:
		t.Errorf("brick %s: %s has %s = %q (%v), want none", b.Name, rel, name, got, err)
	case want != "" && (err != nil || string(got) != want):
		t.Errorf("brick %s: %s has %s = %q (%v), want %q", b.Name, rel, name, got, err, want)
	}
}

func gfidOf(t *testing.T, path string) string {
	t.Helper()
	g, err := cluster.GFID(path)
	if err != nil {
		t.Error(err)
	}
	return g
}
