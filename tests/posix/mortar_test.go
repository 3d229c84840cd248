package posix

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

// TestMortarInternals checks what is mortar's own, beyond POSIX, on a
// 3-brick distributed mount: clients never see nor forge internal state,
// inode numbers come from the gfid (stable across remounts), statfs sums
// the bricks.
func TestMortarInternals(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	mnt := cluster.Mount(t, bricks, 1)

	must(t, unix.Mkdir(j(mnt, "dir"), 0o755), "mkdir")
	var files []string
	for i := 0; i < 30; i++ {
		p := j(mnt, "dir", fmt.Sprintf("f%d", i))
		writeFile(t, p, []byte(p))
		files = append(files, p)
	}

	t.Run("internal_xattrs_hidden", func(t *testing.T) {
		for _, p := range append([]string{mnt, j(mnt, "dir")}, files...) {
			for _, name := range listxattr(t, p) {
				if strings.HasPrefix(name, "trusted.mortar") {
					t.Errorf("listxattr(%s) shows the internal %q", p, name)
				}
			}
			for _, name := range []string{"trusted.mortar.gfid", "trusted.mortar.linkto"} {
				_, err := getxattr(p, name)
				wantErr(t, err, op("getxattr", p, name), unix.ENODATA)
			}
		}
	})

	t.Run("internal_xattrs_unforgeable", func(t *testing.T) {
		p := files[0]
		brickFile := onBrick(t, bricks, "dir/f0")
		gfid, err := getxattr(brickFile, "trusted.mortar.gfid")
		if err != nil {
			t.Fatalf("the brick's copy has no trusted.mortar.gfid: %v", err)
		}
		forged := bytes.Repeat([]byte{0xee}, 16)
		for _, name := range []string{"trusted.mortar.gfid", "trusted.mortar.linkto", "trusted.mortar.pending.b1"} {
			if err := unix.Lsetxattr(p, name, forged, 0); err == nil {
				t.Errorf("setxattr(%s, %s) through the mount succeeded: clients must not set internal xattrs", short(p), name)
			}
			if err := unix.Lremovexattr(p, name); err == nil {
				t.Errorf("removexattr(%s, %s) through the mount succeeded", short(p), name)
			}
		}
		if got, _ := getxattr(brickFile, "trusted.mortar.gfid"); !bytes.Equal(got, gfid) {
			t.Errorf("the brick's gfid changed from %x to %x after the client's attempts", gfid, got)
		}
		wantContent(t, p, []byte(p))
	})

	t.Run("internal_dir_hidden", func(t *testing.T) {
		ents, err := os.ReadDir(mnt)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.Name() != "dir" {
				t.Errorf("the mount's root lists %q", e.Name())
			}
		}
		wantErr(t, lstatErr(j(mnt, ".mortar")), op("lstat", "/.mortar"), unix.ENOENT)
		if err := unix.Mkdir(j(mnt, ".mortar"), 0o755); err == nil {
			// Allowed only if it is an ordinary directory of the volume
			// that leaves the bricks' own .mortar alone.
			for _, b := range bricks {
				if _, err := os.Stat(filepath.Join(b.Dir, ".mortar", "brick.json")); err != nil {
					t.Errorf("brick %s lost .mortar/brick.json after mkdir /.mortar through the mount: %v", b.Name, err)
				}
			}
			unix.Rmdir(j(mnt, ".mortar"))
		}
	})

	t.Run("statfs_sums_bricks", func(t *testing.T) {
		var m, local unix.Statfs_t
		must(t, unix.Statfs(mnt, &m), "statfs of the mount")
		total := uint64(0)
		for _, b := range bricks {
			must(t, unix.Statfs(b.Dir, &local), "statfs of a brick")
			total += local.Blocks * uint64(local.Frsize)
		}
		got := m.Blocks * uint64(m.Frsize)
		if got < total*98/100 || got > total*102/100 {
			t.Errorf("statfs of the mount: %d bytes in all, want the sum over its 3 bricks, %d", got, total)
		}
	})

	t.Run("inode_numbers_stable", func(t *testing.T) {
		inos := map[string]uint64{}
		for _, p := range append([]string{j(mnt, "dir")}, files...) {
			inos[strings.TrimPrefix(p, mnt)] = lstat(t, p).Ino
		}
		cluster.Unmount(t, mnt)
		mnt2 := cluster.Mount(t, bricks, 1)
		for rel, ino := range inos {
			if got := lstat(t, mnt2+rel).Ino; got != ino {
				t.Errorf("%s: st_ino %d after a remount, was %d", rel, got, ino)
			}
		}
	})
}

// onBrick returns the path of the brick's copy of the volume path rel, on
// the one brick that holds it.
func onBrick(t *testing.T, bricks []*cluster.Brick, rel string) string {
	t.Helper()
	var found []string
	for _, b := range bricks {
		p := filepath.Join(b.Dir, rel)
		if err := lstatErr(p); err == nil {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s is on %d bricks, want 1: %v", rel, len(found), found)
	}
	return found[0]
}

// TestMortarReplica3 runs the suite on a replica-3 mount (one set of three
// bricks); afterwards nothing may be left to heal and the replicas must be
// identical.
func TestMortarReplica3(t *testing.T) {
	runReplicated(t, 3, 3)
}

// TestMortarDistRep runs the suite on a distributed-replicate mount, two
// sets of three bricks (2 x 3), with the same check of the replicas.
func TestMortarDistRep(t *testing.T) {
	runReplicated(t, 6, 3)
}

func runReplicated(t *testing.T, bricks, replica int) {
	cluster.RequireFUSE(t)
	v := cluster.NewVolume(t, cluster.StartBricks(t, bricks), replica, 0)
	mnt := v.Mount(t)
	runSuite(t, mnt)
	t.Run("replicas_identical", func(t *testing.T) {
		cluster.Unmount(t, mnt)
		cluster.RequireClean(t, v.Dirs()...)
		for _, dirs := range v.SetDirs() {
			cluster.CompareBricks(t, dirs...)
		}
	})
}
