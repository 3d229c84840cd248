package heal

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// The heal takes the locks of the afr transactions (afr.DataDomain,
// afr.MetadataDomain, afr.EntryDomain) so that a heal and a transaction on
// the same inode never overlap: an inodelk over the whole file for data
// and metadata, an entrylk over the whole directory (which conflicts with
// the transactions' locks on single names) for entries.

// unlockTimeout bounds the release of a lock, which runs even when the
// heal's context has ended.
const unlockTimeout = 10 * time.Second

// lockSet is one internal lock of one inode, held on the bricks that
// granted it: an inodelk over the whole file in the data or metadata
// domain, or an entrylk over the whole directory.
type lockSet struct {
	e     *Engine
	gfid  fop.Gfid
	kind  afr.Kind
	owner uint64
	held  []bool
}

// lock takes the lock of kind on g on every connected brick, one after the
// other in set order (as the transactions do, so that two lockers cannot
// deadlock), waiting at most LockTimeout for each. A brick that is down or
// does not have the inode is left out; any other failure releases what was
// taken and is returned.
func (e *Engine) lock(ctx context.Context, g fop.Gfid, kind afr.Kind) (*lockSet, error) {
	l := &lockSet{e: e, gfid: g, kind: kind, owner: newOwner(), held: make([]bool, len(e.bricks()))}
	for i, b := range e.bricks() {
		if !b.Connected() || b.ID() == "" {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, e.opts.LockTimeout)
		err := l.request(lctx, b, fop.LkSetw, fop.LockWrite)
		cancel()
		switch {
		case err == nil:
			l.held[i] = true
		case absent(err):
			e.log.Debug("brick takes no part in the heal", "brick", b.Name(), "gfid", g, "kind", kind, "err", err)
		default:
			l.unlock(ctx)
			return nil, e.brickErr(i, fmt.Sprintf("%s lock of %s", kind, g), err)
		}
	}
	return l, nil
}

// request sends one lock or unlock request of l to b.
func (l *lockSet) request(ctx context.Context, b fop.Brick, cmd, typ int) error {
	switch l.kind {
	case afr.Entry:
		return b.Entrylk(ctx, l.gfid, "", afr.EntryDomain, cmd, typ, l.owner)
	case afr.Data:
		return b.Inodelk(ctx, l.gfid, afr.DataDomain, cmd, wholeFile(typ, l.owner))
	default:
		return b.Inodelk(ctx, l.gfid, afr.MetadataDomain, cmd, wholeFile(typ, l.owner))
	}
}

func wholeFile(typ int, owner uint64) fop.Lock {
	return fop.Lock{Type: typ, Start: 0, End: fop.LockToEOF, Owner: owner}
}

// unlock releases the lock on every brick that holds it, in reverse order,
// even when ctx has ended.
func (l *lockSet) unlock(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
	defer cancel()
	for i := len(l.held) - 1; i >= 0; i-- {
		if !l.held[i] {
			continue
		}
		l.held[i] = false
		b := l.e.bricks()[i]
		if err := l.request(ctx, b, fop.LkSet, fop.LockUnlock); err != nil {
			// The brick releases it when our session ends.
			l.e.log.Warn("cannot release a heal lock", "brick", b.Name(), "gfid", l.gfid, "kind", l.kind, "err", err)
		}
	}
}

// newOwner returns a lock owner of its own for one heal, so that two heals
// of one engine (one session per brick) exclude each other.
func newOwner() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("heal: no randomness for a lock owner: %v", err))
	}
	return binary.BigEndian.Uint64(b[:]) | 1<<63
}

// absent reports an error that means the brick cannot take part: it is
// down, or it does not have the inode.
func absent(err error) bool {
	return isErrno(err, syscall.ENOTCONN, syscall.ESTALE, syscall.ENOENT)
}
