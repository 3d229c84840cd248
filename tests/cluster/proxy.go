package cluster

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// proxyChunk is the most a proxy reads from one side before forwarding.
const proxyChunk = 64 << 10

// Proxy is a fault-injecting TCP proxy in front of one brick server (or
// any TCP server), modelled on etcd's test bridge. A client that reaches a
// brick only through its proxy can be cut off from it (Blackhole), have
// its connections reset (Reset) or slowed down (Delay), and reconnected
// (Pass), while the brick itself keeps running for other clients.
//
// Every accepted connection is joined to a new connection to the target;
// when the target refuses, the accepted one is closed at once (what a
// client sees of a brick that is down).
type Proxy struct {
	// Name is the brick name that Spec appends to the proxy's address.
	Name string

	ln     net.Listener
	target string

	// mu guards the fields below.
	mu        sync.Mutex
	blackhole bool
	delay     time.Duration
	links     map[*proxyLink]struct{}
	accepted  int
	closed    bool

	wg sync.WaitGroup
}

// proxyLink is one client connection joined to one target connection.
type proxyLink struct {
	down, up net.Conn // client side, target side

	// mu guards dropped.
	mu sync.Mutex
	// dropped: bytes were discarded in a blackhole, so the stream is
	// corrupt and the link cannot carry traffic again.
	dropped bool
}

// NewProxy starts a proxy on a free port of 127.0.0.1 forwarding to
// target (HOST:PORT); it passes traffic until told otherwise and is
// closed when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, links: map[*proxyLink]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.Close)
	return p
}

// ProxyFor starts a proxy in front of brick b: its Spec names b through
// the proxy's address.
func ProxyFor(t testing.TB, b *Brick) *Proxy {
	t.Helper()
	p := NewProxy(t, b.Addr)
	p.Name = b.Name
	return p
}

// StartBricksBehindProxies starts n bricks (b1..bn, as StartBricks) and one
// proxy in front of each; mount through the proxies (Volume.MountThrough)
// to be able to partition that client from chosen bricks.
func StartBricksBehindProxies(t testing.TB, n int) ([]*Brick, []*Proxy) {
	t.Helper()
	bricks := StartBricks(t, n)
	return bricks, ProxiesFor(t, bricks)
}

// ProxiesFor starts one proxy in front of each brick, in order.
func ProxiesFor(t testing.TB, bricks []*Brick) []*Proxy {
	t.Helper()
	ps := make([]*Proxy, len(bricks))
	for i, b := range bricks {
		ps[i] = ProxyFor(t, b)
	}
	return ps
}

// Addr is the address clients connect to.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target is the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Spec is the brick behind the proxy as `mortar mount --bricks` names it:
// PROXYADDR/NAME.
func (p *Proxy) Spec() string { return p.Addr() + "/" + p.Name }

func (p *Proxy) String() string {
	return fmt.Sprintf("proxy %s→%s", p.Addr(), p.target)
}

// Blackhole makes the proxy accept connections but drop every byte in both
// directions, on the connections it has and on new ones: a partition in
// which the brick neither answers nor closes anything.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	p.blackhole = true
	p.mu.Unlock()
}

// Pass ends a blackhole: traffic flows again. Connections that lost bytes
// in the blackhole carry a corrupt stream and are closed (the client must
// reconnect); connections that lost nothing go on as they were.
func (p *Proxy) Pass() {
	p.mu.Lock()
	p.blackhole = false
	var broken []*proxyLink
	for l := range p.links {
		if l.wasDropped() {
			broken = append(broken, l)
		}
	}
	p.mu.Unlock()
	for _, l := range broken {
		l.close()
	}
}

// Reset closes every connection the proxy carries, both ways (a crashed
// peer or a reset). New connections are accepted as usual.
func (p *Proxy) Reset() {
	p.mu.Lock()
	links := make([]*proxyLink, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.close()
	}
}

// Delay holds every chunk of traffic for d in each direction before
// forwarding it (added latency; order is kept). Zero ends the delay for
// what is read from then on.
func (p *Proxy) Delay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Conns is the number of connections the proxy carries now.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Accepted is the number of connections accepted since the proxy started.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Close stops accepting, closes every connection and waits for the
// proxy's goroutines.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.Reset()
	p.wg.Wait()
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			down.Close()
			continue
		}
		l := &proxyLink{down: down, up: up}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			l.close()
			return
		}
		p.links[l] = struct{}{}
		p.accepted++
		p.mu.Unlock()
		var both sync.WaitGroup
		both.Add(2)
		p.wg.Add(1)
		go p.forward(l, l.down, l.up, &both)
		go p.forward(l, l.up, l.down, &both)
		go func() {
			defer p.wg.Done()
			both.Wait()
			l.close()
			p.mu.Lock()
			delete(p.links, l)
			p.mu.Unlock()
		}()
	}
}

// timedChunk is data read from one side, to be written to the other at due.
type timedChunk struct {
	data []byte
	due  time.Time
}

// forward copies src to dst through a queue, so that a delay holds each
// chunk without slowing the reading. When either side fails, the link is
// closed (both ways, as a TCP proxy does).
func (p *Proxy) forward(l *proxyLink, src, dst net.Conn, both *sync.WaitGroup) {
	defer both.Done()
	queue := make(chan timedChunk, 256)
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for c := range queue {
			if wait := time.Until(c.due); wait > 0 {
				time.Sleep(wait) // the injected latency itself, not a synchronisation
			}
			if _, err := dst.Write(c.data); err != nil {
				l.close()
				for range queue {
				}
				return
			}
		}
	}()
	buf := make([]byte, proxyChunk)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			hole, delay := p.blackhole, p.delay
			p.mu.Unlock()
			if hole {
				l.drop()
			} else {
				queue <- timedChunk{data: append([]byte(nil), buf[:n]...), due: time.Now().Add(delay)}
			}
		}
		if err != nil {
			break
		}
	}
	close(queue)
	<-writerDone
	l.close()
}

func (l *proxyLink) drop() {
	l.mu.Lock()
	l.dropped = true
	l.mu.Unlock()
}

func (l *proxyLink) wasDropped() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// close closes both sides; closing again is harmless.
func (l *proxyLink) close() {
	_ = l.down.Close()
	_ = l.up.Close()
}
