package replica

import (
	"slices"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

// Sizes of the disk-full test: bricks of 64 MiB, a file of 128 MiB.
const (
	smallBrick = 64 << 20
	bigFile    = 128 << 20
)

// TestDiskFull fills the disk of some bricks of a replica-3 set with one
// write. With one full brick quorum holds: the application's write
// succeeds, the full brick is accused by the two others (counters and
// dirty index) and they hold the whole file. With two full bricks quorum
// cannot be kept: the application gets ENOSPC. In both cases the files
// written before are intact everywhere, and once the big file is removed
// heal makes the replicas identical.
func TestDiskFull(t *testing.T) {
	t.Run("one_full_brick", func(t *testing.T) { testDiskFull(t, 1) })
	t.Run("two_full_bricks", func(t *testing.T) { testDiskFull(t, 2) })
}

func testDiskFull(t *testing.T, small int) {
	cluster.RequireFUSE(t)
	var bricks []*cluster.Brick
	for i := 1; i <= 3; i++ {
		name := "b" + string(rune('0'+i))
		if i > 3-small {
			bricks = append(bricks, cluster.StartBrickOnTmpfs(t, name, smallBrick))
		} else {
			bricks = append(bricks, cluster.StartBrick(t, name))
		}
	}
	v := cluster.NewVolume(t, bricks, 3, 0)
	mnt := v.Mount(t)
	keep := []byte("written before the disk filled up")
	mustDo(t, "writing /keep", opWrite(mnt+"/keep", keep))

	const seed = 4
	res := runChild(t, "writing /big", job{Write: &writeJob{Path: mnt + "/big", Size: bigFile, Seed: seed}}, writeBound).Write
	want := streamSHA(seed, bigFile)
	full := bricks[3-small:]
	if small == 1 {
		if res.Errno != "" {
			t.Fatalf("writing 128 MiB with one of three bricks full: %s at %s after %d bytes; want success (quorum holds)", res.Errno, res.Stage, res.Written)
		}
		for _, b := range bricks[:2] {
			if got, err := hashFile(onBrick(b, "big")); err != nil || got != want {
				t.Errorf("brick %s: big has sha256 %.12s (%v), want the whole file %.12s", b.Name, got, err, want)
			}
		}
		requireAccused(t, bricks[:2], full[0], "big")
		got := runChild(t, "reading /big", job{Manifest: mnt}, writeBound).Manifest["big"]
		if got.Size != bigFile || got.SHA256 != want {
			t.Errorf("reading /big through the mount: %d bytes, sha256 %.12s; want %d, %.12s", got.Size, got.SHA256, bigFile, want)
		}
		mustDo(t, "writing after the disk filled up", opWrite(mnt+"/later", []byte("quorum still holds")))
	} else if res.Errno != "ENOSPC" {
		t.Errorf("writing 128 MiB with two of three bricks full: %q at %s after %d bytes; want ENOSPC", res.Errno, res.Stage, res.Written)
	}

	got := mustDo(t, "reading /keep", opRead(mnt+"/keep"))
	if string(got[0].Data) != string(keep) {
		t.Errorf("/keep reads %q after the disk filled up, want %q", got[0].Data, keep)
	}
	for _, b := range bricks {
		if got, err := hashFile(onBrick(b, "keep")); err != nil || got != sha(keep) {
			t.Errorf("brick %s: keep damaged (%v)", b.Name, err)
		}
	}
	mustDo(t, "removing /big", opUnlink(mnt+"/big"))
	settle(t, v, mnt)
}

// requireAccused waits (bounded: the post-op may follow the close) until
// every brick of by accuses brick b for the volume path rel, with the
// inode in their dirty index.
func requireAccused(t *testing.T, by []*cluster.Brick, b *cluster.Brick, rel string) {
	t.Helper()
	id := b.ID()
	var why string
	if !waitCond(stallBound, func() bool {
		for _, a := range by {
			m, err := cluster.Pending(onBrick(a, rel))
			if err != nil {
				why = err.Error()
				return false
			}
			if m[id].Data == 0 {
				why = "brick " + a.Name + " has " + fmtCounters(m)
				return false
			}
			g, err := cluster.GFID(onBrick(a, rel))
			if err != nil {
				why = err.Error()
				return false
			}
			dirty, _ := cluster.Dirty(a.Dir)
			if !slices.Contains(dirty, g) {
				why = "brick " + a.Name + "'s dirty index lacks " + g
				return false
			}
		}
		return true
	}) {
		t.Errorf("brick %s is not accused for /%s (a write failed there): %s", b.Name, rel, why)
	}
}
