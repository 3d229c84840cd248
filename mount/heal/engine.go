package heal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
)

// Set is one replica set: its bricks in set order.
type Set struct {
	Name   string
	Bricks []fop.Brick
	// Arbiter: the last brick holds names, attributes and changelogs but
	// no data.
	Arbiter bool
}

// Favorite-child policies (Options.Policy): how a split-brain is resolved
// without the administrator. The empty policy leaves it alone.
// They are afr's favorite-child-policy values.
const (
	PolicyNone     = ""
	PolicySize     = afr.FavoriteSize     // the biggest file
	PolicyMtime    = afr.FavoriteMtime    // the latest mtime
	PolicyMajority = afr.FavoriteMajority // the copy more than half of the bricks agree on
)

// Options tune an Engine.
type Options struct {
	// Policy resolves split-brain automatically (favorite-child policy).
	Policy string
	// Workers heal queued gfids in the background (default 2); they also
	// bound the parallel heals of a crawl.
	Workers int
	// QueueSize bounds the background queue (default 4096); a gfid queued
	// when it is full is dropped and counted, and the index crawl finds it.
	QueueSize int
	// ChunkSize is the unit of data heal (default 128 KiB, at least 4 KiB).
	ChunkSize int
	// LockTimeout bounds the wait for each internal lock (default 30 s).
	LockTimeout time.Duration
	Logger      *slog.Logger
}

// Engine heals one replica set.
type Engine struct {
	set  Set
	opts Options
	log  *slog.Logger
	q    *queue

	// mu guards the fields below.
	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	workers sync.WaitGroup
}

// Errors of the engine.
var (
	// ErrNotSplitBrain: Resolve of an inode that is not in split-brain.
	ErrNotSplitBrain = errors.New("not in split-brain")
	// ErrNoBricks: too few bricks of the set are reachable to heal.
	ErrNoBricks = errors.New("too few bricks of the set are reachable")
)

// New returns the engine of set. It does nothing until asked to (HealGfid,
// the crawls) or started (Start, for the background queue).
func New(set Set, opts Options) *Engine {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 128 << 10
	}
	opts.ChunkSize = max(opts.ChunkSize, 4<<10)
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Engine{
		set:  set,
		opts: opts,
		log:  opts.Logger.With("set", set.Name),
		q:    newQueue(opts.QueueSize),
	}
}

// Start starts the background workers that heal what Queue is given.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started || e.closed {
		return
	}
	e.started = true
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	for range e.opts.Workers {
		e.workers.Add(1)
		go e.work(ctx)
	}
}

// Close stops the workers, waiting for the heals they are running to
// return (they are cancelled), and drops what is queued.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	cancel := e.cancel
	e.mu.Unlock()
	e.q.close()
	if cancel != nil {
		cancel()
	}
	e.workers.Wait()
	return nil
}

// Result says what one HealGfid did.
type Result struct {
	Gfid fop.Gfid
	// Healed lists the kinds that had sinks healed.
	Healed []afr.Kind
	// SplitBrain lists the kinds left alone in split-brain.
	SplitBrain []afr.Kind
	// Resolved lists the kinds whose split-brain a policy resolved.
	Resolved []afr.Kind
	// Bytes copied by data heal; entries created and removed by entry heal
	// (of the inode and of what it created, healed in the same call).
	Bytes   int64
	Created int
	Removed int
	// Inodes healed in the call: the gfid and what its entry heal created.
	Inodes int
}

// add merges r2 into r.
func (r *Result) add(r2 Result) {
	r.Bytes += r2.Bytes
	r.Created += r2.Created
	r.Removed += r2.Removed
	r.Inodes += r2.Inodes
}

// Clean reports whether the heal found nothing to do.
func (r Result) Clean() bool { return len(r.Healed) == 0 && len(r.SplitBrain) == 0 }

func (e *Engine) bricks() []fop.Brick { return e.set.Bricks }

// isArbiter reports whether brick i holds no data.
func (e *Engine) isArbiter(i int) bool {
	return e.set.Arbiter && i == len(e.set.Bricks)-1
}

// brickErr wraps err with the name of brick i.
func (e *Engine) brickErr(i int, what string, err error) error {
	return fmt.Errorf("%s on %s: %w", what, e.set.Bricks[i].Name(), err)
}
