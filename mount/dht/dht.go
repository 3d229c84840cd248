package dht

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume/layout"
)

// linktoMaker is implemented by the set volumes: it makes the dht pointer
// file (parent, name), with the gfid of the file it points to, naming the
// set setName that holds the data. mount/client.Brick sets
// MknodRequest.linkto; the replication layer forwards to its bricks.
type linktoMaker interface {
	MknodLinkto(ctx context.Context, parent fop.Gfid, name string, gfid fop.Gfid, setName string) (fop.Entry, error)
}

// distribute is the dht layer over a volume's replica sets.
type distribute struct {
	sets   []fop.Volume
	names  []string
	byName map[string]int
	table  *layout.Table
	log    *slog.Logger
	locs   *locCache
}

var _ fop.Volume = (*distribute)(nil)

// New returns the distribution layer over sets (in volfile order), named
// setNames (the names linkto files carry), placing entries by table.
func New(sets []fop.Volume, setNames []string, table *layout.Table, log *slog.Logger) (fop.Volume, error) {
	if len(sets) == 0 || len(sets) != len(setNames) {
		return nil, fmt.Errorf("dht: %d sets and %d set names", len(sets), len(setNames))
	}
	if err := table.Validate(len(sets)); err != nil {
		return nil, fmt.Errorf("dht: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	d := &distribute{sets: sets, names: setNames, byName: map[string]int{}, table: table,
		log: log.With("layer", "dht"), locs: newLocCache(defaultLocCacheSize)}
	for i, n := range setNames {
		if _, dup := d.byName[n]; dup || n == "" {
			return nil, fmt.Errorf("dht: set name %q empty or repeated", n)
		}
		d.byName[n] = i
		if _, ok := sets[i].(linktoMaker); !ok && len(sets) > 1 {
			return nil, fmt.Errorf("dht: set %s (%T) cannot make linkto files", n, sets[i])
		}
	}
	return d, nil
}

// hashed is the set index of the entry (parent, name).
func (d *distribute) hashed(parent fop.Gfid, name string) int {
	return d.table.SetOf(parent, name)
}

// setNamed is the index of the set a linkto file names.
func (d *distribute) setNamed(name string) (int, error) {
	i, ok := d.byName[name]
	if !ok {
		return 0, fmt.Errorf("dht: linkto names unknown set %q: %w", name, syscall.EIO)
	}
	return i, nil
}

// Watch forwards the change notifications of every set to fn.
func (d *distribute) Watch(fn func(fop.Event)) {
	for _, s := range d.sets {
		s.Watch(fn)
	}
}

// Close closes every set.
func (d *distribute) Close() error {
	var errs []error
	for i, s := range d.sets {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("dht: close set %s: %w", d.names[i], err))
		}
	}
	return errors.Join(errs...)
}

// parallel runs fn for every set index but skip (-1: none), concurrently,
// and returns the errors by set index.
func (d *distribute) parallel(skip int, fn func(i int) error) []error {
	errs := make([]error, len(d.sets))
	var wg sync.WaitGroup
	for i := range d.sets {
		if i == skip {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

// isDir reports whether mode is a directory's.
func isDir(mode uint32) bool { return mode&syscall.S_IFMT == syscall.S_IFDIR }

// isMissing reports whether err says the entry or inode is not there:
// ENOENT for a name, ESTALE for a gfid the set does not know.
func isMissing(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ESTALE)
}

// isErrno reports whether err wraps e.
func isErrno(err error, e syscall.Errno) bool { return errors.Is(err, e) }
