package brickd

import (
	"context"
	"errors"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/locks"
	"github.com/mortarfs/mortar/brickd/internal/posix"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// Locks: fcntl and flock (Lk), and replication's inodelk and entrylk.

// maxDomain bounds the length of a lock domain.
const maxDomain = 1024

// parseLock checks a wire lock for cmd.
func parseLock(w *brickpb.Lock, cmd brickpb.LkCmd) (locks.Lock, error) {
	if w == nil || w.GetType() < 0 || w.GetType() > brickpb.LockType_LOCK_UNLOCK || w.GetStart() > w.GetEnd() {
		return locks.Lock{}, syscall.EINVAL
	}
	switch cmd {
	case brickpb.LkCmd_LK_GET:
		if w.GetType() == brickpb.LockType_LOCK_UNLOCK {
			return locks.Lock{}, syscall.EINVAL
		}
	case brickpb.LkCmd_LK_SET, brickpb.LkCmd_LK_SETW:
	default:
		return locks.Lock{}, syscall.EINVAL
	}
	return locks.Lock{Type: locks.Type(w.GetType()), Start: w.GetStart(), End: w.GetEnd(), Pid: w.GetPid()}, nil
}

func wireLock(l locks.Lock) *brickpb.Lock {
	return &brickpb.Lock{Type: brickpb.LockType(l.Type), Start: l.Start, End: l.End, Pid: l.Pid, Owner: l.Owner.ID}
}

// lockRequest runs a range lock request on the table key for the session.
// A blocking inodelk that has to wait tells the holders (contention
// events: they may hold it eagerly).
func (se *session) lockRequest(ctx context.Context, key locks.Key, lk locks.Lock, cmd brickpb.LkCmd) (*brickpb.Lock, error) {
	if cmd == brickpb.LkCmd_LK_GET {
		return wireLock(se.brick.locks.Get(key, lk)), nil
	}
	ctx, cancel := se.bind(ctx)
	defer cancel()
	var contended locks.Contended
	if key.Space == locks.Inode {
		contended = se.contended(key.Gfid, key.Domain)
	}
	err := se.brick.locks.SetContended(ctx, key, lk, cmd == brickpb.LkCmd_LK_SETW, contended)
	se.afterGrant(err)
	return nil, err
}

// afterGrant releases a lock granted to a session that ended meanwhile.
func (se *session) afterGrant(err error) {
	if err == nil && se.ended.Load() {
		se.brick.locks.ReleaseSession(se.id)
	}
}

func (r *rpc) Lk(ctx context.Context, req *brickpb.LkRequest) (*brickpb.LkReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.LkReply {
		var out *brickpb.Lock
		lk, err := parseLock(req.GetLock(), req.GetCmd())
		var key locks.Key
		if err == nil {
			key, lk, err = se.lkTarget(req, lk)
		}
		if err == nil {
			out, err = se.lockRequest(ctx, key, lk, req.GetCmd())
		}
		return &brickpb.LkReply{Errno: se.errno("lk", err), Lock: out}
	})
}

// lkTarget finds the table and owner of an Lk request: flock locks belong
// to the open file, POSIX locks to (session, lock owner). A lock taken
// through an fd needs the matching access mode (EBADF).
func (se *session) lkTarget(req *brickpb.LkRequest, lk locks.Lock) (locks.Key, locks.Lock, error) {
	g, err := se.fdGfid(req.GetFd(), req.GetGfid())
	if err == nil && req.GetFd() == 0 {
		_, err = se.brick.fs.Getattr(g)
	}
	if err == nil && req.GetFd() != 0 && !req.GetFlock() {
		err = se.withFile(req.GetFd(), g, 0, func(f *posix.File) error {
			if (lk.Type == locks.Read && !f.Readable()) || (lk.Type == locks.Write && !f.Writable()) {
				return syscall.EBADF
			}
			return nil
		})
	}
	if err != nil {
		return locks.Key{}, lk, err
	}
	if req.GetFlock() {
		if req.GetFd() == 0 {
			return locks.Key{}, lk, syscall.EBADF
		}
		lk.Start, lk.End = 0, locks.ToEOF
		lk.Owner = locks.Owner{Session: se.id, ID: req.GetFd()}
		return locks.Key{Space: locks.Flock, Gfid: g}, lk, nil
	}
	lk.Owner = locks.Owner{Session: se.id, ID: req.GetLock().GetOwner()}
	return locks.Key{Space: locks.Posix, Gfid: g}, lk, nil
}

func (r *rpc) Inodelk(ctx context.Context, req *brickpb.InodelkRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		var g gfid.Gfid
		lk, err := parseLock(req.GetLock(), req.GetCmd())
		if err == nil {
			g, err = se.lockedInode(req.GetGfid(), req.GetDomain(), lk.Type != locks.Unlock)
		}
		if err == nil && len(req.GetPostOp()) > 0 && lk.Type != locks.Unlock {
			err = syscall.EINVAL // a post-op ends a transaction: unlock only
		}
		if err == nil {
			lk.Owner = locks.Owner{Session: se.id, ID: req.GetLock().GetOwner()}
			err = se.postOpAndLock(ctx, g, req.GetDomain(), lk, req.GetCmd(), req.GetPostOp())
		}
		return &brickpb.Reply{Errno: se.errno("inodelk", err)}
	})
}

// postOpAndLock applies post (a transaction's post-op, with an unlock)
// to g's counters, then makes the inode lock request lk on g in domain.
// The lock request is made even when the post-op fails; the error is
// then the post-op's.
func (se *session) postOpAndLock(ctx context.Context, g gfid.Gfid, domain string, lk locks.Lock, cmd brickpb.LkCmd, post []*brickpb.PendingDelta) error {
	var postErr error
	if len(post) > 0 {
		_, postErr = se.brick.fs.Xattrop(g, parseDeltas(post))
	}
	_, err := se.lockRequest(ctx, locks.Key{Space: locks.Inode, Gfid: g, Domain: domain}, lk, cmd)
	if err == nil {
		err = postErr
	}
	return err
}

// lockedInode checks the gfid and domain of an internal lock; with
// mustExist, the inode must exist. An unlock does not need the inode: a
// lock on an inode removed since it was granted must still be released.
func (se *session) lockedInode(wire []byte, domain string, mustExist bool) (gfid.Gfid, error) {
	g, err := parseGfid(wire)
	if err == nil && (domain == "" || len(domain) > maxDomain) {
		err = syscall.EINVAL
	}
	if err == nil && mustExist {
		_, err = se.brick.fs.Getattr(g)
	}
	return g, err
}

func (r *rpc) Entrylk(ctx context.Context, req *brickpb.EntrylkRequest) (*brickpb.Reply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.Reply {
		name := string(req.GetName())
		p, err := se.lockedInode(req.GetParent(), req.GetDomain(), req.GetType() != brickpb.LockType_LOCK_UNLOCK)
		if err == nil && name != "" {
			err = posix.ValidateName(name)
		}
		typ, cmd := req.GetType(), req.GetCmd()
		if err == nil && (typ < 0 || typ > brickpb.LockType_LOCK_UNLOCK || (cmd != brickpb.LkCmd_LK_SET && cmd != brickpb.LkCmd_LK_SETW)) {
			err = syscall.EINVAL
		}
		if err == nil {
			ctx, cancel := se.bind(ctx)
			defer cancel()
			err = se.setEntry(ctx, p, name, req.GetDomain(), locks.Type(typ), req.GetOwner(), cmd == brickpb.LkCmd_LK_SETW)
		}
		return &brickpb.Reply{Errno: se.errno("entrylk", err)}
	})
}

// entryTryLock takes the session's entry lock on (parent, name) in
// domain for owner without waiting. busy (with EAGAIN) says another
// holds it.
func (se *session) entryTryLock(parent gfid.Gfid, name, domain string, owner uint64) (busy bool, err error) {
	if len(domain) > maxDomain {
		return false, syscall.EINVAL
	}
	if err := posix.ValidateName(name); err != nil {
		return false, err
	}
	err = se.setEntry(context.Background(), parent, name, domain, locks.Write, owner, false)
	return errors.Is(err, syscall.EAGAIN), err
}

// entryUnlock releases the session's entry lock on (parent, name) in
// domain for owner, and reports whether it could.
func (se *session) entryUnlock(parent gfid.Gfid, name, domain string, owner uint64) bool {
	if len(domain) > maxDomain {
		return false
	}
	return se.setEntry(context.Background(), parent, name, domain, locks.Unlock, owner, false) == nil
}

// setEntry makes the session's entry lock request typ on (parent, name)
// in domain for owner, waiting if wait; a lock granted to a session that
// ended meanwhile is dropped (afterGrant).
func (se *session) setEntry(ctx context.Context, parent gfid.Gfid, name, domain string, typ locks.Type, owner uint64, wait bool) error {
	el := locks.EntryLock{Name: name, Type: typ, Owner: locks.Owner{Session: se.id, ID: owner}}
	err := se.brick.locks.SetEntry(ctx, locks.Key{Space: locks.Entry, Gfid: parent, Domain: domain}, el, wait)
	se.afterGrant(err)
	return err
}

func (r *rpc) Xattrop(_ context.Context, req *brickpb.XattropRequest) (*brickpb.XattropReply, error) {
	return call(r, req.GetSession(), func(se *session) *brickpb.XattropReply {
		var out []posix.Pending
		g, err := parseGfid(req.GetGfid())
		if err == nil {
			out, err = se.brick.fs.Xattrop(g, parseDeltas(req.GetDeltas()))
		}
		rep := &brickpb.XattropReply{Errno: se.errno("xattrop", err)}
		if err == nil {
			rep.Pending = wirePending(out)
		}
		return rep
	})
}

// parseDeltas converts changelog deltas from the wire; Xattrop checks
// their brick ids.
func parseDeltas(wire []*brickpb.PendingDelta) []posix.PendingDelta {
	deltas := make([]posix.PendingDelta, 0, len(wire))
	for _, d := range wire {
		deltas = append(deltas, posix.PendingDelta{BrickID: d.GetBrickId(), Data: d.GetData(), Metadata: d.GetMetadata(), Entry: d.GetEntry()})
	}
	return deltas
}
