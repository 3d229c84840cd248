package posix

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// fanout remembers which directories of the handle index's two levels,
// .mortar/handles/xx (256) and xx/yy (65,536), exist. They are made on
// demand, as GlusterFS makes .glusterfs/xx/yy: making all of them when a
// brick is created costs 65,792 mkdirs (2.6 s and 257 MiB on ext4, 1.7 s
// and 35 MiB on xfs, measured), and most bricks of a test or a small
// volume never need most of them. Knowing which exist (a scan of
// handles/ when the brick is opened, then every mkdir) means that making a
// handle never probes: a known directory is used at once, a missing one is
// made first without a failed link and an EEXIST mkdir. Bits are only set,
// but by forget (a directory removed behind the brick's back).
type fanout struct {
	top  [256 / 64]atomic.Uint64
	leaf [65536 / 64]atomic.Uint64
}

func topIndex(g gfid.Gfid) int  { return int(g[0]) }
func leafIndex(g gfid.Gfid) int { return int(g[0])<<8 | int(g[1]) }

func testBit(w []atomic.Uint64, i int) bool { return w[i/64].Load()&(1<<(i%64)) != 0 }
func setBit(w []atomic.Uint64, i int)       { w[i/64].Or(1 << (i % 64)) }
func clearBit(w []atomic.Uint64, i int)     { w[i/64].And(^uint64(1 << (i % 64))) }

// has reports whether g's handle directory xx/yy is known to exist.
func (f *fanout) has(g gfid.Gfid) bool { return testBit(f.leaf[:], leafIndex(g)) }

// forget drops what is known of g's handle directories.
func (f *fanout) forget(g gfid.Gfid) {
	clearBit(f.leaf[:], leafIndex(g))
	clearBit(f.top[:], topIndex(g))
}

// makeHandleDir makes g's handle directory xx/yy, and xx, where missing.
func (b *Brick) makeHandleDir(g gfid.Gfid) error {
	dir := g.HandleDir()
	if !testBit(b.fan.top[:], topIndex(g)) {
		if err := mkdirat(b.handles, dir[:2], 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
			return err
		}
		setBit(b.fan.top[:], topIndex(g))
	}
	if err := mkdirat(b.handles, dir, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	setBit(b.fan.leaf[:], leafIndex(g))
	return nil
}

// loadFanout records the handle directories that exist: handles/ and its
// xx directories are listed (not the xx/yy ones, which hold the handles).
func (b *Brick) loadFanout() error {
	tops, err := readNames(b.handles)
	if err != nil {
		return fmt.Errorf("brick %s: read .mortar/handles: %w", b.path, err)
	}
	for _, t := range tops {
		x, ok := hexByte(t)
		if !ok {
			continue
		}
		fd, err := openDirAt(b.handles, t)
		if err != nil {
			return fmt.Errorf("brick %s: open .mortar/handles/%s: %w", b.path, t, err)
		}
		leaves, err := readNames(fd)
		closeFd(fd)
		if err != nil {
			return fmt.Errorf("brick %s: read .mortar/handles/%s: %w", b.path, t, err)
		}
		setBit(b.fan.top[:], x)
		for _, l := range leaves {
			if y, ok := hexByte(l); ok {
				setBit(b.fan.leaf[:], x<<8|y)
			}
		}
	}
	return nil
}

// hexByte parses a fan-out directory name: two lowercase hex digits.
func hexByte(s string) (int, bool) {
	if len(s) != 2 {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
