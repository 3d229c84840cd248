package mount

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/dht"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/volume"
)

// setStack is the client stack of one replica set: its brick clients,
// and with replica > 1 its replication layer (afr) and heal engine.
type setStack struct {
	name    string
	refs    []volume.BrickRef
	bricks  []*client.Brick
	vol     fop.Volume
	healer  *heal.Engine // nil with replica 1
	replica int
	arbiter bool
	repl    replOptions // what afr and the healer were made with
}

// replOptions are the options a set's replication layer is made with: a
// change of them needs a new layer.
type replOptions struct {
	quorumType  string
	quorumCount int
	staleReads  bool
	postOpDelay time.Duration
	policy      string
}

func replOptionsOf(o Options) replOptions {
	return replOptions{o.QuorumType, o.QuorumCount, o.StaleReads, o.PostOpDelay, o.FavoriteChildPolicy}
}

// fits reports whether ss serves set of vf as o asks.
func (ss *setStack) fits(vf *volume.Volfile, set volume.ReplicaSet, o Options) bool {
	return ss.name == set.Name && ss.replica == vf.Replica && ss.arbiter == vf.Arbiter &&
		slices.Equal(ss.refs, set.Bricks) && (vf.Replica == 1 || ss.repl == replOptionsOf(o))
}

// buildSet connects to the bricks of one set and makes its stack. It
// never blocks: the bricks connect in the background.
func buildSet(vf *volume.Volfile, set volume.ReplicaSet, o Options, log *slog.Logger) (*setStack, error) {
	// FailFast: an operation on a brick known to be down fails at once with
	// ENOTCONN, as on GlusterFS, instead of waiting for a reconnect that
	// may never come; replication skips such bricks anyway.
	copts := client.Options{Logger: log, FailFast: true}
	ss := &setStack{name: set.Name, refs: slices.Clone(set.Bricks), replica: vf.Replica, arbiter: vf.Arbiter, repl: replOptionsOf(o)}
	kids := make([]fop.Brick, 0, len(set.Bricks))
	for _, ref := range set.Bricks {
		b, err := client.New(ref, copts)
		if err != nil {
			ss.close()
			return nil, fmt.Errorf("brick %s: %w", ref, err)
		}
		ss.bricks = append(ss.bricks, b)
		kids = append(kids, b)
	}
	if vf.Replica == 1 {
		ss.vol = ss.bricks[0]
		return ss, nil
	}
	ss.healer = heal.New(heal.Set{Name: set.Name, Bricks: kids, Arbiter: vf.Arbiter},
		heal.Options{Policy: o.FavoriteChildPolicy, Logger: log})
	ss.healer.Start()
	r, err := afr.New(kids, afr.Options{
		Name:                set.Name,
		Arbiter:             vf.Arbiter,
		QuorumType:          o.QuorumType,
		QuorumCount:         o.QuorumCount,
		StaleReads:          o.StaleReads,
		PostOpDelay:         o.PostOpDelay,
		FavoriteChildPolicy: o.FavoriteChildPolicy,
		Healer:              ss.healer,
		Logger:              log,
	})
	if err != nil {
		ss.close()
		return nil, fmt.Errorf("volume %s: %w", vf.Name, err)
	}
	ss.vol = r
	return ss, nil
}

// close stops the healer, then closes the set (which closes its bricks).
func (ss *setStack) close() {
	if ss.healer != nil {
		_ = ss.healer.Close()
	}
	if ss.vol != nil {
		_ = ss.vol.Close()
		return
	}
	for _, b := range ss.bricks {
		_ = b.Close()
	}
}

// generation is the stack below fusefs for one volfile: dht over the
// sets. Reconfigure makes a new generation when sets change; the old one
// lives on until the last file or directory opened through it is
// released and no operation is in it, then closes the sets the new
// generation did not take over.
type generation struct {
	top  fop.Volume // dht
	sets []*setStack
	// refs counts operations in progress and handles open in this
	// generation; retired is set once a newer generation serves.
	refs    atomic.Int64
	retired atomic.Bool
	// drop are the sets to close once retired and unused.
	mu     sync.Mutex
	drop   []*setStack
	closed bool
}

// buildGeneration makes the stack of vf, reusing the sets of reuse that
// fit (same bricks and options). It returns the new sets it made.
func buildGeneration(vf *volume.Volfile, o Options, reuse []*setStack, log *slog.Logger) (*generation, []*setStack, error) {
	if err := vf.Validate(); err != nil {
		return nil, nil, err
	}
	g := &generation{}
	var made []*setStack
	fail := func(err error) (*generation, []*setStack, error) {
		for _, ss := range made {
			ss.close()
		}
		return nil, nil, err
	}
	vols := make([]fop.Volume, 0, len(vf.Sets))
	names := make([]string, 0, len(vf.Sets))
	for _, set := range vf.Sets {
		i := slices.IndexFunc(reuse, func(ss *setStack) bool { return ss.fits(vf, set, o) })
		var ss *setStack
		if i >= 0 {
			ss = reuse[i]
		} else {
			var err error
			if ss, err = buildSet(vf, set, o, log); err != nil {
				return fail(err)
			}
			made = append(made, ss)
		}
		g.sets = append(g.sets, ss)
		vols = append(vols, ss.vol)
		names = append(names, set.Name)
	}
	layout := vf.Layout
	top, err := dht.New(vols, names, &layout, log)
	if err != nil {
		return fail(err)
	}
	g.top = top
	return g, made, nil
}

// acquire takes a reference on g unless it is retired.
func (g *generation) acquire() bool {
	g.refs.Add(1)
	if g.retired.Load() {
		g.put()
		return false
	}
	return true
}

// put drops a reference; the last one of a retired generation closes it.
func (g *generation) put() {
	if g.refs.Add(-1) == 0 && g.retired.Load() {
		g.closeDropped()
	}
}

// retire marks g as replaced; drop are its sets the new generation did
// not take over, closed once g is unused.
func (g *generation) retire(drop []*setStack) {
	g.mu.Lock()
	g.drop = drop
	g.mu.Unlock()
	g.retired.Store(true)
	if g.refs.Load() == 0 {
		g.closeDropped()
	}
}

func (g *generation) closeDropped() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	g.closed = true
	for _, ss := range g.drop {
		ss.close()
	}
}

// bricks returns every brick client of g.
func (g *generation) bricks() []*client.Brick {
	var out []*client.Brick
	for _, ss := range g.sets {
		out = append(out, ss.bricks...)
	}
	return out
}

// waitBricks waits until every brick of bs has a session, up to timeout,
// and returns how many have one.
func waitBricks(ctx context.Context, bs []*client.Brick, timeout time.Duration, log *slog.Logger) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errs := make([]error, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.WaitReady(ctx); err != nil {
				log.Warn("brick not reachable", "brick", b.Name(), "err", err)
				errs[i] = fmt.Errorf("brick %s: %w", b.Name(), err)
			}
		}()
	}
	wg.Wait()
	up := 0
	for _, err := range errs {
		if err == nil {
			up++
		}
	}
	return up, errors.Join(errs...)
}

// stack is the client stack of one volume below fusefs: the volume fusefs
// serves and the generation behind it.
type stack struct {
	top *swapVolume
}

// buildStack connects to every brick of vf and composes the layers: with
// replica 1 each set is its brick; with more, each set is a replica set
// (afr) over its bricks, healing what its lookups find in the background.
func buildStack(vf *volume.Volfile, o Options, log *slog.Logger) (*stack, error) {
	g, _, err := buildGeneration(vf, o, nil, log)
	if err != nil {
		return nil, err
	}
	return &stack{top: newSwapVolume(g)}, nil
}

// waitBricksAtMount waits for the bricks at mount time. A volume with
// some bricks down still mounts (their files fail with ENOTCONN, as with
// GlusterFS; a replica set serves from the others); a volume with none up
// does not.
func (s *stack) waitBricksAtMount(ctx context.Context, timeout time.Duration, log *slog.Logger) error {
	up, err := waitBricks(ctx, s.top.current().bricks(), timeout, log)
	if up == 0 {
		return fmt.Errorf("no brick reachable: %w", err)
	}
	return nil
}

// close closes the current generation's sets and every retired one's.
func (s *stack) close() {
	s.top.closeAll()
}
