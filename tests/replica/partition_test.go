package replica

import (
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

// TestPartition cuts a client off from 2 of the 3 bricks of its set (their
// proxies blackholed: nothing answers, nothing is closed). Without quorum,
// writes fail with EROFS or ENOTCONN within seconds, and so do reads
// unless the mount opted into stale reads; the brick the client still
// reaches is left exactly as it was (no change, no accusation). When the
// partition ends, the client serves again by itself within seconds.
func TestPartition(t *testing.T) {
	t.Run("default", func(t *testing.T) { testPartition(t, false) })
	t.Run("stale-reads", func(t *testing.T) { testPartition(t, true) })
}

func testPartition(t *testing.T, staleReads bool) {
	v := startVolume(t, 3, 3, 0)
	// The files exist before this client mounts, so that nothing of them
	// is in its kernel caches: every read goes to the bricks.
	m0 := v.Mount(t)
	mustDo(t, "preparing", opWrite(m0+"/f", []byte("before")), opWrite(m0+"/r", []byte("read me")), opMkdir(m0+"/d", 0o755))
	cluster.Unmount(t, m0)
	cluster.RequireClean(t, v.Dirs()...)

	proxies := cluster.ProxiesFor(t, v.Bricks)
	var opts []string
	if staleReads {
		opts = append(opts, "stale-reads")
	}
	mnt := v.MountThrough(t, proxies, opts...)
	mustDo(t, "stat before the partition", opStat(mnt+"/d"))
	lone := v.Bricks[0]
	before, err := cluster.ReadTree(lone.Dir)
	if err != nil {
		t.Fatal(err)
	}

	proxies[1].Blackhole()
	proxies[2].Blackhole()
	t.Logf("client cut off from %s and %s", v.Bricks[1].Name, v.Bricks[2].Name)
	noQuorum := []string{"EROFS", "ENOTCONN"}
	for _, c := range []struct {
		what string
		o    op
	}{
		{"overwrite /f", opWrite(mnt+"/f", []byte("after"))},
		{"create /g", opWrite(mnt+"/g", []byte("new"))},
		{"mkdir /d2", opMkdir(mnt+"/d2", 0o755)},
		{"chmod /d", opChmod(mnt+"/d", 0o700)},
		{"rename /f", opRename(mnt+"/f", mnt+"/f2")},
		{"setxattr /d", opSetxattr(mnt+"/d", "user.x", []byte("y"))},
	} {
		wantErrno(t, c.what+" with 1 of 3 bricks", doBounded(t, c.what, c.o), noQuorum...)
	}
	r := doBounded(t, "read /r", opRead(mnt+"/r"))
	if staleReads {
		if r.Errno != "" || string(r.Data) != "read me" {
			t.Errorf("read /r with 1 of 3 bricks and stale-reads: %v, %q; want the content", r, clip(r.Data))
		}
	} else {
		wantErrno(t, "read /r with 1 of 3 bricks (no stale-reads)", r, noQuorum...)
	}

	// Nothing diverged: the lone brick is as it was, and accuses nobody.
	after, err := cluster.ReadTree(lone.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if diffs := cluster.DiffTrees(before, after, cluster.DiffOptions{}); len(diffs) > 0 {
		t.Errorf("the brick the client still reached (%s) changed without quorum: %v", lone.Name, diffs)
	}
	cluster.RequireClean(t, lone.Dir)

	proxies[1].Pass()
	proxies[2].Pass()
	var last opResult
	cluster.WaitFor(t, resumeBound, "writes through the mount to work again after the partition ended", func() bool {
		last = doBounded(t, "overwrite /f after the partition", opWrite(mnt+"/f", []byte("resumed")))
		return last.Errno == ""
	})
	got := mustDo(t, "after the partition", opRead(mnt+"/f"), opRead(mnt+"/r"), opMkdir(mnt+"/d3", 0o755))
	if string(got[0].Data) != "resumed" || string(got[1].Data) != "read me" {
		t.Errorf("after the partition: /f %q, /r %q", got[0].Data, got[1].Data)
	}
	settle(t, v, mnt)
}
