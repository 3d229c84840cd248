package cluster_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestPendingAndDirty(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, ".mortar/index/dirty"), 0o755), "mkdir")
	must(t, os.WriteFile(filepath.Join(dir, ".mortar/brick.json"), []byte(`{"brick_id":"id-1","volume_id":"v"}`), 0o644), "brick.json")
	f := filepath.Join(dir, "f")
	must(t, os.WriteFile(f, nil, 0o644), "create")
	must(t, unix.Setxattr(f, cluster.XattrGFID, gfid(0xab), 0), "gfid")
	must(t, unix.Setxattr(f, cluster.XattrPendingPrefix+"id-2", []byte{0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}, 0), "pending")
	must(t, unix.Setxattr(f, cluster.XattrPendingPrefix+"id-3", make([]byte, 12), 0), "pending")
	must(t, os.WriteFile(filepath.Join(dir, ".mortar/index/dirty", "abababab-abab-abab-abab-abababababab"), nil, 0o600), "dirty")

	if id, err := cluster.BrickID(dir); err != nil || id != "id-1" {
		t.Errorf("BrickID = %q, %v", id, err)
	}
	m, err := cluster.Pending(f)
	must(t, err, "Pending")
	if want := (cluster.Counters{Data: 1, Metadata: 256, Entry: 65536}); m["id-2"] != want || len(m) != 2 || !m["id-3"].Zero() {
		t.Errorf("Pending = %v, want id-2 %v and id-3 zero", m, want)
	}
	d, err := cluster.Dirty(dir)
	must(t, err, "Dirty")
	if len(d) != 1 || d[0] != "abababab-abab-abab-abab-abababababab" {
		t.Errorf("Dirty = %v", d)
	}
	pt, err := cluster.PendingTree(dir)
	must(t, err, "PendingTree")
	if len(pt) != 1 || pt[0].Path != "f" || pt[0].GFID != "abababab-abab-abab-abab-abababababab" || len(pt[0].Counters) != 1 {
		t.Errorf("PendingTree = %v", pt)
	}
	ft := &fakeT{TB: t}
	cluster.RequireClean(ft, dir)
	if !ft.failed {
		t.Errorf("RequireClean accepted a dirty brick")
	}

	must(t, unix.Setxattr(f, cluster.XattrPendingPrefix+"id-2", make([]byte, 12), 0), "pending")
	must(t, os.Remove(filepath.Join(dir, ".mortar/index/dirty", d[0])), "undirty")
	cluster.RequireClean(t, dir)

	must(t, unix.Setxattr(f, cluster.XattrPendingPrefix+"id-4", []byte{1, 2, 3}, 0), "pending")
	if _, err := cluster.Pending(f); err == nil {
		t.Errorf("Pending accepted a 3-byte counter")
	}
}
