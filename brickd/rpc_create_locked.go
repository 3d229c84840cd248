package brickd

import (
	"context"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// createLocked is create for a request that also asks for the lock and
// pre-op of the new inode's first transaction. The lock is taken on the
// requested gfid before the name exists, so no other client can get in
// between; when the call does not make the file (it existed, or failed)
// the lock is given back and nothing is marked.
func (se *session) createLocked(p gfid.Gfid, name string, flags int, n posix.NewInode, req *brickpb.CreateRequest) (a posix.Attr, fd uint64, locked, made bool, err error) {
	domain := req.GetLockDomain()
	if len(domain) > maxDomain {
		return posix.Attr{}, 0, false, false, syscall.EINVAL
	}
	deltas := parseDeltas(req.GetPending())
	key := locks.Key{Space: locks.Inode, Gfid: n.Gfid, Domain: domain}
	lk := locks.Lock{Type: locks.Write, End: locks.ToEOF, Owner: locks.Owner{Session: se.id, ID: req.GetLockOwner()}}
	if err := se.brick.locks.Set(context.Background(), key, lk, false); err != nil {
		// Somebody holds a lock on a gfid nobody should know yet.
		return posix.Attr{}, 0, false, false, err
	}
	se.afterGrant(nil)
	giveBack := func() {
		lk.Type = locks.Unlock
		_ = se.brick.locks.Set(context.Background(), key, lk, false)
	}
	a, fd, made, err = se.create(p, name, flags, n)
	if err != nil || !made {
		giveBack()
		return a, fd, false, made, err
	}
	if len(deltas) > 0 {
		if err := se.withFile(fd, n.Gfid, 0, func(f *posix.File) error { return f.MarkNew(deltas) }); err != nil {
			// The file is made and open: report it without the lock, and
			// let the client take the lock and mark the usual way.
			se.brick.log.Warn("cannot mark a new file", "brick", se.brick.name, "gfid", n.Gfid, "err", err)
			giveBack()
			return a, fd, false, true, nil
		}
	}
	return a, fd, true, true, nil
}
