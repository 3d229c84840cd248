package faulty

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// Brick is a fop.Brick with faults injected by its rules.
type Brick struct {
	inner fop.Brick
	down  atomic.Bool

	// mu guards rules and counts.
	mu     sync.Mutex
	rules  []*Fault
	counts map[string]int
}

var _ fop.Brick = (*Brick)(nil)

// Wrap returns b with no rules: every operation passes through.
func Wrap(b fop.Brick) *Brick {
	return &Brick{inner: b, counts: make(map[string]int)}
}

// Inner returns the wrapped brick.
func (b *Brick) Inner() fop.Brick { return b.inner }

// Inject adds r after the existing rules and returns its Fault (to
// Unhang it, ask how often it fired, or Remove it).
func (b *Brick) Inject(r Rule) *Fault {
	rp := &Fault{Rule: r, unhang: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rules = append(b.rules, rp)
	return rp
}

// Remove drops r (and lets what it holds go on).
func (b *Brick) Remove(r *Fault) {
	r.Unhang()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.rules {
		if x == r {
			b.rules = append(b.rules[:i:i], b.rules[i+1:]...)
			return
		}
	}
}

// Clear drops every rule (letting hung operations go on) and brings the
// brick back up.
func (b *Brick) Clear() {
	b.mu.Lock()
	rules := b.rules
	b.rules = nil
	b.mu.Unlock()
	for _, r := range rules {
		r.Unhang()
	}
	b.down.Store(false)
}

// SetDown makes the brick look disconnected (Connected false, every
// operation ENOTCONN without reaching the brick), or brings it back.
func (b *Brick) SetDown(down bool) { b.down.Store(down) }

// Count returns how many operations named op were called since the last
// ResetCounts, including those that failed or were injected.
func (b *Brick) Count(op string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[op]
}

// Total returns how many operations of any kind were called.
func (b *Brick) Total() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.counts {
		n += c
	}
	return n
}

// ResetCounts sets every count to zero.
func (b *Brick) ResetCounts() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.counts)
}

// do counts op and runs it through the first rule that fires.
func (b *Brick) do(ctx context.Context, op Op, run func() error) error {
	b.mu.Lock()
	b.counts[op.Name]++
	var rule *Fault
	if !b.down.Load() {
		for _, r := range b.rules {
			if r.matches(op) {
				rule = r
				break
			}
		}
	}
	b.mu.Unlock()
	if b.down.Load() {
		return fmt.Errorf("faulty: brick %s is down: %w", b.inner.Name(), syscall.ENOTCONN)
	}
	if rule == nil {
		return run()
	}
	return rule.apply(ctx, run)
}

// Name, ID and Connected describe the wrapped brick; Connected is false
// while the brick is set down.
func (b *Brick) Name() string    { return b.inner.Name() }
func (b *Brick) ID() string      { return b.inner.ID() }
func (b *Brick) Connected() bool { return !b.down.Load() && b.inner.Connected() }

// Watch and Close go to the wrapped brick as they are.
func (b *Brick) Watch(fn func(fop.Event)) { b.inner.Watch(fn) }
func (b *Brick) Close() error             { b.Clear(); return b.inner.Close() }
