package client

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// handle is the brick fd behind an open File or Dir. The fd belongs to one
// session; after a reconnect the handle reopens the inode by gfid before
// its next operation.
type handle struct {
	b     *Brick
	gfid  fop.Gfid
	dir   bool
	flags uint32 // open flags for a reopen: no O_CREAT, O_EXCL or O_TRUNC

	// mu guards the fields below.
	mu       sync.Mutex
	fd       uint64
	gen      uint64 // generation of the session fd belongs to
	locked   bool   // a lock was taken through this handle
	released bool
}

// reopenMask are the flags a reopen leaves out: the inode exists, and its
// data must survive.
const reopenMask = syscall.O_CREAT | syscall.O_EXCL | syscall.O_TRUNC

func newHandle(b *Brick, gfid fop.Gfid, dir bool, flags uint32, fd uint64, s *session) *handle {
	return &handle{b: b, gfid: gfid, dir: dir, flags: flags &^ reopenMask, fd: fd, gen: s.gen}
}

// fdFor returns the handle's fd on session s, reopening the inode when the
// fd belongs to an earlier session.
func (h *handle) fdFor(ctx context.Context, s *session) (uint64, error) {
	h.mu.Lock()
	fd, gen, released := h.fd, h.gen, h.released
	h.mu.Unlock()
	switch {
	case released:
		return 0, fmt.Errorf("use after release: %w", syscall.EBADF)
	case gen == s.gen:
		return fd, nil
	}
	fd, err := h.reopen(ctx, s)
	if err != nil {
		return 0, err
	}
	h.mu.Lock()
	if h.gen == s.gen || h.released { // a concurrent reopen won, or a release
		spare, cur, err := fd, h.fd, error(nil)
		if h.released {
			err = fmt.Errorf("use after release: %w", syscall.EBADF)
		}
		h.mu.Unlock()
		if _, rerr := h.b.releaseRPC(ctx, s, h.gfid, h.dir, spare, nil); rerr != nil {
			h.b.log.Debug("release of a spare fd failed", "gfid", h.gfid, "err", rerr)
		}
		return cur, err
	}
	if h.locked {
		h.b.log.Warn("locks held through an open file were lost with its session", "gfid", h.gfid)
		h.locked = false
	}
	h.fd, h.gen = fd, s.gen
	h.mu.Unlock()
	return fd, nil
}

// reopen opens the handle's inode again on session s.
func (h *handle) reopen(ctx context.Context, s *session) (uint64, error) {
	var (
		r   *brickpb.OpenReply
		err error
	)
	if h.dir {
		r, err = h.b.rpc.Opendir(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: h.gfid[:]})
	} else {
		r, err = h.b.rpc.Open(ctx, &brickpb.OpenRequest{Session: s.id, Gfid: h.gfid[:], Flags: h.flags})
	}
	if err != nil {
		return 0, err
	}
	if errno := r.GetErrno(); errno != 0 {
		if errno == int32(syscall.ENOENT) {
			errno = int32(syscall.ESTALE) // the inode went away while we were disconnected
		}
		return 0, fmt.Errorf("reopen after reconnect: %w", replyErr(errno))
	}
	h.b.log.Debug("reopened after reconnect", "gfid", h.gfid, "generation", s.gen)
	return r.GetFd(), nil
}

// release closes the brick fd, unless it died with its session already;
// with end, it ends the eager window too (fop.EndingReleaser). A window
// whose fd died with its session is ended on the current one: its locks
// died too, its post-op did not.
func (h *handle) release(ctx context.Context, end *fop.WindowEnd) error {
	h.mu.Lock()
	fd, gen, released, locked := h.fd, h.gen, h.released, h.locked
	h.released = true
	h.mu.Unlock()
	s := h.b.current()
	if released || s == nil || s.gen != gen {
		if end != nil {
			return h.b.endWindow(ctx, h.gfid, *end)
		}
		return nil
	}
	if !locked && h.carryRelease(s, fd, end) {
		return nil
	}
	errno, err := h.b.once(ctx, s, func(ctx context.Context, s *session) (int32, error) {
		if end != nil && !s.releaseUnlock {
			// An older server: the window's end first, on its own.
			if err := h.b.endWindow(ctx, h.gfid, *end); err != nil {
				h.b.log.Debug("end of an eager window before a release", "gfid", h.gfid, "err", err)
			}
			end = nil
		}
		return h.b.releaseRPC(ctx, s, h.gfid, h.dir, fd, end)
	})
	if err != nil {
		return h.b.opErr("release", h.gfid, convert(ctx, s, err))
	}
	return h.b.opErr("release", h.gfid, replyErr(errno))
}

// carryRelease queues the release of fd (with the end of a window) to
// ride on the next call (carried.go); false when it cannot be. A handle
// that took locks is released at once: its flock locks end with the fd,
// and another may be waiting for them.
func (h *handle) carryRelease(s *session, fd uint64, end *fop.WindowEnd) bool {
	if end != nil && !s.releaseUnlock {
		return false
	}
	req := &brickpb.FdRequest{Session: s.id, Gfid: h.gfid[:], Fd: fd}
	kind := brickpb.CarriedRelease
	if h.dir {
		kind = brickpb.CarriedReleasedir
	}
	var lost func(ctx context.Context)
	if end != nil {
		req.UnlockDomain, req.UnlockOwner, req.PostOp = end.Domain, end.Owner, fromDeltas(end.PostOp)
		e, g := *end, h.gfid
		lost = func(ctx context.Context) {
			if err := h.b.endWindow(ctx, g, e); err != nil {
				h.b.log.Info("the end of an eager window failed after its session ended; the brick stays marked", "gfid", g, "err", err)
			}
		}
	}
	return h.b.carry(s, kind, req, lost)
}

func (h *handle) markLocked() {
	h.mu.Lock()
	h.locked = true
	h.mu.Unlock()
}

// releaseRPC is Release or Releasedir of fd on s.
func (b *Brick) releaseRPC(ctx context.Context, s *session, gfid fop.Gfid, dir bool, fd uint64, end *fop.WindowEnd) (int32, error) {
	req := &brickpb.FdRequest{Session: s.id, Gfid: gfid[:], Fd: fd}
	if end != nil {
		req.UnlockDomain, req.UnlockOwner, req.PostOp = end.Domain, end.Owner, fromDeltas(end.PostOp)
	}
	var (
		r   *brickpb.Reply
		err error
	)
	if dir {
		r, err = b.rpc.Releasedir(ctx, req)
	} else {
		r, err = b.rpc.Release(ctx, req)
	}
	return r.GetErrno(), err
}
