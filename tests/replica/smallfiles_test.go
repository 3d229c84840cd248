package replica

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// TestKillBrickDuringSmallFiles runs the small-file workload (5,000 files
// created, with overwrites, renames, unlinks and directory renames among
// them) and kills -9 the third brick a third of the way, restarting it at
// two thirds. The workload must see no error; after heal the tree through
// the mount is exactly the workload's, and the bricks are identical.
func TestKillBrickDuringSmallFiles(t *testing.T) {
	files := 5000
	if testing.Short() {
		files = 500
	}
	const seed = 2
	ops, model := treeOps(files, seed)
	v := startVolume(t, 3, 3, 0)
	mnt := v.Mount(t)
	mustDo(t, "mkdir /tree", opMkdir(mnt+"/tree", 0o755))
	victim := v.Bricks[2]

	const bound = 5 * time.Minute
	w := startChild(t, "small-file workload", job{Tree: &treeJob{Dir: mnt + "/tree", Files: files, Seed: seed}})
	w.waitProgress(int64(len(ops)/3), bound)
	victim.Kill()
	t.Logf("killed brick %s after %d of %d operations", victim.Name, w.progress.Load(), len(ops))
	w.waitProgress(int64(2*len(ops)/3), bound)
	victim.Restart()
	t.Logf("restarted brick %s after %d of %d operations", victim.Name, w.progress.Load(), len(ops))
	res := w.wait(bound).Tree
	if res.Errno != "" {
		t.Fatalf("the workload failed at operation %d (%s): %s", res.Index, res.Op, res.Errno)
	}

	v.HealUntilClean(t, healBound)
	got := runChild(t, "listing /tree", job{Manifest: mnt + "/tree"}, bound).Manifest
	checkTree(t, got, model)
	cluster.Unmount(t, mnt)
	requireIdentical(t, v)
}

// checkTree compares a manifest with the model of the workload: every file
// with its content, the directories, nothing else.
func checkTree(t *testing.T, got map[string]entry, model map[string]fileModel) {
	t.Helper()
	var bad []string
	for p, m := range model {
		want := sha(content(m.Seed, m.Size))
		e, ok := got[p]
		switch {
		case !ok:
			bad = append(bad, p+": missing")
		case e.Type != "file" || e.Size != int64(m.Size) || e.SHA256 != want:
			bad = append(bad, p+": wrong content or type")
		}
	}
	for p, e := range got {
		if _, ok := model[p]; !ok && e.Type != "dir" {
			bad = append(bad, p+": should not exist")
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		if len(bad) > 30 {
			bad = append(bad[:30], "...")
		}
		t.Errorf("the tree through the mount is not the workload's (%d files expected):\n  %s", len(model), strings.Join(bad, "\n  "))
	}
}
