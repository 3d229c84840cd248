package mount

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/volume"
)

// ErrUnmounted: the volume is no longer mounted.
var ErrUnmounted = errors.New("not mounted")

// reconfigureConnectBound bounds the wait for the bricks of new sets
// before they take over.
const reconfigureConnectBound = 10 * time.Second

// Reconfigure follows a new volfile of the mounted volume without a
// remount (the volfile watch calls it; calls must not overlap):
//   - the kernel cache lifetimes (attribute, entry, negative timeouts)
//     change at once;
//   - sets added, removed or changed (bricks, replica count, arbiter), a
//     new placement table, and new replication options (quorum, stale
//     reads, post-op delay, favorite-child policy) are followed by a new
//     generation of the stack: the sets that changed are built anew on
//     their own brick connections, the others are kept, and a new
//     distribution layer over them takes every operation from then on,
//     once the new sets' bricks are connected (at most 10 s; a new set
//     with no brick up is not taken, and the volfile is not followed).
//     Files and directories opened before keep the generation they were
//     opened in until they are released; then its replaced sets close;
//   - ro and noatime, flags of the kernel mount, are logged as needing a
//     remount.
//
// The mount's own -o options (Config.MountOptions) keep overriding the
// volume's. On error nothing changed.
func (m *Mounted) Reconfigure(vf *volume.Volfile) error {
	if err := vf.Validate(); err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	o, err := EffectiveOptions(vf.Options, m.cfg.MountOptions, m.log)
	if err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return fmt.Errorf("reconfigure: %w", ErrUnmounted)
	}
	m.applyOptions(o)
	cur := m.stack.top.current()
	same := m.vf.Layout == vf.Layout && len(cur.sets) == len(vf.Sets)
	for i, set := range vf.Sets {
		same = same && i < len(cur.sets) && cur.sets[i].fits(vf, set, o)
	}
	m.opts = o
	if same {
		m.vf = vf
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()

	g, made, err := buildGeneration(vf, o, cur.sets, m.log)
	if err != nil {
		return fmt.Errorf("reconfigure: %w", err)
	}
	if err := m.waitNewSets(cur, made); err != nil {
		for _, ss := range made {
			ss.close()
		}
		return fmt.Errorf("reconfigure: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		for _, ss := range made {
			ss.close()
		}
		return fmt.Errorf("reconfigure: %w", ErrUnmounted)
	}
	m.stack.top.swap(g, made)
	m.vf = vf
	m.log.Info("volfile: new stack generation", "sets", len(g.sets), "rebuilt", len(made))
	return nil
}

// waitNewSets waits until each new set has as many bricks connected as
// the set of the same name it replaces (all of them for a set that is
// new), within reconfigureConnectBound; a set with none up fails.
func (m *Mounted) waitNewSets(cur *generation, made []*setStack) error {
	ctx, cancel := context.WithTimeout(context.Background(), reconfigureConnectBound)
	defer cancel()
	for _, ss := range made {
		want := len(ss.bricks)
		for _, old := range cur.sets {
			if old.name == ss.name {
				want = 0
				for _, b := range old.bricks {
					if b.Connected() {
						want++
					}
				}
			}
		}
		if up := waitUp(ctx, ss.bricks, max(want, 1)); up == 0 {
			return fmt.Errorf("set %s: no brick reachable within %v", ss.name, reconfigureConnectBound)
		}
	}
	return nil
}

// waitUp waits until want of bs have a session or ctx ends, and returns
// how many have one.
func waitUp(ctx context.Context, bs []*client.Brick, want int) int {
	ready := make(chan struct{}, len(bs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b.WaitReady(ctx) == nil {
				ready <- struct{}{}
			}
		}()
	}
	up := 0
	for up < want {
		select {
		case <-ready:
			up++
			continue
		case <-ctx.Done():
		}
		break
	}
	cancel()
	wg.Wait()
	return up + len(ready)
}

// applyOptions applies the cache lifetimes of o and logs what needs a
// remount. Called with m.mu held.
func (m *Mounted) applyOptions(o Options) {
	old := m.opts
	if o.EntryTimeout != old.EntryTimeout || o.AttrTimeout != old.AttrTimeout || o.NegativeTimeout != old.NegativeTimeout {
		m.live.SetTimeouts(o.EntryTimeout, o.AttrTimeout, o.NegativeTimeout)
		m.log.Info("volfile: cache timeouts changed", "entry", o.EntryTimeout, "attribute", o.AttrTimeout, "negative", o.NegativeTimeout)
	}
	if o.WriteBehindWindow != old.WriteBehindWindow {
		m.live.SetWriteBehindWindow(o.WriteBehindWindow)
		m.log.Info("volfile: write-behind window changed", "bytes", o.WriteBehindWindow)
	}
	var remount []string
	if o.ReadOnly != old.ReadOnly {
		remount = append(remount, "ro")
	}
	if o.NoAtime != old.NoAtime {
		remount = append(remount, "noatime")
	}
	if len(remount) > 0 {
		m.log.Warn("volfile: options changed that only a remount applies (flags of the kernel mount)", "options", remount)
	}
}
