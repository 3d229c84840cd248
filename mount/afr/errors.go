package afr

import (
	"errors"
	"fmt"
	"syscall"
)

// errnoOf returns the errno err wraps, or 0.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// unreachable reports whether err says the brick could not be asked (or
// did not answer): the outcome of an operation is then unknown.
func unreachable(err error) bool {
	switch errnoOf(err) {
	case syscall.ENOTCONN, syscall.ETIMEDOUT, syscall.EINTR:
		return true
	}
	return false
}

// failover reports whether a read that failed with err on one brick
// should be tried on the next: the brick is gone, broken, or lacks the
// inode; any other errno is the answer.
func failover(err error) bool {
	switch errnoOf(err) {
	case syscall.ENOTCONN, syscall.ETIMEDOUT, syscall.EIO, syscall.ESTALE, syscall.EBADF:
		return true
	}
	return false
}

// pickErr returns the error to report for the bricks in on that failed:
// the most frequent errno a brick answered, else (every one unreachable)
// the first error. nil when none failed.
func pickErr(errs []error, on []bool) error {
	counts := map[syscall.Errno]int{}
	var first, best error
	bestN := 0
	for i, err := range errs {
		if err == nil || !on[i] {
			continue
		}
		if first == nil {
			first = err
		}
		if unreachable(err) {
			continue
		}
		e := errnoOf(err)
		counts[e]++
		if counts[e] > bestN {
			best, bestN = err, counts[e]
		}
	}
	if best != nil {
		return best
	}
	return first
}

// symmetric reports whether every brick in on failed with the same
// answered errno: the operation changed nothing anywhere, and nobody is
// to be accused.
func symmetric(errs []error, on []bool) bool {
	var e syscall.Errno
	n := 0
	for i, err := range errs {
		if !on[i] {
			continue
		}
		n++
		if err == nil || unreachable(err) {
			return false
		}
		switch {
		case e == 0:
			e = errnoOf(err)
		case errnoOf(err) != e:
			return false
		}
	}
	return n > 0 && e != 0
}

// Errors of the set itself.
var (
	errNoQuorum   = fmt.Errorf("client quorum not met: %w", syscall.EROFS)
	errReadQuorum = fmt.Errorf("client quorum not met for reads (stale-reads off): %w", syscall.ENOTCONN)
	errSplitBrain = fmt.Errorf("split-brain: %w", syscall.EIO)
	errNoSource   = fmt.Errorf("no brick holds a good copy: %w", syscall.ENOTCONN)
	errGfidSplit  = fmt.Errorf("gfid mismatch between bricks: %w", syscall.EIO)
)
