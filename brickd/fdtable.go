package brickd

import (
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/brickd/internal/posix"
)

// fdTable is a session's table of open files or directories, by the fd
// number given to the client (1, 2, ...; never reused within a session).
type fdTable[T any] struct {
	// mu guards the fields below.
	mu     sync.Mutex
	next   uint64
	m      map[uint64]T
	closed bool
}

// add registers v; it fails (ENOTCONN) once the session has ended.
func (t *fdTable[T]) add(v T) (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, syscall.ENOTCONN
	}
	if t.m == nil {
		t.m = make(map[uint64]T)
	}
	t.next++
	t.m[t.next] = v
	return t.next, nil
}

func (t *fdTable[T]) get(fd uint64) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[fd]
	return v, ok
}

func (t *fdTable[T]) remove(fd uint64) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[fd]
	delete(t.m, fd)
	return v, ok
}

// closeAll empties the table for good and returns what it held.
func (t *fdTable[T]) closeAll() map[uint64]T {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.m
	t.m, t.closed = nil, true
	return m
}

// openFile is a file a session opened. Operations hold mu for reading;
// closing takes it for writing, so it waits for them.
type openFile struct {
	gfid gfid.Gfid
	// mu guards f (nil once closed).
	mu sync.RWMutex
	f  *posix.File
}

// use runs fn with the open file, EBADF once it is closed.
func (o *openFile) use(fn func(*posix.File) error) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.f == nil {
		return syscall.EBADF
	}
	return fn(o.f)
}

// close closes the file once.
func (o *openFile) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}
