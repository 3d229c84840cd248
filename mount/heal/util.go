package heal

import (
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"syscall"
)

// errGone: no connected brick has the inode (it was removed since it was
// queued or listed).
var errGone = errors.New("no connected brick has the inode")

// isErrno reports whether err wraps one of errnos.
func isErrno(err error, errnos ...syscall.Errno) bool {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return false
	}
	for _, want := range errnos {
		if e == want {
			return true
		}
	}
	return false
}

// slogLevelOf is the level a failed background heal is logged at: the
// expected ones (a brick went away, the inode was removed, a lock was
// busy) are not warnings.
func slogLevelOf(err error) slog.Level {
	if errors.Is(err, errGone) || isErrno(err, syscall.ENOTCONN, syscall.ESTALE, syscall.ENOENT, syscall.EINTR, syscall.ETIMEDOUT) {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// each runs fn(i) for every i of idx in parallel and waits for all.
func each(idx []int, fn func(i int)) {
	var wg sync.WaitGroup
	for _, i := range idx {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}

// indexes returns the i with mask[i] set.
func indexes(mask []bool) []int {
	var out []int
	for i, m := range mask {
		if m {
			out = append(out, i)
		}
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
