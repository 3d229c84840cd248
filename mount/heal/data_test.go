package heal_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
)

const mib = 1 << 20

func pattern(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// TestDataHeal: a brick that missed writes gets the source's content, size
// and holes; the counters and the dirty index are empty afterwards; a
// second heal does nothing.
func TestDataHeal(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	g := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o644, f.all()...)
	f.write(g, 0, pattern('B', 5*mib), 2) // the stale copy: bigger, data where the source has a hole
	f.write(g, 0, pattern('A', mib), 0, 1)
	f.write(g, 2*mib, pattern('C', mib), 0, 1) // a hole from 1 to 2 MiB
	f.times(g, 1_700_000_000, f.all()...)
	f.settle()
	f.missed(g, afr.Data, 2)

	r := f.heal(g)
	if !slices.Equal(r.Healed, []afr.Kind{afr.Data}) || len(r.SplitBrain) != 0 {
		t.Fatalf("result %+v", r)
	}
	if r.Bytes != 2*mib || f.written[2].Load() != 2*mib {
		t.Errorf("copied %d bytes (%d written), want the 2 MiB that differ", r.Bytes, f.written[2].Load())
	}
	f.equal()
	fd, err := unix.Open(f.path(2, "f"), unix.O_RDONLY, 0)
	f.must(err)
	defer unix.Close(fd)
	if off, err := unix.Seek(fd, mib, unix.SEEK_DATA); err != nil || off != 2*mib {
		t.Errorf("the sink has data in the source's hole: SEEK_DATA(1 MiB) = %d, %v", off, err)
	}

	again := f.heal(g)
	if !again.Clean() || again.Bytes != 0 || f.written[2].Load() != 2*mib {
		t.Errorf("second heal did something: %+v", again)
	}
}

// TestDataChunkSkip: only the chunk that differs is copied.
func TestDataChunkSkip(t *testing.T) {
	f := newFixture(t, 3, heal.Options{ChunkSize: 128 << 10}, false)
	g := f.file(fop.RootGfid, "big", fop.NewGfid(), 0o644, f.all()...)
	data := make([]byte, 8*mib)
	_, _ = rand.Read(data)
	f.write(g, 0, data, f.all()...)
	f.write(g, 3*128<<10+5, []byte("changed!"), 0, 1)
	f.times(g, 1_700_000_000, f.all()...)
	f.settle()
	f.missed(g, afr.Data, 2)

	r := f.heal(g)
	if r.Bytes != 128<<10 || f.written[2].Load() != 128<<10 {
		t.Errorf("copied %d bytes, want one chunk of 128 KiB", r.Bytes)
	}
	f.equal()
	if again := f.heal(g); !again.Clean() || f.written[2].Load() != 128<<10 {
		t.Errorf("second heal: %+v, %d bytes written in all", again, f.written[2].Load())
	}
}

// TestDataHealTwice heals a big file missed entirely, then heals it again
// with its counters set again: the second heal copies nothing, the
// checksums match. 1 GiB; 256 MiB under the race detector (five times
// slower), 64 MiB with -short.
func TestDataHealTwice(t *testing.T) {
	size := int64(1 << 30)
	switch {
	case testing.Short():
		size = 64 * mib
	case raceEnabled:
		size = 256 * mib
	}
	f := newFixture(t, 3, heal.Options{ChunkSize: 1 * mib}, false)
	g := f.file(fop.RootGfid, "huge", fop.NewGfid(), 0o644, f.all()...)
	block := make([]byte, 8*mib)
	_, _ = rand.Read(block)
	for off := int64(0); off < size; off += int64(len(block)) {
		block[0]++ // every block differs
		f.write(g, off, block, 0, 1)
	}
	f.times(g, 1_700_000_000, f.all()...)
	f.settle()
	f.missed(g, afr.Data, 2)
	if r := f.heal(g); r.Bytes != size {
		t.Fatalf("first heal copied %d bytes, want %d", r.Bytes, size)
	}
	f.missed(g, afr.Data, 2)
	r := f.heal(g)
	if r.Bytes != 0 || !slices.Equal(r.Healed, []afr.Kind{afr.Data}) {
		t.Fatalf("second heal: %+v, want the counters cleared and nothing copied", r)
	}
	f.equal()
}

// TestDataHealTruncates: a sink bigger than the source is cut to its size.
func TestDataHealTruncates(t *testing.T) {
	f := newFixture(t, 3, heal.Options{}, false)
	g := f.file(fop.RootGfid, "f", fop.NewGfid(), 0o644, f.all()...)
	f.write(g, 0, []byte("short"), f.all()...)
	f.write(g, 0, []byte("much longer than the source"), 1)
	f.times(g, 1_700_000_000, f.all()...)
	f.settle()
	f.missed(g, afr.Data, 1)
	f.heal(g)
	if got := f.read(1, "f"); string(got) != "short" {
		t.Fatalf("sink holds %q", got)
	}
	f.equal()
	st, err := os.Stat(f.path(1, "f"))
	if err != nil || st.Size() != 5 {
		t.Fatalf("size %v, %v", st, err)
	}
}
