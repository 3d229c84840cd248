package afr

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
)

// TestEagerLockOneRPCPerWrite: 100 sequential writes on one open file
// cost one write RPC per brick each (none on the arbiter), plus a
// constant: one lock and one pre-op; the post-op and the unlock ride on
// the release.
func TestEagerLockOneRPCPerWrite(t *testing.T) {
	for _, arbiter := range []bool{false, true} {
		t.Run(fmt.Sprintf("arbiter=%v", arbiter), func(t *testing.T) {
			c := newCluster(t, 3)
			r := c.mount(Options{Name: "s0", Arbiter: arbiter})
			e := r.create("f", "")
			f, err := r.Open(bg, e.Gfid, syscall.O_WRONLY)
			if err != nil {
				t.Fatal(err)
			}
			r.resetCounts()
			chunk := bytes.Repeat([]byte("x"), 4096)
			for k := range 100 {
				if _, err := f.Write(bg, chunk, int64(k*len(chunk))); err != nil {
					t.Fatal(err)
				}
			}
			writes := r.counts(faulty.OpWrite)
			for i, n := range r.counts(faulty.OpInodelk, faulty.OpXattrop, faulty.OpEntrylk, faulty.OpOpen) {
				if n > 2 {
					t.Errorf("brick %d: %d lock, changelog and open RPCs for 100 writes", i, n)
				}
			}
			if err := f.Release(bg); err != nil {
				t.Fatal(err)
			}
			r.settle()
			for i, n := range writes {
				want := 100
				if arbiter && i == 2 {
					want = 0
				}
				if n != want {
					t.Errorf("brick %d: %d write RPCs, want %d", i, n, want)
				}
			}
			for i, n := range r.counts(faulty.OpInodelk, faulty.OpXattrop) {
				if n != 2 {
					t.Errorf("brick %d: %d lock and changelog RPCs in all, want 2", i, n)
				}
			}
			for i, n := range r.counts(faulty.OpRelease) {
				if n != 1 {
					t.Errorf("brick %d: %d release RPCs, want 1", i, n)
				}
			}
			c.waitAccuses([]int{0, 1, 2}, "f", Data)
			if arbiter {
				if data, _ := c.onDisk(2, "f"); data != "" {
					t.Fatalf("the arbiter holds %d bytes", len(data))
				}
			}
		})
	}
}

// TestContentionReleasesEagerLock: a second client writing the same file
// gets the data lock long before the first client's post-op delay ends.
func TestContentionReleasesEagerLock(t *testing.T) {
	c := newCluster(t, 3)
	const delay = 30 * time.Second
	a := c.mount(Options{Name: "s0", PostOpDelay: delay})
	b := c.mount(Options{Name: "s0", PostOpDelay: delay})
	e := a.create("f", "")
	fa, err := a.Open(bg, e.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer fa.Release(bg)
	fb, err := b.Open(bg, e.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Release(bg)
	for round := range 3 {
		start := time.Now()
		if _, err := fa.Write(bg, []byte("a"), int64(round)); err != nil {
			t.Fatal(err)
		}
		if _, err := fb.Write(bg, []byte("b"), int64(round)); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("round %d: the second writer waited %v (post-op delay %v)", round, took, delay)
		}
	}
	if err := fb.Fsync(bg, false); err != nil {
		t.Fatal(err)
	}
	c.waitAccuses([]int{0, 1, 2}, "f", Data)
	for i := range 3 {
		if data, _ := c.onDisk(i, "f"); data != "bbb" {
			t.Fatalf("brick %d holds %q", i, data)
		}
	}
}

// TestWriteFailsMidStream: a brick that fails one write of a stream is
// accused at the post-op; the application sees no error, and reads stay
// away from that brick.
func TestWriteFailsMidStream(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	e := r.create("f", "")
	f, err := r.Open(bg, e.Gfid, syscall.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	r.f[2].Inject(faulty.Rule{Ops: []string{faulty.OpWrite}, Skip: 10, Times: 1, Err: faulty.Errno(syscall.EIO)})
	for k := range 30 {
		if _, err := f.Write(bg, []byte{byte('a' + k%26)}, int64(k)); err != nil {
			t.Fatalf("write %d: %v", k, err)
		}
	}
	if err := f.Release(bg); err != nil {
		t.Fatal(err)
	}
	c.waitAccuses([]int{0, 1, 2}, "f", Data, 2)
	want, _ := c.onDisk(0, "f")
	if got, _ := c.onDisk(2, "f"); got == want {
		t.Fatal("brick 2 holds every write")
	}
	r.health.clear()
	r.f[0].SetDown(true)
	defer r.f[0].SetDown(false)
	if got, err := r.readAll(e.Gfid); err != nil || got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
	if n := r.f[2].Count(faulty.OpRead); n != 0 {
		t.Fatalf("%d reads went to the accused brick", n)
	}
}

// TestDiskFull: ENOSPC on one brick of three is the brick's problem (it
// is accused, the application succeeds); on two, the application gets
// ENOSPC.
func TestDiskFull(t *testing.T) {
	c := newCluster(t, 3)
	r := c.mount(Options{Name: "s0"})
	e := r.create("f", "")
	f, err := r.Open(bg, e.Gfid, syscall.O_WRONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Release(bg)
	full := faulty.Rule{Ops: []string{faulty.OpWrite}, Err: faulty.Errno(syscall.ENOSPC)}
	f2 := r.f[2].Inject(full)
	if _, err := f.Write(bg, []byte("one"), 0); err != nil {
		t.Fatalf("ENOSPC on one brick: %v", err)
	}
	c.waitAccuses([]int{0, 1}, "f", Data, 2)
	f1 := r.f[1].Inject(full)
	_, err = f.Write(bg, []byte("two"), 3)
	wantErrno(t, err, syscall.ENOSPC)
	r.f[1].Remove(f1)
	r.f[2].Remove(f2)
	if data, _ := c.onDisk(0, "f"); data != "onetwo" {
		t.Fatalf("brick 0 holds %q", data)
	}
	// Failing alike on every brick accuses nobody new.
	everywhere := []*faulty.Fault{}
	for _, fb := range r.f {
		everywhere = append(everywhere, fb.Inject(full))
	}
	_, err = f.Write(bg, []byte("three"), 6)
	wantErrno(t, err, syscall.ENOSPC)
	for i, fb := range r.f {
		fb.Remove(everywhere[i])
	}
	c.waitAccuses([]int{0}, "f", Data, 1, 2)
	_ = fop.Gfid{}
}
