package afr

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/mortarfs/mortar/mount/fop"
)

// Set is one replica set: N bricks presented as one fop.Volume.
type Set struct {
	name    string
	kids    []fop.Brick
	arbiter int // index of the arbiter child, -1 without one
	opts    Options
	quorum  quorum
	log     *slog.Logger

	sink     atomic.Pointer[func(fop.Event)]
	health   *healthCache
	parents  *parentAttrs
	known    *knownDirs
	eager    *eagerTable
	ids      *idBook
	busy     busyTable
	owners   atomic.Uint64 // lock owners of this client's transactions
	bg       background
	closeErr error
	closed   sync.Once
}

var _ fop.Volume = (*Set)(nil)

// New returns the replica set over children (in volfile order; with
// opts.Arbiter the last one is the arbiter). It takes over the children's
// Watch sinks: lock-contention events stay in the set, the others go to
// the sink given to the set's Watch.
func New(children []fop.Brick, opts Options) (*Set, error) {
	if len(children) == 0 {
		return nil, errors.New("afr: a replica set needs bricks")
	}
	opts, err := opts.withDefaults(len(children))
	if err != nil {
		return nil, fmt.Errorf("afr: set %s: %w", opts.Name, err)
	}
	s := &Set{
		name:    opts.Name,
		kids:    append([]fop.Brick(nil), children...),
		arbiter: -1,
		opts:    opts,
		quorum:  quorum{kind: opts.QuorumType, count: opts.QuorumCount, n: len(children)},
		log:     opts.Logger.With("layer", "afr", "set", opts.Name),
		health:  newHealthCache(defaultHealthCacheSize),
		parents: newParentAttrs(),
		known:   newKnownDirs(),
	}
	if opts.Arbiter {
		s.arbiter = len(children) - 1
	}
	s.eager = newEagerTable(s)
	s.ids = newIDBook(s)
	// Owners start at random, below 2^63: the heal engine's are above.
	s.owners.Store(fop.NewGfid().Ino() >> 2)
	for i, k := range s.kids {
		k.Watch(func(ev fop.Event) { s.onEvent(i, ev) })
	}
	return s, nil
}

// Children returns the set's bricks in order.
func (s *Set) Children() []fop.Brick { return append([]fop.Brick(nil), s.kids...) }

// Name is the set's name.
func (s *Set) Name() string { return s.name }

// FavoriteChildPolicy is the automatic split-brain policy for the heal engine.
func (s *Set) FavoriteChildPolicy() string { return s.opts.FavoriteChildPolicy }

// Watch sets the sink of change notifications (other clients' changes).
func (s *Set) Watch(fn func(fop.Event)) { s.sink.Store(&fn) }

// onEvent handles an event from child i: lock contention is for the eager
// locks; the others invalidate what the set knows and go up.
func (s *Set) onEvent(_ int, ev fop.Event) {
	switch ev.Kind {
	case fop.EventLockContention:
		if ev.Domain == DataDomain {
			s.eager.contended(ev.Gfid)
		}
		return
	case fop.EventOverflow:
		s.health.clear()
		s.parents.clear()
		s.known.clear()
		s.eager.contendedAll() // contention events may have been lost
	case fop.EventInode:
		s.health.forget(ev.Gfid)
		s.parents.changed(ev.Gfid)
	case fop.EventEntry:
		s.health.forget(ev.Parent)
		s.parents.changed(ev.Parent)
		s.known.forget(ev.Parent)
	}
	if fn := s.sink.Load(); fn != nil {
		(*fn)(ev)
	}
}

// Close releases the eager locks (post-op and unlock), waits for the
// background post-ops, then closes every child.
func (s *Set) Close() error {
	s.closed.Do(func() {
		s.bg.stop()
		s.eager.releaseAll()
		s.bg.wait()
		var errs []error
		for _, k := range s.kids {
			errs = append(errs, k.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// connected returns which children have a live session now.
func (s *Set) connected() []bool {
	up := make([]bool, len(s.kids))
	for i, k := range s.kids {
		up[i] = k.Connected()
	}
	return up
}

// each runs fn(i) for every i with on[i], in parallel, and returns the
// errors by child index (nil where fn succeeded or was not run).
func (s *Set) each(on []bool, fn func(i int) error) []error {
	errs := make([]error, len(s.kids))
	var wg sync.WaitGroup
	last := -1
	for i := range s.kids {
		if !on[i] {
			continue
		}
		if last >= 0 {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs[i] = fn(i)
			}(last)
		}
		last = i
	}
	if last >= 0 {
		errs[last] = fn(last) // the last one runs here: one goroutine fewer
	}
	wg.Wait()
	return errs
}

// isArbiter reports whether child i is the arbiter.
func (s *Set) isArbiter(i int) bool { return i == s.arbiter }

// newOwner returns a lock owner for one transaction.
func (s *Set) newOwner() uint64 { return s.owners.Add(1) }

// errorf wraps err with the set's name and the operation.
func (s *Set) errorf(op string, subj any, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("afr %s: %s %v: %w", s.name, op, subj, err)
}

// background runs the set's own goroutines (delayed post-ops, unlocks
// after a transaction has answered) and waits for them at Close.
type background struct {
	// mu guards stopped, and orders Add before wait.
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
	slots   chan struct{} // bounds the goroutines in flight
}

const maxBackground = 256

// run starts fn in a goroutine, or runs it here when the set is closing
// or too many are in flight.
func (b *background) run(fn func()) {
	b.mu.Lock()
	if b.slots == nil {
		b.slots = make(chan struct{}, maxBackground)
	}
	if b.stopped {
		b.mu.Unlock()
		fn()
		return
	}
	select {
	case b.slots <- struct{}{}:
	default:
		b.mu.Unlock()
		fn()
		return
	}
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer func() {
			<-b.slots
			b.wg.Done()
		}()
		fn()
	}()
}

// tryRun starts fn in a goroutine unless the set is closing (then it
// reports false and does nothing: Close does the work itself). Timers use
// it.
func (b *background) tryRun(fn func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn()
	}()
	return true
}

// stop makes later runs synchronous; wait waits for the goroutines.
func (b *background) stop() {
	b.mu.Lock()
	b.stopped = true
	b.mu.Unlock()
}

func (b *background) wait() { b.wg.Wait() }
