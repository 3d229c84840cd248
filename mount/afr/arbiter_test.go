package afr

import (
	"syscall"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestArbiter: the arbiter gets the names, attributes and changelogs but
// no data; it counts for quorum; it is never read for data or size; a
// write whose only data brick is a stale copy is refused.
func TestArbiter(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0", Arbiter: true})
	e := r.create("f", "data")
	if _, err := r.Setattr(bg, e.Gfid, fop.SetattrIn{Valid: fop.SetMode, Mode: 0o640}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"data", "data", ""} {
		if got, err := c.onDisk(i, "f"); err != nil || got != want {
			t.Fatalf("brick %d holds %q (%v), want %q", i, got, err, want)
		}
	}
	r.health.clear()
	r.resetCounts()
	got, err := r.Getattr(bg, e.Gfid)
	if err != nil || got.Size != 4 || got.Mode&0o777 != 0o640 {
		t.Fatalf("getattr %+v, %v", got.Attr, err)
	}
	if n := r.f[2].Count(faulty.OpGetattr); n != 0 {
		t.Fatal("the arbiter was asked for a file's attributes")
	}
	// One data brick down: the arbiter makes the quorum.
	r.down(1)
	f, err := r.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bg, []byte("DATA"), 0); err != nil {
		t.Fatalf("write with a data brick and the arbiter: %v", err)
	}
	if got, err := r.readAll(e.Gfid); err != nil || got != "DATA" {
		t.Fatalf("read %q, %v", got, err)
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	r.create("h", "made while 1 was down")
	c.waitAccuses([]int{0, 2}, "f", Data, 1)
	// Now the only data brick up is the stale one: no write, no read.
	r.up(1)
	r.down(0)
	f, err = r.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	_, err = f.Write(bg, []byte("lost"), 0)
	wantErrno(t, err, syscall.ENOTCONN)
	_, err = f.Read(bg, make([]byte, 4), 0)
	wantErrno(t, err, syscall.ENOTCONN)
	_, err = r.Getattr(bg, e.Gfid)
	wantErrno(t, err, syscall.ENOTCONN)
	if got, _ := c.onDisk(1, "f"); got != "data" {
		t.Fatalf("the stale brick was written: %q", got)
	}
	// A file only the arbiter has: its size is unknown, no attributes.
	_, err = r.Lookup(bg, fop.RootGfid, "h")
	wantErrno(t, err, syscall.ENOTCONN)
}
