package faulty

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Operation names, as Rule.Ops and Count take them.
const (
	OpLookup      = "lookup"
	OpGetattr     = "getattr"
	OpSetattr     = "setattr"
	OpCreate      = "create"
	OpMkdir       = "mkdir"
	OpMknod       = "mknod"
	OpMknodLinkto = "mknodlinkto"
	OpSymlink     = "symlink"
	OpLink        = "link"
	OpUnlink      = "unlink"
	OpRmdir       = "rmdir"
	OpRename      = "rename"
	OpReadlink    = "readlink"
	OpStatfs      = "statfs"
	OpGetxattr    = "getxattr"
	OpSetxattr    = "setxattr"
	OpListxattr   = "listxattr"
	OpRemovexattr = "removexattr"
	OpOpen        = "open"
	OpOpendir     = "opendir"
	OpRead        = "read"
	OpWrite       = "write"
	OpFlush       = "flush"
	OpFsync       = "fsync"
	OpFallocate   = "fallocate"
	OpLseek       = "lseek"
	OpGetlk       = "getlk"
	OpSetlk       = "setlk"
	OpRelease     = "release"
	OpReaddir     = "readdir"
	OpReleasedir  = "releasedir"
	OpInodelk     = "inodelk"
	OpEntrylk     = "entrylk"
	OpXattrop     = "xattrop"
	OpIndexList   = "indexlist"
	OpRchecksum   = "rchecksum"
)

// Op describes one operation for a Rule's predicate.
type Op struct {
	Name string
	// Gfid is the inode operated on; for entry operations (create, mkdir,
	// unlink, lookup, entrylk, ...) the parent directory.
	Gfid fop.Gfid
	// Entry is the entry name of entry operations (the old name of a rename).
	Entry string
	// Off and Len: the range of a read, write or fallocate.
	Off int64
	Len int
	// Deltas of an xattrop; Cmd and Lock of inodelk, entrylk and setlk.
	Deltas []fop.PendingDelta
	Cmd    int
	Lock   fop.Lock
}

// Rule is one fault. The zero values mean "any" and "always".
type Rule struct {
	// Ops limits the rule to these operations (none: every operation).
	Ops []string
	// Match limits the rule further.
	Match func(Op) bool
	// Skip lets this many matching operations pass before the rule fires.
	Skip int
	// Times: the rule fires at most this many times (0: no limit).
	Times int
	// Prob: the probability that a matching operation fires (0: 1).
	Prob float64

	// Delay delays the operation before anything else.
	Delay time.Duration
	// Hang blocks the operation until its context ends (EINTR) or the
	// rule is released with Unhang (the operation then goes on).
	Hang bool
	// Err is returned instead of running the operation, unless After.
	Err error
	// After runs the operation first, then returns Err: the operation
	// happened but the caller is told it failed (a lost reply).
	After bool
}

// Fault is a Rule injected into a Brick, with its state.
type Fault struct {
	Rule
	fired   atomic.Int64
	seen    int // guarded by the Brick's lock
	unhang  chan struct{}
	release sync.Once
}

// Errno returns an injected error that wraps errno, as a brick's errors do.
func Errno(errno syscall.Errno) error {
	return fmt.Errorf("faulty: injected: %w", errno)
}

// Unhang lets the operations the rule holds, and later ones, go on; the
// rule stops firing.
func (r *Fault) Unhang() {
	r.release.Do(func() { close(r.unhang) })
}

// Fired returns how many times the rule fired.
func (r *Fault) Fired() int { return int(r.fired.Load()) }

// matches reports whether r applies to op. The Brick's lock is held.
func (r *Fault) matches(op Op) bool {
	if len(r.Ops) > 0 && !slices.Contains(r.Ops, op.Name) {
		return false
	}
	if r.Match != nil && !r.Match(op) {
		return false
	}
	select {
	case <-r.unhang:
		return false
	default:
	}
	if r.Times > 0 && r.Fired() >= r.Times {
		return false
	}
	r.seen++
	if r.seen <= r.Skip {
		return false
	}
	if r.Prob > 0 && rand.Float64() >= r.Prob {
		return false
	}
	r.fired.Add(1)
	return true
}

// apply carries out the fault of r around run.
func (r *Fault) apply(ctx context.Context, run func() error) error {
	if r.Delay > 0 {
		t := time.NewTimer(r.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("faulty: delayed call cancelled: %w", syscall.EINTR)
		}
	}
	if r.Hang {
		select {
		case <-r.unhang:
		case <-ctx.Done():
			return fmt.Errorf("faulty: hung call cancelled: %w", syscall.EINTR)
		}
	}
	if r.Err == nil {
		return run()
	}
	if r.After {
		_ = run()
	}
	return r.Err
}
