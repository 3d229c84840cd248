package mount

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/mortarfs/mortar/mount/fop"
)

// swapVolume is the volume fusefs serves: it forwards every operation to
// the current generation of the stack, which Reconfigure replaces when
// the volume's sets or their options change. An operation holds a
// reference on the generation it started in for its duration, an open
// file or directory until it is released, so that a retired generation
// is closed only when nothing uses it any more (generation).
type swapVolume struct {
	cur atomic.Pointer[generation]

	// mu guards the fields below.
	mu      sync.Mutex
	sink    func(fop.Event)
	retired []*generation // not yet closed
}

var _ fop.Volume = (*swapVolume)(nil)

func newSwapVolume(g *generation) *swapVolume {
	s := &swapVolume{}
	s.cur.Store(g)
	return s
}

// current is the generation new operations go to.
func (s *swapVolume) current() *generation { return s.cur.Load() }

// enter returns the current generation with a reference taken.
func (s *swapVolume) enter() *generation {
	for {
		if g := s.cur.Load(); g.acquire() {
			return g
		}
	}
}

// swap makes g current; made are its new sets (they get the change sink);
// the old generation is retired, and closes its sets that g does not
// have once nothing uses it.
func (s *swapVolume) swap(g *generation, made []*setStack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sink != nil {
		for _, ss := range made {
			ss.vol.Watch(s.sink)
		}
	}
	old := s.cur.Swap(g)
	var drop []*setStack
	for _, ss := range old.sets {
		if !containsSet(g.sets, ss) {
			drop = append(drop, ss)
		}
	}
	s.retired = append(s.retired, old)
	old.retire(drop)
}

func containsSet(sets []*setStack, ss *setStack) bool {
	for _, x := range sets {
		if x == ss {
			return true
		}
	}
	return false
}

// closeAll closes the sets of the current generation and what retired
// ones still hold.
func (s *swapVolume) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.cur.Load()
	for _, g := range s.retired {
		g.mu.Lock()
		if !g.closed {
			g.closed = true
			for _, ss := range g.drop {
				if !containsSet(cur.sets, ss) {
					ss.close()
				}
			}
		}
		g.mu.Unlock()
	}
	s.retired = nil
	for _, ss := range cur.sets {
		ss.close()
	}
}

func (s *swapVolume) Watch(fn func(fop.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sink = fn
	for _, ss := range s.cur.Load().sets {
		ss.vol.Watch(fn)
	}
}

// Close closes every set; the mount closes through stack.close.
func (s *swapVolume) Close() error {
	s.closeAll()
	return nil
}

// genFile is a file open in a generation: it holds a reference until
// released.
type genFile struct {
	fop.File
	g    *generation
	once sync.Once
}

func (f *genFile) Release(ctx context.Context) error {
	err := f.File.Release(ctx)
	f.once.Do(f.g.put)
	return err
}

// genDir is a directory open in a generation.
type genDir struct {
	fop.Dir
	g    *generation
	once sync.Once
}

func (d *genDir) Release(ctx context.Context) error {
	err := d.Dir.Release(ctx)
	d.once.Do(d.g.put)
	return err
}

func (s *swapVolume) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	g := s.enter()
	defer g.put()
	e, f, err := g.top.Create(ctx, parent, name, flags, in)
	if err != nil || f == nil {
		return e, f, err
	}
	g.refs.Add(1)
	return e, &genFile{File: f, g: g}, nil
}

func (s *swapVolume) Open(ctx context.Context, gfid fop.Gfid, flags uint32) (fop.File, error) {
	g := s.enter()
	defer g.put()
	f, err := g.top.Open(ctx, gfid, flags)
	if err != nil || f == nil {
		return f, err
	}
	g.refs.Add(1)
	return &genFile{File: f, g: g}, nil
}

func (s *swapVolume) Opendir(ctx context.Context, gfid fop.Gfid) (fop.Dir, error) {
	g := s.enter()
	defer g.put()
	d, err := g.top.Opendir(ctx, gfid)
	if err != nil || d == nil {
		return d, err
	}
	g.refs.Add(1)
	return &genDir{Dir: d, g: g}, nil
}

func (s *swapVolume) Lookup(ctx context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	g := s.enter()
	defer g.put()
	return g.top.Lookup(ctx, parent, name)
}

func (s *swapVolume) Getattr(ctx context.Context, gfid fop.Gfid) (fop.Entry, error) {
	g := s.enter()
	defer g.put()
	return g.top.Getattr(ctx, gfid)
}

func (s *swapVolume) Setattr(ctx context.Context, gfid fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	g := s.enter()
	defer g.put()
	return g.top.Setattr(ctx, gfid, in)
}

func (s *swapVolume) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	g := s.enter()
	defer g.put()
	return g.top.Mkdir(ctx, parent, name, in)
}

func (s *swapVolume) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	g := s.enter()
	defer g.put()
	return g.top.Mknod(ctx, parent, name, in)
}

func (s *swapVolume) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	g := s.enter()
	defer g.put()
	return g.top.Symlink(ctx, parent, name, target, in)
}

func (s *swapVolume) Link(ctx context.Context, gfid, newParent fop.Gfid, newName string) (fop.Entry, error) {
	g := s.enter()
	defer g.put()
	return g.top.Link(ctx, gfid, newParent, newName)
}

func (s *swapVolume) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	g := s.enter()
	defer g.put()
	return g.top.Unlink(ctx, parent, name)
}

func (s *swapVolume) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	g := s.enter()
	defer g.put()
	return g.top.Rmdir(ctx, parent, name)
}

func (s *swapVolume) Rename(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) error {
	g := s.enter()
	defer g.put()
	return g.top.Rename(ctx, oldParent, oldName, newParent, newName, flags)
}

func (s *swapVolume) Readlink(ctx context.Context, gfid fop.Gfid) (string, error) {
	g := s.enter()
	defer g.put()
	return g.top.Readlink(ctx, gfid)
}

func (s *swapVolume) Statfs(ctx context.Context, gfid fop.Gfid) (fop.Statfs, error) {
	g := s.enter()
	defer g.put()
	return g.top.Statfs(ctx, gfid)
}

func (s *swapVolume) Getxattr(ctx context.Context, gfid fop.Gfid, name string) ([]byte, error) {
	g := s.enter()
	defer g.put()
	return g.top.Getxattr(ctx, gfid, name)
}

func (s *swapVolume) Setxattr(ctx context.Context, gfid fop.Gfid, name string, value []byte, flags uint32) error {
	g := s.enter()
	defer g.put()
	return g.top.Setxattr(ctx, gfid, name, value, flags)
}

func (s *swapVolume) Listxattr(ctx context.Context, gfid fop.Gfid) ([]string, error) {
	g := s.enter()
	defer g.put()
	return g.top.Listxattr(ctx, gfid)
}

func (s *swapVolume) Removexattr(ctx context.Context, gfid fop.Gfid, name string) error {
	g := s.enter()
	defer g.put()
	return g.top.Removexattr(ctx, gfid, name)
}
