package posix

import (
	"bytes"
	"errors"
	"io"
	"os"
	"sort"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// IndexDirty names the index of inodes with non-zero changelog counters
// (.mortar/index/dirty).
const IndexDirty = "dirty"

// indexBatch is how many names are read from the index directory at once.
const indexBatch = 1024

// IndexPage returns up to max gfids of the index, in ascending byte
// order, that come after the gfid after (the zero gfid: from the start),
// and whether they are the last ones. The directory is read in batches and
// only the max smallest candidates are kept, so memory stays bounded by
// max whatever the size of the index. Names that are not gfids (a crash
// leftover) are skipped.
func (b *Brick) IndexPage(index string, after gfid.Gfid, max int) ([]gfid.Gfid, bool, error) {
	if index != IndexDirty || max <= 0 {
		return nil, false, unix.EINVAL
	}
	fd, err := openDirAt(b.dirty, ".")
	if err != nil {
		return nil, false, err
	}
	f := os.NewFile(uintptr(fd), ".")
	defer f.Close()
	var page gfidPage
	page.max = max
	for {
		names, err := f.Readdirnames(indexBatch)
		for _, n := range names {
			if g, perr := gfid.Parse(n); perr == nil && bytes.Compare(g[:], after[:]) > 0 {
				page.add(g)
			}
		}
		if errors.Is(err, io.EOF) || (err == nil && len(names) == 0) {
			break
		}
		if err != nil {
			return nil, false, err
		}
	}
	out, more := page.result()
	return out, !more, nil
}

// gfidPage keeps the max smallest gfids it is given.
type gfidPage struct {
	max  int
	gs   []gfid.Gfid
	more bool // some gfid was dropped for being past the first max
}

func (p *gfidPage) add(g gfid.Gfid) {
	p.gs = append(p.gs, g)
	if len(p.gs) >= 2*p.max+indexBatch {
		p.trim()
	}
}

// trim sorts the candidates and keeps the first max.
func (p *gfidPage) trim() {
	sort.Slice(p.gs, func(i, j int) bool { return bytes.Compare(p.gs[i][:], p.gs[j][:]) < 0 })
	if len(p.gs) > p.max {
		p.gs, p.more = p.gs[:p.max], true
	}
}

// result returns the page and whether more gfids follow it.
func (p *gfidPage) result() ([]gfid.Gfid, bool) {
	p.trim()
	return p.gs, p.more
}
