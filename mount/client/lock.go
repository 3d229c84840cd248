package client

import (
	"context"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Application locks (fcntl, flock) through an open file, and the internal
// locks and changelog counters replication builds its transactions from.
// All of them belong to the session: when it ends, the server releases
// them, and they are not taken again after a reconnect.

// Getlk returns the first lock that conflicts with lk, or lk with Type
// LockUnlock when there is none.
func (f *file) Getlk(ctx context.Context, lk fop.Lock) (fop.Lock, error) {
	var out fop.Lock
	err := f.fdCall(ctx, "getlk", func(ctx context.Context, s *session, fd uint64) (int32, error) {
		r, err := f.h.b.rpc.Lk(ctx, &brickpb.LkRequest{
			Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Cmd: brickpb.LkCmd_LK_GET, Lock: fromLock(lk), Flock: lk.Flock,
		})
		out = toLock(r.GetLock(), lk.Flock)
		if out.Type == fop.LockUnlock {
			out = lk
			out.Type = fop.LockUnlock
		}
		return r.GetErrno(), err
	})
	return out, err
}

// Setlk takes or releases lk; with wait it blocks until the lock is granted
// or ctx ends (EINTR).
func (f *file) Setlk(ctx context.Context, lk fop.Lock, wait bool) error {
	cmd := brickpb.LkCmd_LK_SET
	if wait {
		cmd = brickpb.LkCmd_LK_SETW
		ctx = interruptible(ctx)
	}
	err := f.fdCall(ctx, "setlk", func(ctx context.Context, s *session, fd uint64) (int32, error) {
		if !lk.Flock && lk.Type != fop.LockUnlock {
			f.h.b.posix.add(s.gen, f.h.gfid)
		}
		r, err := f.h.b.rpc.Lk(ctx, &brickpb.LkRequest{
			Session: s.id, Gfid: f.h.gfid[:], Fd: fd, Cmd: cmd, Lock: fromLock(lk), Flock: lk.Flock,
		})
		return r.GetErrno(), err
	})
	if err == nil && lk.Type != fop.LockUnlock {
		f.h.markLocked()
	}
	return err
}

// Inodelk takes, tests or releases an internal lock on the inode in domain.
func (b *Brick) Inodelk(ctx context.Context, gfid fop.Gfid, domain string, cmd int, lk fop.Lock) error {
	if cmd == fop.LkSetw {
		ctx = interruptible(ctx)
	}
	return b.call(ctx, "inodelk", gfid, func(ctx context.Context, s *session) (int32, error) {
		req := &brickpb.InodelkRequest{
			Session: s.id, Gfid: gfid[:], Domain: domain, Cmd: brickpb.LkCmd(cmd), Lock: fromLock(lk),
		}
		var postErrno int32
		if len(lk.PostOp) > 0 {
			if !s.postOp {
				// An older server: the post-op first, as its own call.
				r, err := b.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: s.id, Gfid: gfid[:], Deltas: fromDeltas(lk.PostOp)})
				if err != nil {
					return 0, err
				}
				postErrno = r.GetErrno()
			} else {
				req.PostOp = fromDeltas(lk.PostOp)
			}
		}
		r, err := b.rpc.Inodelk(ctx, req)
		if r.GetErrno() == 0 {
			return postErrno, err
		}
		return r.GetErrno(), err
	})
}

// endWindow ends an eager window of g on its own: the post-op and the
// unlock in one Inodelk.
func (b *Brick) endWindow(ctx context.Context, g fop.Gfid, end fop.WindowEnd) error {
	return b.Inodelk(ctx, g, end.Domain, fop.LkSet, fop.Lock{Type: fop.LockUnlock, End: fop.LockToEOF, Owner: end.Owner, PostOp: end.PostOp})
}

// Entrylk takes or releases an internal lock on the entry (parent, name),
// or on the whole directory when name is empty.
func (b *Brick) Entrylk(ctx context.Context, parent fop.Gfid, name, domain string, cmd, typ int, owner uint64) error {
	if cmd == fop.LkSetw {
		ctx = interruptible(ctx)
	}
	return b.call(ctx, "entrylk", entryName{parent, name}, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Domain: domain,
			Cmd: brickpb.LkCmd(cmd), Type: brickpb.LockType(typ), Owner: owner,
		})
		return r.GetErrno(), err
	})
}

// EntryUnlockLater releases the entry lock (parent, name) of owner in
// domain with the next call to the brick, at most Options.CarryDelay from
// now (carried.go); at once when it cannot wait. For the end of a
// transaction, which nobody waits for.
func (b *Brick) EntryUnlockLater(ctx context.Context, parent fop.Gfid, name, domain string, owner uint64) error {
	if s := b.current(); s != nil {
		req := &brickpb.EntrylkRequest{
			Session: s.id, Parent: parent[:], Name: []byte(name), Domain: domain,
			Cmd: brickpb.LkCmd_LK_SET, Type: brickpb.LockType_LOCK_UNLOCK, Owner: owner,
		}
		if b.carry(s, brickpb.CarriedEntryUnlock, req, nil) {
			return nil
		}
	}
	return b.Entrylk(ctx, parent, name, domain, fop.LkSet, fop.LockUnlock, owner)
}

// Xattrop adds deltas to the inode's changelog counters atomically and
// returns all of its counters afterwards.
func (b *Brick) Xattrop(ctx context.Context, gfid fop.Gfid, deltas []fop.PendingDelta) ([]fop.Pending, error) {
	var out []fop.Pending
	err := b.call(ctx, "xattrop", gfid, func(ctx context.Context, s *session) (int32, error) {
		r, err := b.rpc.Xattrop(ctx, &brickpb.XattropRequest{Session: s.id, Gfid: gfid[:], Deltas: fromDeltas(deltas)})
		out = toPending(r.GetPending())
		return r.GetErrno(), err
	})
	return out, err
}
