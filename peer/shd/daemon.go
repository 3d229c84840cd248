package shd

import (
	"context"
	"log/slog"
	"slices"
	"sync"

	"github.com/mortarfs/mortar/volume"
)

// Daemon is the self-heal daemon of one volume.
type Daemon struct {
	cfg     Config
	log     *slog.Logger
	updates chan *volume.Volfile
	cancel  context.CancelFunc
	done    chan struct{}

	// mu guards stopped.
	mu      sync.Mutex
	stopped bool
}

// Start starts the self-heal daemon of cfg.Volfile. It never blocks; the
// Daemon runs until Stop or until ctx ends.
func Start(ctx context.Context, cfg Config) *Daemon {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Local == nil {
		cfg.Local = func(volume.BrickRef) bool { return false }
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &Daemon{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "shd", "volume", cfg.Volfile.Name),
		updates: make(chan *volume.Volfile, 1),
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	go d.run(ctx, cfg.Volfile)
	return d
}

// Update hands the daemon a new volfile of its volume: sets whose bricks
// changed are rebuilt, the others keep their connections.
func (d *Daemon) Update(vf *volume.Volfile) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	// Keep only the newest: drop an update the loop has not taken yet.
	select {
	case <-d.updates:
	default:
	}
	d.updates <- vf
}

// Stop stops the daemon and waits until its crawls have returned and its
// connections are closed. It may be called more than once.
func (d *Daemon) Stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	d.cancel()
	<-d.done
}

// run is the daemon's loop: it owns the set runners.
func (d *Daemon) run(ctx context.Context, vf *volume.Volfile) {
	defer close(d.done)
	sets := map[string]*setRunner{}
	defer func() {
		for _, r := range sets {
			r.stop()
		}
	}()
	d.apply(ctx, sets, vf)
	for {
		select {
		case <-ctx.Done():
			return
		case vf := <-d.updates:
			d.apply(ctx, sets, vf)
		}
	}
}

// apply makes sets match vf: a runner for every replicated set with a
// local brick, rebuilt when its bricks changed.
func (d *Daemon) apply(ctx context.Context, sets map[string]*setRunner, vf *volume.Volfile) {
	want := map[string]volume.ReplicaSet{}
	if vf.Replica > 1 {
		for _, s := range vf.Sets {
			if slices.ContainsFunc(s.Bricks, d.cfg.Local) {
				want[s.Name] = s
			}
		}
	}
	for name, r := range sets {
		s, ok := want[name]
		if ok && r.same(s, vf.Arbiter) {
			delete(want, name)
			continue
		}
		r.stop()
		delete(sets, name)
	}
	for name, s := range want {
		r, err := startSet(ctx, d, s, vf.Arbiter)
		if err != nil {
			d.log.Error("self-heal of a set not started", "set", name, "err", err)
			continue
		}
		sets[name] = r
	}
	if len(sets) == 0 {
		d.log.Debug("no replicated set with a local brick: nothing to heal")
	}
}
