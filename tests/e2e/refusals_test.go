package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

// poolState is what an administrator can see of the pool from one peer:
// `pool list --json` (less the current raft leader, which may move
// without any change of state) and `volume info --json`, as printed.
type poolState struct{ pool, volumes string }

// withoutLeader is the JSON object js less its "leader" field.
func withoutLeader(t *testing.T, js string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("pool list --json: %v\n%s", err, js)
	}
	delete(m, "leader")
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func statesOf(t *testing.T, ds []*cluster.Daemon) []poolState {
	t.Helper()
	states := make([]poolState, len(ds))
	for i, d := range ds {
		states[i] = poolState{
			pool:    withoutLeader(t, d.MustCLI(t, "pool", "list", "--json")),
			volumes: d.MustCLI(t, "volume", "info", "--json"),
		}
	}
	return states
}

// refused runs the command on d and requires exit status 1, the gluster
// style "mortar VERB: failed: ..." on stderr containing want, nothing on
// stdout, and the pool state unchanged on every peer of ds.
func refused(t *testing.T, d *cluster.Daemon, ds []*cluster.Daemon, want string, args ...string) {
	t.Helper()
	before := statesOf(t, ds)
	r := d.CLI(t, args...)
	prefix := "mortar " + strings.Join(args[:2], " ") + ": failed: "
	if r.Code != 1 || !strings.Contains(r.Stderr, prefix) || !strings.Contains(r.Stderr, want) || r.Stdout != "" {
		t.Errorf("mortar %s: %s\nwant exit 1 and %q ... %q", strings.Join(args, " "), r, prefix, want)
	}
	after := statesOf(t, ds)
	for i := range ds {
		if after[i] != before[i] {
			t.Errorf("mortar %s changed the state on %s:\nbefore %+v\nafter  %+v", strings.Join(args, " "), ds[i], before[i], after[i])
		}
	}
}

// TestPoolRefusals asserts every refusal of issue 4 against real daemons
// through the CLI: its message, its exit status, and that no peer's view
// of the pool or its volumes changed (nor any brick directory appeared).
func TestPoolRefusals(t *testing.T) {
	ds := newReplica3(t, "old")
	h1, h3 := ds[0].Host, ds[2].Host
	fresh := func(d *cluster.Daemon, name string) string { return d.BrickPath(name) }
	oldBrick := filepath.Join(ds[0].BrickDir, "old")

	rootfs := filepath.Join(cluster.TempDir(t), "rootfs-brick")
	refused(t, ds[1], ds, "is on the root filesystem",
		"volume", "create", "www", "replica", "3", h1+":"+rootfs, fresh(ds[1], "a"), fresh(ds[2], "a"))
	if _, err := os.Lstat(rootfs); !os.IsNotExist(err) {
		t.Errorf("a refused brick on the root filesystem was created: %v", err)
	}
	refused(t, ds[0], ds, "is inside brick "+h1+":"+oldBrick+" of volume old",
		"volume", "create", "www", "replica", "3", h1+":"+filepath.Join(oldBrick, "sub"), fresh(ds[1], "b"), fresh(ds[2], "b"))
	refused(t, ds[2], ds, "already part of volume old",
		"volume", "create", "www", "replica", "3", h1+":"+oldBrick, fresh(ds[1], "c"), fresh(ds[2], "c"))
	refused(t, ds[0], ds, "number of bricks (2) is not a multiple of replica count (3)",
		"volume", "create", "www", "replica", "3", fresh(ds[0], "d"), fresh(ds[1], "d"))
	refused(t, ds[0], ds, "are on the same peer",
		"volume", "create", "www", "replica", "3", fresh(ds[0], "e1"), fresh(ds[0], "e2"), fresh(ds[1], "e"))
	refused(t, ds[0], ds, "host 127.0.0.254 is not in the pool",
		"volume", "create", "www", "replica", "3", fresh(ds[0], "f"), fresh(ds[1], "f"), "127.0.0.254:/srv/f")
	refused(t, ds[1], ds, "volume old already exists",
		"volume", "create", "old", "replica", "3", fresh(ds[0], "g"), fresh(ds[1], "g"), fresh(ds[2], "g"))
	refused(t, ds[0], ds, "prone to split-brain",
		"volume", "create", "two", "replica", "2", fresh(ds[0], "h"), fresh(ds[1], "h"))
	refused(t, ds[2], ds, "stop it before deleting it", "volume", "delete", "old")
	refused(t, ds[0], ds, "holds bricks of volume old", "peer", "detach", h3)
	for _, d := range ds {
		for _, name := range []string{"a", "b", "c", "d", "e1", "e2", "f", "g", "h"} {
			if _, err := os.Lstat(filepath.Join(d.BrickDir, name)); !os.IsNotExist(err) {
				t.Errorf("%s: brick directory %s of a refused create exists: %v", d, name, err)
			}
		}
	}

	// A daemon of another pool refuses to be probed; neither pool changes.
	other := cluster.StartDaemons(t, 2)
	cluster.FormPool(t, other)
	before := statesOf(t, other)
	refused(t, ds[0], ds, "already part of another pool", "peer", "probe", other[0].Addr())
	if after := statesOf(t, other); after[0] != before[0] || after[1] != before[1] {
		t.Errorf("the other pool changed on a refused probe:\nbefore %+v\nafter  %+v", before, after)
	}

	// What force allows, it does: the pool accepts the same requests.
	ds[0].MustCLI(t, "volume", "create", "forced", "replica", "3", fresh(ds[0], "i1"), fresh(ds[0], "i2"), fresh(ds[1], "i"), "force")
	ds[0].MustCLI(t, "volume", "stop", "old")
	ds[1].MustCLI(t, "volume", "delete", "old")
	for _, d := range ds {
		cluster.WaitFor(t, seenBound, d.String()+" to list forced and not old", func() bool {
			out := d.MustCLI(t, "volume", "list")
			return !strings.Contains(out, "old") && strings.Contains(out, "forced")
		})
	}
}
