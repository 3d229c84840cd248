package afr

import (
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/dht"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume/layout"
)

// TestDistributedReplicate: dht over two replica sets of three bricks
// (2 x 3): every file is on the three bricks of one set, directories on
// all six, renames across sets leave linkto files on all three bricks of
// the new name's set, and reads work with a brick of each set down.
func TestDistributedReplicate(t *testing.T) {
	sets := []*cluster{newCluster(t, 3), newCluster(t, 3)}
	vols := []fop.Volume{sets[0].mount(Options{Name: "v-set-0"}), sets[1].mount(Options{Name: "v-set-1"})}
	table := layout.Uniform(2)
	v, err := dht.New(vols, []string{"v-set-0", "v-set-1"}, &table, quiet())
	if err != nil {
		t.Fatal(err)
	}
	d, err := v.Mkdir(bg, fop.RootGfid, "d", newInode(0o755))
	if err != nil {
		t.Fatal(err)
	}
	names := map[int][]string{}
	for k := 0; len(names[0]) < 3 || len(names[1]) < 3; k++ {
		name := fmt.Sprintf("f%d", k)
		set := table.SetOf(d.Gfid, name)
		_, f, err := v.Create(bg, d.Gfid, name, syscall.O_RDWR|syscall.O_EXCL, newInode(0o644))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(bg, []byte(name), 0); err != nil {
			t.Fatal(err)
		}
		_ = f.Release(bg)
		names[set] = append(names[set], name)
	}
	for s, c := range sets {
		for i := range 3 {
			if _, err := os.Stat(c.path(i, "d")); err != nil {
				t.Fatalf("set %d brick %d lacks d: %v", s, i, err)
			}
			for _, n := range names[s] {
				if got, err := c.onDisk(i, "d/"+n); err != nil || got != n {
					t.Fatalf("set %d brick %d: %s holds %q (%v)", s, i, n, got, err)
				}
			}
			for _, n := range names[1-s] {
				if _, err := os.Lstat(c.path(i, "d/"+n)); !os.IsNotExist(err) {
					t.Fatalf("set %d brick %d has %s of the other set", s, i, n)
				}
			}
		}
	}
	// A rename to a name of the other set: a linkto on its three bricks.
	from := names[0][0]
	to := ""
	for k := 0; to == ""; k++ {
		if n := fmt.Sprintf("r%d", k); table.SetOf(d.Gfid, n) == 1 {
			to = n
		}
	}
	if err := v.Rename(bg, d.Gfid, from, d.Gfid, to, 0); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		st, err := os.Stat(sets[1].path(i, "d/"+to))
		if err != nil || st.Mode()&os.ModeSticky == 0 || st.Size() != 0 {
			t.Fatalf("set 1 brick %d: linkto %v, %v", i, st, err)
		}
	}
	vols[0].(*replica).down(0)
	vols[1].(*replica).down(2)
	e, err := v.Lookup(bg, d.Gfid, to)
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Open(bg, e.Gfid, syscall.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	buf := make([]byte, 100)
	if n, err := f.Read(bg, buf, 0); err != nil || string(buf[:n]) != from {
		t.Fatalf("read through the linkto: %q, %v", buf[:n], err)
	}
}
