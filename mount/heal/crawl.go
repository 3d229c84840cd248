package heal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mortarfs/mortar/mount/fop"
)

// Summary is what a crawl did.
type Summary struct {
	Visited int   `json:"visited"` // inodes looked at
	Healed  int   `json:"healed"`  // inodes with something healed
	Failed  int   `json:"failed"`  // inodes whose heal failed (they stay dirty)
	Bytes   int64 `json:"bytes"`   // data copied
	Created int   `json:"created"` // entries made on sinks
	Removed int   `json:"removed"` // entries removed from sinks
	// SplitBrain lists the inodes left in split-brain.
	SplitBrain []string `json:"split_brain,omitempty"`
	// Unexplained (full crawl) lists inodes whose copies differ in size,
	// mode or owner with nothing in their changelog to say which is right:
	// reported, not healed.
	Unexplained []string `json:"unexplained,omitempty"`
	Errors      []string `json:"errors,omitempty"` // the first few failures
}

// maxSummaryErrors bounds Summary.Errors.
const maxSummaryErrors = 20

// maxIndexPasses bounds the passes of an index crawl: a pass can unblock
// another (a directory renamed across directories while a brick was down
// is moved once its old parent is healed).
const maxIndexPasses = 3

// crawl runs heals for one crawl, at most Workers at once, and sums them up.
type crawl struct {
	e   *Engine
	sem chan struct{}
	wg  sync.WaitGroup
	// mu guards sum and seen.
	mu   sync.Mutex
	sum  Summary
	seen map[fop.Gfid]bool
}

func (e *Engine) newCrawl() *crawl {
	return &crawl{e: e, sem: make(chan struct{}, e.opts.Workers), seen: make(map[fop.Gfid]bool)}
}

// heal heals g in the background of the crawl, once per crawl; with
// compare, it then compares the copies when there was nothing to heal.
func (c *crawl) heal(ctx context.Context, g fop.Gfid, h how, compare bool) {
	c.mu.Lock()
	if c.seen[g] {
		c.mu.Unlock()
		return
	}
	c.seen[g] = true
	c.mu.Unlock()
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() { <-c.sem }()
		r, err := c.e.healTree(ctx, g, h)
		c.record(g, r, err)
		if compare {
			c.compare(ctx, g, r)
		}
	}()
}

// record adds the result of one heal to the summary.
func (c *crawl) record(g fop.Gfid, r Result, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.sum
	s.Visited++
	s.Bytes += r.Bytes
	s.Created += r.Created
	s.Removed += r.Removed
	if len(r.Healed) > 0 {
		s.Healed++
	}
	if len(r.SplitBrain) > 0 {
		s.SplitBrain = append(s.SplitBrain, gfidName(g))
	}
	switch {
	case err == nil, errors.Is(err, errGone):
	default:
		s.Failed++
		if len(s.Errors) < maxSummaryErrors {
			s.Errors = append(s.Errors, err.Error())
		}
	}
}

// fail records a failure of the crawl itself.
func (c *crawl) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sum.Failed++
	if len(c.sum.Errors) < maxSummaryErrors {
		c.sum.Errors = append(c.sum.Errors, err.Error())
	}
}

// wait waits for the crawl's heals and returns its summary, and an error
// when some failed.
func (c *crawl) wait(ctx context.Context) (Summary, error) {
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return c.sum, err
	}
	if c.sum.Failed > 0 {
		return c.sum, fmt.Errorf("%d of %d inodes failed to heal, first: %s", c.sum.Failed, c.sum.Visited, c.sum.Errors[0])
	}
	return c.sum, nil
}

// CrawlIndex heals what the dirty indexes of the connected bricks list,
// each inode once per pass, and passes again (a few times at most) while a
// pass heals something and leaves failures.
func (e *Engine) CrawlIndex(ctx context.Context) (Summary, error) {
	var total Summary
	for pass := 0; ; pass++ {
		c := e.newCrawl()
		for i, b := range e.bricks() {
			if !b.Connected() {
				continue
			}
			if err := e.walkIndex(ctx, i, func(g fop.Gfid) { c.heal(ctx, g, e.defaultHow(), false) }); err != nil {
				c.fail(e.brickErr(i, "index crawl", err))
			}
		}
		s, err := c.wait(ctx)
		total = addSummary(total, s, pass == 0)
		if err == nil || ctx.Err() != nil || s.Healed == 0 || pass+1 >= maxIndexPasses {
			return total, err
		}
	}
}

// walkIndex calls fn for every gfid of the dirty index of brick i, page
// after page.
func (e *Engine) walkIndex(ctx context.Context, i int, fn func(fop.Gfid)) error {
	var after fop.Gfid
	for {
		gs, eof, err := e.bricks()[i].IndexList(ctx, "dirty", after, 1024)
		if err != nil {
			return err
		}
		for _, g := range gs {
			fn(g)
		}
		if eof || len(gs) == 0 {
			return nil
		}
		after = gs[len(gs)-1]
	}
}

// addSummary sums up the passes of a crawl: counts add up; the lists and
// failures are those of the last pass (what is still wrong).
func addSummary(total, s Summary, first bool) Summary {
	if first {
		return s
	}
	s.Visited += total.Visited
	s.Healed += total.Healed
	s.Bytes += total.Bytes
	s.Created += total.Created
	s.Removed += total.Removed
	return s
}

// gfidName is how an inode without a known path is shown (the root is /).
func gfidName(g fop.Gfid) string {
	if g == fop.RootGfid {
		return "/"
	}
	return "<gfid:" + g.String() + ">"
}
