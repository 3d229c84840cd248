package fusefs

import (
	"sync/atomic"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// timeouts are the kernel's cache lifetimes of the mount: they may change
// while it is mounted (a volume option changed by `volume set`). go-fuse's
// bridge only knows fixed lifetimes, so fsOptions gives it none and every
// reply that carries one gets it here: rawFS for LOOKUP (with negative
// entries), CREATE, MKNOD, MKDIR, SYMLINK, LINK, GETATTR and SETATTR, the
// directory handle for READDIRPLUS entries.
type timeouts struct {
	entry, attr, negative atomic.Int64 // nanoseconds
}

func (t *timeouts) set(entry, attr, negative time.Duration) {
	t.entry.Store(int64(max(entry, 0)))
	t.attr.Store(int64(max(attr, 0)))
	t.negative.Store(int64(max(negative, 0)))
}

// entryOut sets the lifetimes of a name and its attributes.
func (t *timeouts) entryOut(out *fuse.EntryOut) {
	out.SetEntryTimeout(time.Duration(t.entry.Load()))
	out.SetAttrTimeout(time.Duration(t.attr.Load()))
}

// attrOut sets the lifetime of attributes.
func (t *timeouts) attrOut(out *fuse.AttrOut) {
	out.SetTimeout(time.Duration(t.attr.Load()))
}

// negativeOut turns a failed lookup into a cached negative entry (a reply
// without a node id), when negative entries are cached at all.
func (t *timeouts) negativeOut(out *fuse.EntryOut) bool {
	d := time.Duration(t.negative.Load())
	if d <= 0 {
		return false
	}
	*out = fuse.EntryOut{}
	out.SetEntryTimeout(d)
	return true
}

// Live holds what may change on a mounted volume.
type Live struct{ m *mount }

// SetTimeouts changes the kernel's cache lifetimes for names, attributes
// and failed lookups; replies from now on carry them (what the kernel
// cached before keeps its old lifetime).
func (l *Live) SetTimeouts(entry, attr, negative time.Duration) {
	l.m.timeouts.set(entry, attr, negative)
}
