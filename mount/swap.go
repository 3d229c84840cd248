package mount

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/mortarfs/mortar/mount/fop"
)

// swapVolume is the top of the stack as fusefs sees it: it forwards to
// the current distribution layer, which Reconfigure replaces when the
// volume's sets change. Files and directories opened before a swap keep
// the layer that opened them (the sets below are the same objects).
type swapVolume struct {
	cur atomic.Pointer[fop.Volume]

	// mu guards sink.
	mu   sync.Mutex
	sink func(fop.Event)
}

var _ fop.Volume = (*swapVolume)(nil)

func newSwapVolume(v fop.Volume) *swapVolume {
	s := &swapVolume{}
	s.cur.Store(&v)
	return s
}

func (s *swapVolume) v() fop.Volume { return *s.cur.Load() }

// swap makes v the current layer; newSets are the sets v has that the
// old one had not: they get the change sink.
func (s *swapVolume) swap(v fop.Volume, newSets []fop.Volume) {
	s.mu.Lock()
	sink := s.sink
	s.mu.Unlock()
	if sink != nil {
		for _, set := range newSets {
			set.Watch(sink)
		}
	}
	s.cur.Store(&v)
}

func (s *swapVolume) Watch(fn func(fop.Event)) {
	s.mu.Lock()
	s.sink = fn
	s.mu.Unlock()
	s.v().Watch(fn)
}

func (s *swapVolume) Close() error { return s.v().Close() }

func (s *swapVolume) Lookup(ctx context.Context, parent fop.Gfid, name string) (fop.Entry, error) {
	return s.v().Lookup(ctx, parent, name)
}

func (s *swapVolume) Getattr(ctx context.Context, gfid fop.Gfid) (fop.Entry, error) {
	return s.v().Getattr(ctx, gfid)
}

func (s *swapVolume) Setattr(ctx context.Context, gfid fop.Gfid, in fop.SetattrIn) (fop.Attr, error) {
	return s.v().Setattr(ctx, gfid, in)
}

func (s *swapVolume) Create(ctx context.Context, parent fop.Gfid, name string, flags uint32, in fop.NewInode) (fop.Entry, fop.File, error) {
	return s.v().Create(ctx, parent, name, flags, in)
}

func (s *swapVolume) Mkdir(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	return s.v().Mkdir(ctx, parent, name, in)
}

func (s *swapVolume) Mknod(ctx context.Context, parent fop.Gfid, name string, in fop.NewInode) (fop.Entry, error) {
	return s.v().Mknod(ctx, parent, name, in)
}

func (s *swapVolume) Symlink(ctx context.Context, parent fop.Gfid, name, target string, in fop.NewInode) (fop.Entry, error) {
	return s.v().Symlink(ctx, parent, name, target, in)
}

func (s *swapVolume) Link(ctx context.Context, gfid, newParent fop.Gfid, newName string) (fop.Entry, error) {
	return s.v().Link(ctx, gfid, newParent, newName)
}

func (s *swapVolume) Unlink(ctx context.Context, parent fop.Gfid, name string) error {
	return s.v().Unlink(ctx, parent, name)
}

func (s *swapVolume) Rmdir(ctx context.Context, parent fop.Gfid, name string) error {
	return s.v().Rmdir(ctx, parent, name)
}

func (s *swapVolume) Rename(ctx context.Context, oldParent fop.Gfid, oldName string, newParent fop.Gfid, newName string, flags uint32) error {
	return s.v().Rename(ctx, oldParent, oldName, newParent, newName, flags)
}

func (s *swapVolume) Readlink(ctx context.Context, gfid fop.Gfid) (string, error) {
	return s.v().Readlink(ctx, gfid)
}

func (s *swapVolume) Statfs(ctx context.Context, gfid fop.Gfid) (fop.Statfs, error) {
	return s.v().Statfs(ctx, gfid)
}

func (s *swapVolume) Getxattr(ctx context.Context, gfid fop.Gfid, name string) ([]byte, error) {
	return s.v().Getxattr(ctx, gfid, name)
}

func (s *swapVolume) Setxattr(ctx context.Context, gfid fop.Gfid, name string, value []byte, flags uint32) error {
	return s.v().Setxattr(ctx, gfid, name, value, flags)
}

func (s *swapVolume) Listxattr(ctx context.Context, gfid fop.Gfid) ([]string, error) {
	return s.v().Listxattr(ctx, gfid)
}

func (s *swapVolume) Removexattr(ctx context.Context, gfid fop.Gfid, name string) error {
	return s.v().Removexattr(ctx, gfid, name)
}

func (s *swapVolume) Open(ctx context.Context, gfid fop.Gfid, flags uint32) (fop.File, error) {
	return s.v().Open(ctx, gfid, flags)
}

func (s *swapVolume) Opendir(ctx context.Context, gfid fop.Gfid) (fop.Dir, error) {
	return s.v().Opendir(ctx, gfid)
}
