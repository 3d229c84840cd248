package afr

import (
	"sync"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Directory attributes a brick reported with a file it made. A create
// changes the parent's mtime and ctime, so the kernel drops the parent's
// cached attributes and asks for them before its next permission check
// in that directory: a round trip per file created. The brick reports
// them in the create's reply; the set keeps the answer of the brick that
// a getattr of the parent would read, and gives it to the next getattr
// of the parent, once, if it comes within parentAttrTTL — as fresh as
// the answer of a getattr sent when the create returned. Any other
// change of the directory seen meanwhile (another operation through this
// set, a notification from a brick) drops it, and a create that ran
// alongside such a change keeps nothing.

// parentAttrTTL bounds the age of a kept answer.
const parentAttrTTL = 100 * time.Millisecond

// parentAttrsMax bounds the table; past it, entries nobody waits for go.
const parentAttrsMax = 1024

type parentAttrs struct {
	mu   sync.Mutex
	m    map[fop.Gfid]*dirAttr
	next uint64 // the last seq handed out: seqs are never reused
}

// dirAttr is what the set knows of one directory's latest attributes.
type dirAttr struct {
	seq   uint64 // new at every change but a create that keeps an answer
	a     fop.Attr
	at    time.Time
	valid bool
}

func newParentAttrs() *parentAttrs { return &parentAttrs{m: map[fop.Gfid]*dirAttr{}} }

// begin is called as a create in g starts: keep succeeds only if nothing
// else changed g meanwhile.
func (p *parentAttrs) begin(g fop.Gfid) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.m[g]
	if d == nil {
		if len(p.m) >= parentAttrsMax {
			p.pruneLocked()
		}
		p.next++
		d = &dirAttr{seq: p.next}
		p.m[g] = d
	}
	return d.seq
}

// keep stores a, the attributes of g after a create that began at seq,
// unless g changed otherwise since, or a later answer is kept already.
func (p *parentAttrs) keep(g fop.Gfid, seq uint64, a fop.Attr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.m[g]
	if d == nil || d.seq != seq || (d.valid && before(a.Ctime, d.a.Ctime)) {
		return
	}
	d.a, d.at, d.valid = a, time.Now(), true
}

// take returns, and forgets, the kept attributes of g if they are fresh.
func (p *parentAttrs) take(g fop.Gfid) (fop.Attr, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.m[g]
	if d == nil || !d.valid {
		return fop.Attr{}, false
	}
	d.valid = false
	return d.a, time.Since(d.at) < parentAttrTTL
}

// changed records a change of g other than a create that keeps its
// answer: what is kept is dropped, and creates under way keep nothing.
func (p *parentAttrs) changed(g fop.Gfid) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.m[g]; d != nil {
		p.next++
		d.seq, d.valid = p.next, false
	}
}

// clear drops everything (notifications were lost). Creates under way
// keep nothing: their entries are gone.
func (p *parentAttrs) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.m)
}

// pruneLocked drops the entries with no fresh answer. A create under way
// whose entry goes keeps nothing. p.mu is held.
func (p *parentAttrs) pruneLocked() {
	for g, d := range p.m {
		if !d.valid || time.Since(d.at) >= parentAttrTTL {
			delete(p.m, g)
		}
	}
}

// before reports whether t is earlier than u.
func before(t, u fop.Timespec) bool {
	return t.Sec < u.Sec || (t.Sec == u.Sec && t.Nsec < u.Nsec)
}
