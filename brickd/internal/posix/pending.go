package posix

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// Pending is one changelog xattr, trusted.mortar.pending.<brick-id>: three
// big-endian uint32 counters.
type Pending struct {
	BrickID               string
	Data, Metadata, Entry uint32
}

// PendingDelta is added to a Pending by Xattrop.
type PendingDelta struct {
	BrickID               string
	Data, Metadata, Entry int32
}

func (p Pending) zero() bool { return p.Data == 0 && p.Metadata == 0 && p.Entry == 0 }

func (p Pending) encode() []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint32(b[0:], p.Data)
	binary.BigEndian.PutUint32(b[4:], p.Metadata)
	binary.BigEndian.PutUint32(b[8:], p.Entry)
	return b
}

// validBrickID checks a brick id used in an xattr name.
func validBrickID(id string) bool {
	return id != "" && len(id) <= 128 && !strings.ContainsAny(id, "\x00/")
}

// readPending reads every changelog xattr of the inode of r, sorted by
// brick id. Malformed values are skipped.
func readPending(r ref) ([]Pending, error) {
	names, err := r.listxattr()
	if err != nil {
		return nil, err
	}
	var out []Pending
	for _, n := range names {
		id, ok := strings.CutPrefix(n, xattrPending)
		if !ok {
			continue
		}
		v, err := r.getxattr(n)
		if errors.Is(err, unix.ENODATA) || (err == nil && len(v) != 12) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Pending{BrickID: id,
			Data:     binary.BigEndian.Uint32(v[0:]),
			Metadata: binary.BigEndian.Uint32(v[4:]),
			Entry:    binary.BigEndian.Uint32(v[8:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BrickID < out[j].BrickID })
	return out, nil
}

// addClamped adds d to u, clamping to the range of a uint32.
func addClamped(u uint32, d int32) (uint32, bool) {
	v := int64(u) + int64(d)
	if v < 0 {
		return 0, true
	}
	if v > math.MaxUint32 {
		return math.MaxUint32, true
	}
	return uint32(v), false
}

// Xattrop adds deltas to the changelog counters of g atomically (one
// operation at a time per gfid), maintains the dirty index entry of g,
// and returns every counter after the change. A counter never goes below
// zero (an underflow is clamped and logged).
func (b *Brick) Xattrop(g gfid.Gfid, deltas []PendingDelta) ([]Pending, error) {
	for _, d := range deltas {
		if !validBrickID(d.BrickID) {
			return nil, unix.EINVAL
		}
	}
	in, err := b.Resolve(g)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	unlock := b.inodes.lock(g)
	defer unlock()
	// The inode may have lost its last name between Resolve and the lock:
	// its dirty index entry is gone with it and must not come back.
	if st, err := in.stat(); err != nil {
		return nil, err
	} else if st.Nlink == 0 {
		return nil, unix.ESTALE
	}
	cur, err := readPending(in.ref)
	if err != nil {
		return nil, err
	}
	// The index entry is made before a counter becomes non-zero and
	// removed after the last one is zero: after a crash the index names
	// every inode with marks, perhaps a few more.
	next, clamped := addDeltas(cur, deltas)
	if clamped {
		b.log.Warn("changelog counter out of range, clamped", "brick", b.path, "gfid", g)
	}
	dirty := anyNonZero(next)
	if dirty {
		if err := b.markDirty(g); err != nil {
			return nil, fmt.Errorf("dirty index: %w", err)
		}
	}
	for _, d := range deltas {
		if err := in.setxattr(xattrPending+d.BrickID, counterOf(next, d.BrickID).encode(), 0); err != nil {
			return nil, err
		}
	}
	if dirty {
		return next, nil
	}
	return next, b.dropDirty(g)
}

// addDeltas returns the counters cur has after deltas (cur is left
// alone), sorted by brick id, and whether some result was clamped.
func addDeltas(cur []Pending, deltas []PendingDelta) ([]Pending, bool) {
	next := append(make([]Pending, 0, len(cur)+len(deltas)), cur...)
	clamped := false
	for _, d := range deltas {
		i := sort.Search(len(next), func(i int) bool { return next[i].BrickID >= d.BrickID })
		if i == len(next) || next[i].BrickID != d.BrickID {
			next = slices.Insert(next, i, Pending{BrickID: d.BrickID})
		}
		p := &next[i]
		var c1, c2, c3 bool
		p.Data, c1 = addClamped(p.Data, d.Data)
		p.Metadata, c2 = addClamped(p.Metadata, d.Metadata)
		p.Entry, c3 = addClamped(p.Entry, d.Entry)
		clamped = clamped || c1 || c2 || c3
	}
	return next, clamped
}

// counterOf returns the counters of brick id in cur (sorted by brick id).
func counterOf(cur []Pending, id string) Pending {
	i := sort.Search(len(cur), func(i int) bool { return cur[i].BrickID >= id })
	if i < len(cur) && cur[i].BrickID == id {
		return cur[i]
	}
	return Pending{BrickID: id}
}

// anyNonZero reports whether some counter of cur is non-zero.
func anyNonZero(cur []Pending) bool {
	for _, p := range cur {
		if !p.zero() {
			return true
		}
	}
	return false
}

// MarkNew adds deltas to the changelog counters of a file this brick
// just made and f opened — all zero, so they are not read first — and
// makes its dirty index entry: the pre-op of the file's first
// transaction, with the fd at hand.
func (f *File) MarkNew(deltas []PendingDelta) error {
	for _, d := range deltas {
		if !validBrickID(d.BrickID) {
			return unix.EINVAL
		}
	}
	unlock := f.b.inodes.lock(f.Gfid)
	defer unlock()
	next, _ := addDeltas(nil, deltas)
	if anyNonZero(next) {
		if err := f.b.markDirty(f.Gfid); err != nil {
			return fmt.Errorf("dirty index: %w", err)
		}
	}
	r := fdRef(f.fd)
	for _, d := range deltas {
		if err := r.setxattr(xattrPending+d.BrickID, counterOf(next, d.BrickID).encode(), 0); err != nil {
			return err
		}
	}
	return nil
}
