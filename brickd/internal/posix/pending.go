package posix

import (
	"encoding/binary"
	"errors"
	"math"
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
	for _, d := range deltas {
		if cur, err = b.applyDelta(in, cur, d); err != nil {
			return nil, err
		}
	}
	return cur, b.updateDirty(g, cur)
}

// applyDelta adds d to its counter in cur and writes that counter.
func (b *Brick) applyDelta(in *Inode, cur []Pending, d PendingDelta) ([]Pending, error) {
	i := sort.Search(len(cur), func(i int) bool { return cur[i].BrickID >= d.BrickID })
	if i == len(cur) || cur[i].BrickID != d.BrickID {
		cur = append(cur, Pending{})
		copy(cur[i+1:], cur[i:])
		cur[i] = Pending{BrickID: d.BrickID}
	}
	p := &cur[i]
	var c1, c2, c3 bool
	p.Data, c1 = addClamped(p.Data, d.Data)
	p.Metadata, c2 = addClamped(p.Metadata, d.Metadata)
	p.Entry, c3 = addClamped(p.Entry, d.Entry)
	if c1 || c2 || c3 {
		b.log.Warn("changelog counter out of range, clamped", "brick", b.path, "gfid", in.Gfid, "for", d.BrickID)
	}
	return cur, in.setxattr(xattrPending+d.BrickID, p.encode(), 0)
}

// updateDirty keeps .mortar/index/dirty/<gfid> in step with the counters:
// present while any is non-zero.
func (b *Brick) updateDirty(g gfid.Gfid, cur []Pending) error {
	for _, p := range cur {
		if !p.zero() {
			fd, err := openat(b.dirty, g.String(), unix.O_CREAT|unix.O_WRONLY|unix.O_NOFOLLOW, 0o600)
			if err != nil {
				return err
			}
			closeFd(fd)
			return nil
		}
	}
	return b.dropDirty(g)
}

// dropDirty removes the dirty index entry of g, if any.
func (b *Brick) dropDirty(g gfid.Gfid) error {
	err := unlinkat(b.dirty, g.String(), 0)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	return err
}

// Dirty lists the gfids of the dirty index.
func (b *Brick) Dirty() ([]gfid.Gfid, error) {
	names, err := readNames(b.dirty)
	if err != nil {
		return nil, err
	}
	var out []gfid.Gfid
	for _, n := range names {
		if g, err := gfid.Parse(n); err == nil {
			out = append(out, g)
		}
	}
	return out, nil
}
