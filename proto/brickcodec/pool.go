package brickcodec

import (
	"slices"
	"sync"
)

// classPool is a mem.BufferPool of size classes that, unlike grpc-go's
// own, does not clear a buffer it hands out again. Nothing needs that:
// every user of Pool writes the length it asked for before reading it —
// the codec encodes or copies a whole message, the transports read a
// frame and keep the length they read. Clearing the 2 MiB class for each
// 1 MiB write cost about 6% of the CPU of a sequential write, on the
// client and on every brick. Buffers larger than the largest class are
// allocated and left to the garbage collector.
type classPool struct {
	sizes []int // ascending
	pools []sync.Pool
}

// newClassPool returns a pool with classes of 1<<shift bytes.
func newClassPool(shifts ...uint) *classPool {
	p := &classPool{pools: make([]sync.Pool, len(shifts))}
	for _, s := range shifts {
		p.sizes = append(p.sizes, 1<<s)
	}
	slices.Sort(p.sizes)
	return p
}

// Get returns a buffer of length n, with stale contents.
func (p *classPool) Get(n int) *[]byte {
	i, _ := slices.BinarySearch(p.sizes, n)
	if i == len(p.sizes) {
		b := make([]byte, n)
		return &b
	}
	if b, ok := p.pools[i].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, p.sizes[i])
	return &b
}

// Put takes back a buffer Get returned; others are dropped.
func (p *classPool) Put(b *[]byte) {
	i, found := slices.BinarySearch(p.sizes, cap(*b))
	if !found {
		return
	}
	p.pools[i].Put(b)
}
