package shd

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/volume"
)

// setRunner heals one replica set: its brick clients, its heal engine and
// the goroutine that decides when to crawl.
type setRunner struct {
	set     volume.ReplicaSet
	arbiter bool
	local   []bool // per brick: served by this peer
	bricks  []*client.Brick
	engine  *heal.Engine
	log     *slog.Logger
	cfg     Config
	cancel  context.CancelFunc
	done    chan struct{}
}

// startSet connects to the bricks of set and starts its loop.
func startSet(ctx context.Context, d *Daemon, set volume.ReplicaSet, arbiter bool) (*setRunner, error) {
	log := d.log.With("set", set.Name)
	r := &setRunner{set: set, arbiter: arbiter, log: log, cfg: d.cfg, done: make(chan struct{})}
	var kids []fop.Brick
	for _, ref := range set.Bricks {
		// FailFast: a brick that dies mid-crawl fails at once.
		b, err := client.New(ref, client.Options{Logger: log, FailFast: true, NoChangeEvents: true, DialOptions: d.cfg.DialOptions})
		if err != nil {
			r.closeBricks()
			return nil, fmt.Errorf("brick %s: %w", ref, err)
		}
		r.bricks = append(r.bricks, b)
		r.local = append(r.local, d.cfg.Local(ref))
		kids = append(kids, b)
	}
	r.engine = heal.New(heal.Set{Name: set.Name, Bricks: kids, Arbiter: arbiter}, heal.Options{Logger: log})
	ctx, r.cancel = context.WithCancel(ctx)
	go r.run(ctx)
	log.Info("self-heal daemon watching the set", "bricks", len(kids))
	return r, nil
}

// same reports whether the runner serves set as it is now.
func (r *setRunner) same(set volume.ReplicaSet, arbiter bool) bool {
	return r.arbiter == arbiter && slices.Equal(r.set.Bricks, set.Bricks)
}

// stop ends the loop, cancelling a crawl in progress, and closes the
// engine and the bricks.
func (r *setRunner) stop() {
	r.cancel()
	<-r.done
	_ = r.engine.Close()
	r.closeBricks()
}

func (r *setRunner) closeBricks() {
	for _, b := range r.bricks {
		_ = b.Close()
	}
}

// run crawls every Interval, and at once when a brick (re)connects.
func (r *setRunner) run(ctx context.Context) {
	defer close(r.done)
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	last := time.Now()
	was := make([]bool, len(r.bricks))
	for {
		up := r.connected()
		came := false
		for i := range up {
			if up[i] && !was[i] {
				came = true
			}
		}
		was = up
		if came || time.Since(last) >= r.cfg.Interval {
			last = time.Now()
			r.crawl(ctx, up)
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

func (r *setRunner) connected() []bool {
	up := make([]bool, len(r.bricks))
	for i, b := range r.bricks {
		up[i] = b.Connected()
	}
	return up
}

// crawl runs one index crawl if this peer is the set's crawler: the first
// connected brick of the set is local, and at least two are connected.
func (r *setRunner) crawl(ctx context.Context, up []bool) {
	n := 0
	for _, u := range up {
		if u {
			n++
		}
	}
	first := slices.Index(up, true)
	if n < 2 || !r.local[first] {
		return
	}
	start := time.Now()
	s, err := r.engine.CrawlIndex(ctx)
	switch {
	case ctx.Err() != nil:
		return
	case err != nil:
		r.log.Warn("index crawl failed", "err", err, "visited", s.Visited, "healed", s.Healed, "failed", s.Failed)
	case s.Visited > 0:
		r.log.Info("index crawl", "visited", s.Visited, "healed", s.Healed, "failed", s.Failed,
			"bytes", s.Bytes, "split_brain", len(s.SplitBrain), "took", time.Since(start).Round(time.Millisecond))
	default:
		r.log.Debug("index crawl: nothing to heal")
	}
}
