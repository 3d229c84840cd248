package afr

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
)

// idBook knows the brick ids of the set, which name the changelog
// counters. A brick's id is learned from its first session; a brick that
// has been down since the mount is known only from the counters the root
// directory carries for every brick of the set (they are written, as
// zeros, the first time all ids are known). The mapping of those ids to
// bricks that never answered does not matter: such bricks take part in
// nothing, and every one of them is accused alike.
type idBook struct {
	s *Set

	// mu guards the fields below.
	mu       sync.Mutex
	recorded bool     // the root carries a counter for every brick
	learned  []string // ids read from the root, for bricks never seen
}

func newIDBook(s *Set) *idBook { return &idBook{s: s} }

// get returns the ids of every brick, in set order: ids[i] names child
// i. Ids past the set's size name no child: changelog marks accuse them
// with the bricks that never answered (see fromRoot).
func (b *idBook) get(ctx context.Context) ([]string, error) {
	ids, missing := b.known()
	if missing == 0 {
		b.record(ctx, ids)
		return ids, nil
	}
	extra, err := b.fromRoot(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(extra) < missing {
		return nil, fmt.Errorf("ids of %d bricks never connected are unknown (the set never had all bricks up): %w",
			missing-len(extra), syscall.ENOTCONN)
	}
	for i := range ids {
		if ids[i] == "" {
			ids[i], extra = extra[0], extra[1:]
		}
	}
	// More ids than unknown bricks (a brick was replaced once): accuse
	// them all, so the right one is among them.
	return append(ids, extra...), nil
}

// known returns the ids the children know, and how many are unknown.
func (b *idBook) known() ([]string, int) {
	ids := make([]string, len(b.s.kids))
	missing := 0
	for i, k := range b.s.kids {
		ids[i] = k.ID()
		if ids[i] == "" {
			missing++
		}
	}
	return ids, missing
}

// record writes a zero counter for every brick on the root of every
// connected brick, once.
func (b *idBook) record(ctx context.Context, ids []string) {
	b.mu.Lock()
	done := b.recorded
	b.recorded = true
	b.mu.Unlock()
	if done {
		return
	}
	deltas := make([]fop.PendingDelta, len(ids))
	for i, id := range ids {
		deltas[i] = fop.PendingDelta{BrickID: id}
	}
	errs := b.s.each(b.s.connected(), func(i int) error {
		_, err := b.s.kids[i].Xattrop(ctx, fop.RootGfid, deltas)
		return err
	})
	for i, err := range errs {
		if err != nil {
			b.s.log.Debug("recording brick ids on the root", "brick", b.s.kids[i].Name(), "err", err)
		}
	}
}

// fromRoot returns the ids the root's counters name that no child
// claims, learning them once.
func (b *idBook) fromRoot(ctx context.Context, ids []string) ([]string, error) {
	b.mu.Lock()
	learned := b.learned
	b.mu.Unlock()
	if learned == nil {
		var mu sync.Mutex
		seen := map[string]bool{}
		b.s.each(b.s.connected(), func(i int) error {
			p, err := b.s.kids[i].Xattrop(ctx, fop.RootGfid, nil)
			mu.Lock()
			defer mu.Unlock()
			for _, c := range p {
				seen[c.BrickID] = true
			}
			return err
		})
		for id := range seen {
			learned = append(learned, id)
		}
		slices.Sort(learned)
		b.mu.Lock()
		if len(learned) > 0 {
			b.learned = learned
		}
		b.mu.Unlock()
	}
	var extra []string
	for _, id := range learned {
		if !slices.Contains(ids, id) {
			extra = append(extra, id)
		}
	}
	return extra, nil
}
